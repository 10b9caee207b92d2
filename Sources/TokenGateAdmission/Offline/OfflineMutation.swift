// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// Runs the server's `/mutate` logic on manifests, offline: each object is wrapped in the
/// AdmissionReview the API server would send for a CREATE, serialized and read back as the server
/// reads a body (so there is one implementation of every rule, over ``JSONView``), decided by the
/// same handler, and the resulting patch is applied with ``JSONPatch/apply(to:)``.
public struct OfflineMutation: Sendable {
    public let handler: TokenGateAdmissionHandler
    /// Used when an object has no `metadata.namespace` (kubectl's `--namespace`); `default` otherwise.
    public let namespace: String?

    public init(handler: TokenGateAdmissionHandler, namespace: String?) {
        self.handler = handler
        self.namespace = namespace
    }

    public struct Result: Sendable {
        public var original: JSONDocument
        /// The object after the patch; the original when nothing changed or the object was denied.
        public var result: JSONDocument
        public var decision: AdmissionDecision
        /// `Deployment payments/payments-api`, for messages.
        public var label: String
    }

    public func mutate(_ object: JSONDocument, index: Int) throws -> Result {
        let root = object.rootNode
        let kind = root["kind"]?.string ?? "Object"
        let gvk = GroupVersionKind(apiVersion: root["apiVersion"]?.string ?? "v1", kind: kind)
        let namespace = root.at("/metadata/namespace")?.string ?? namespace ?? "default"
        let name = root.at("/metadata/name")?.string ?? root.at("/metadata/generateName")?.string.map { $0 + "*" } ?? "document-\(index)"
        let review = Self.syntheticReview(for: root, kind: gvk, namespace: namespace, uid: "offline-\(index)")
        let request = try AdmissionRequest.decode(review.serialized())
        let decision = handler.decide(request, at: .mutate)
        var result = object
        if decision.isAllowed && !decision.patch.isEmpty {
            result = try decision.patch.apply(to: root)
        }
        return Result(original: object, result: result, decision: decision, label: "\(kind) \(namespace)/\(name)")
    }

    /// The AdmissionReview a v1 API server sends to a mutating webhook for `kubectl create` of `object`.
    public static func syntheticReview(for object: JSONNode, kind: GroupVersionKind, namespace: String, uid: String) -> JSON {
        var request: [(String, JSON)] = [
            ("uid", .string(uid)),
            ("kind", ["group": .string(kind.group), "version": .string(kind.version), "kind": .string(kind.kind)]),
            ("resource", ["group": .string(kind.group), "version": .string(kind.version), "resource": .string(kind.kind.lowercased() + "s")]),
        ]
        if let name = object.at("/metadata/name")?.string { request.append(("name", .string(name))) }
        request += [
            ("namespace", .string(namespace)), ("operation", "CREATE"),
            ("userInfo", ["username": "tokengate-offline"]), ("object", .node(object)), ("oldObject", nil),
            ("dryRun", true), ("options", ["kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"]),
        ]
        return ["kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1", "request": .object(request)]
    }
}
