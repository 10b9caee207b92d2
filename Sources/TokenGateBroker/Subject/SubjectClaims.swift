// SPDX-License-Identifier: Apache-2.0

/// The claims of a validated Kubernetes ServiceAccount token (k8s-api.md §5.2), read from the
/// JWT and checked for shape. Nothing else in the broker reads the raw payload.
public struct SubjectClaims: Sendable, Equatable {
    /// A `{name, uid}` reference from the `kubernetes.io` claim.
    public struct ObjectReference: Sendable, Equatable {
        public var name: String
        public var uid: String?

        public init(name: String, uid: String?) {
            self.name = name
            self.uid = uid
        }
    }

    public var issuer: String
    /// `system:serviceaccount:<namespace>:<name>`, checked against the `kubernetes.io` claim.
    public var subject: String
    public var audiences: [String]
    public var expiresAt: Int64
    public var notBefore: Int64?
    public var issuedAt: Int64?
    /// The token's `jti` (Kubernetes ≥ 1.30), recorded in audit and in the issued token.
    public var tokenID: String?
    public var namespace: String
    public var serviceAccount: ObjectReference
    /// Present only for pod-bound tokens; name and uid both required when present.
    public var pod: ObjectReference?
    /// Informational for pod-bound tokens (Kubernetes ≥ 1.30); uid may be absent.
    public var node: ObjectReference?
    /// `kubernetes.io.warnafter`, set on tokens whose expiry the API server extended.
    public var warnAfter: Int64?

    /// When the token should be treated as expired: `exp`, or `warnafter` for extended tokens,
    /// whose `exp` is a year out while the kubelet rotates them hourly (k8s-api.md §6.3).
    public var effectiveExpiry: Int64 { warnAfter.map { min($0, expiresAt) } ?? expiresAt }
}
