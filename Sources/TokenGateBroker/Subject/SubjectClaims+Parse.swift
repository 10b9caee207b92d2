// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

extension SubjectClaims {
    /// Reads and shape-checks the claims of a Kubernetes ServiceAccount token.
    ///
    /// Time, audience and issuer are checked by ``SubjectTokenValidator``; this checks what must
    /// be present and consistent: `sub` equals `system:serviceaccount:<ns>:<sa>` from the
    /// `kubernetes.io` claim, names are Kubernetes names, and legacy Secret-based tokens (flat
    /// `kubernetes.io/serviceaccount/*` claims, no `exp`) are refused.
    static func parse(_ payload: JSONView.Value) throws(ExchangeError) -> SubjectClaims {
        guard let issuer = payload["iss"]?.string, !issuer.isEmpty else {
            throw .subject("missing_claim", "subject_token has no iss claim")
        }
        guard let expiresAt = numericDate(payload["exp"]) else {
            throw .subject("missing_claim", "subject_token has no numeric exp claim; legacy Secret-based tokens are not accepted")
        }
        let audiences: [String]
        switch payload["aud"] {
        case let node? where node.kind == .string: audiences = [node.string ?? ""]
        case let node? where node.isArray: audiences = node.elements.compactMap(\.string)
        default: throw .subject("missing_claim", "subject_token has no aud claim")
        }
        guard let k8s = payload["kubernetes.io"], k8s.isObject else {
            throw .subject("not_serviceaccount_token", "subject_token is not a Kubernetes ServiceAccount token (no kubernetes.io claim)")
        }
        guard let namespace = k8s["namespace"]?.string, KubernetesNames.isSubdomain(namespace),
            let serviceAccount = try reference(k8s["serviceaccount"], requireUID: true), KubernetesNames.isSubdomain(serviceAccount.name)
        else {
            throw .subject("malformed_claim", "subject_token's kubernetes.io claim lacks a valid namespace or serviceaccount {name, uid}")
        }
        let subject = "system:serviceaccount:\(namespace):\(serviceAccount.name)"
        guard payload["sub"]?.string == subject else {
            throw .subject("malformed_claim", "subject_token's sub does not match its kubernetes.io namespace and serviceaccount")
        }
        let pod = try reference(k8s["pod"], requireUID: true)
        if let pod, !KubernetesNames.isSubdomain(pod.name) {
            throw .subject("malformed_claim", "subject_token's kubernetes.io.pod name is not a Kubernetes name")
        }
        var tokenID: String?
        if let jti = payload["jti"] {
            guard let text = jti.string, !text.isEmpty, text.utf8.count <= 256 else {
                throw .subject("malformed_claim", "subject_token's jti is not a short string")
            }
            tokenID = text
        }
        return SubjectClaims(
            issuer: issuer, subject: subject, audiences: audiences, expiresAt: expiresAt,
            notBefore: try optionalDate(payload, "nbf"), issuedAt: try optionalDate(payload, "iat"), tokenID: tokenID,
            namespace: namespace, serviceAccount: serviceAccount, pod: pod,
            node: try reference(k8s["node"], requireUID: false), warnAfter: try optionalDate(k8s, "warnafter"))
    }

    /// NumericDate: integer seconds (a real is floored; RFC 7519 allows fractions).
    static func numericDate(_ node: JSONView.Value?) -> Int64? {
        guard let node else { return nil }
        if let value = node.int { return value }
        if node.kind == .real, let value = node.double, value.isFinite, abs(value) < 1e15 { return Int64(value.rounded(.down)) }
        return nil
    }

    private static func optionalDate(_ object: JSONView.Value, _ name: String) throws(ExchangeError) -> Int64? {
        guard let node = object[name], !node.isNull else { return nil }
        guard let value = numericDate(node) else { throw .subject("malformed_claim", "subject_token's \(name) is not a NumericDate") }
        return value
    }

    /// `{name, uid}`; nil when absent or JSON null (Kubernetes emits `"pod": null` for Secret-bound tokens).
    private static func reference(_ node: JSONView.Value?, requireUID: Bool) throws(ExchangeError) -> ObjectReference? {
        guard let node, !node.isNull else { return nil }
        guard node.isObject, let name = node["name"]?.string, !name.isEmpty, name.utf8.count <= 253 else {
            throw .subject("malformed_claim", "subject_token's kubernetes.io claim has an object reference without a name")
        }
        let uid = node["uid"]?.string
        if requireUID, uid?.isEmpty ?? true {
            throw .subject("malformed_claim", "subject_token's kubernetes.io claim has an object reference without a uid")
        }
        return ObjectReference(name: name, uid: uid)
    }
}
