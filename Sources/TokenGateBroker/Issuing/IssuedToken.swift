// SPDX-License-Identifier: Apache-2.0
import TokenGateCrypto
import TokenGateJSON

/// The token the broker issues: an RFC 9068 JWT that names its pod.
///
/// Header `{"alg", "typ": "at+jwt" (or "JWT"), "kid"}`. Claims: `iss`, `sub`
/// (`system:serviceaccount:<ns>:<name>`), `aud` (a string for one audience, else an array),
/// `exp`, `iat`, `nbf`, `jti` (128 random bits), `client_id` (the same ServiceAccount: with no
/// client authentication, the workload is the client), `scope` when requested, and
/// `tokengate.io` — the identity a relying party or an incident responder needs:
///
/// ```json
/// "tokengate.io": {"cluster": "prod", "namespace": "payments",
///   "serviceaccount": {"name": "api", "uid": "…"}, "pod": {"name": "api-7d…", "uid": "…"},
///   "node": {"name": "worker-2", "uid": "…"}, "subject_jti": "…"}
/// ```
public struct IssuedToken: Sendable {
    public let compact: String
    public let tokenID: String
    public let issuedAt: Int64
    public let expiresAt: Int64
    public let type: IssuedTokenType

    /// Signs a token for `subject` valid for `ttl` seconds from `now`. The claims are written in
    /// one pass into the token being assembled (``JWSSigner/sign(type:claims:)``), in the order above.
    static func mint(
        subject: SubjectClaims, cluster: String, issuer: String, audiences: [String], scopes: [String],
        type: IssuedTokenType, ttl: Int64, now: Int64, signer: JWSSigner
    ) throws(KeyError) -> IssuedToken {
        let tokenID = Base64.encodeURL(try SecureRandom.bytes(16))
        let compact = try signer.sign(type: type.headerType) { w in
            w.object { w in
                w.key("iss"); w.string(issuer)
                w.key("sub"); w.string(subject.subject)
                w.key("aud")
                if audiences.count == 1 {
                    w.string(audiences[0])
                } else {
                    w.array { w in for audience in audiences { w.string(audience) } }
                }
                w.key("exp"); w.int(now + ttl)
                w.key("iat"); w.int(now)
                w.key("nbf"); w.int(now)
                w.key("jti"); w.string(tokenID)
                w.key("client_id"); w.string(subject.subject)
                if !scopes.isEmpty { w.key("scope"); w.string(scopes.joined(separator: " ")) }
                w.key("tokengate.io")
                w.object { w in
                    w.key("cluster"); w.string(cluster)
                    w.key("namespace"); w.string(subject.namespace)
                    w.key("serviceaccount"); reference(subject.serviceAccount, into: &w)
                    if let pod = subject.pod { w.key("pod"); reference(pod, into: &w) }
                    if let node = subject.node { w.key("node"); reference(node, into: &w) }
                    if let jti = subject.tokenID { w.key("subject_jti"); w.string(jti) }
                }
            }
        }
        return IssuedToken(compact: String(decoding: compact, as: UTF8.self), tokenID: tokenID, issuedAt: now, expiresAt: now + ttl,
                           type: type)
    }

    private static func reference(_ reference: SubjectClaims.ObjectReference, into w: inout JSONWriter<[UInt8]>) {
        w.object { w in
            w.key("name"); w.string(reference.name)
            if let uid = reference.uid { w.key("uid"); w.string(uid) }
        }
    }
}
