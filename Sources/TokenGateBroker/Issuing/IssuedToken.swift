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

    /// Signs a token for `subject` valid for `ttl` seconds from `now`.
    static func mint(
        subject: SubjectClaims, cluster: String, issuer: String, audiences: [String], scopes: [String],
        type: IssuedTokenType, ttl: Int64, now: Int64, signer: JWSSigner
    ) throws(KeyError) -> IssuedToken {
        let tokenID = Base64.encodeURL(try SecureRandom.bytes(16))
        var identity: [(String, JSON)] = [
            ("cluster", .string(cluster)),
            ("namespace", .string(subject.namespace)),
            ("serviceaccount", reference(subject.serviceAccount)),
        ]
        if let pod = subject.pod { identity.append(("pod", reference(pod))) }
        if let node = subject.node { identity.append(("node", reference(node))) }
        if let jti = subject.tokenID { identity.append(("subject_jti", .string(jti))) }
        var claims: [(String, JSON)] = [
            ("iss", .string(issuer)),
            ("sub", .string(subject.subject)),
            ("aud", audiences.count == 1 ? .string(audiences[0]) : .array(audiences.map { .string($0) })),
            ("exp", .int(now + ttl)),
            ("iat", .int(now)),
            ("nbf", .int(now)),
            ("jti", .string(tokenID)),
            ("client_id", .string(subject.subject)),
        ]
        if !scopes.isEmpty { claims.append(("scope", .string(scopes.joined(separator: " ")))) }
        claims.append(("tokengate.io", .object(identity)))
        let compact = try signer.sign(payload: .object(claims), type: type.headerType)
        return IssuedToken(compact: compact, tokenID: tokenID, issuedAt: now, expiresAt: now + ttl, type: type)
    }

    private static func reference(_ reference: SubjectClaims.ObjectReference) -> JSON {
        var members: [(String, JSON)] = [("name", .string(reference.name))]
        if let uid = reference.uid { members.append(("uid", .string(uid))) }
        return .object(members)
    }
}
