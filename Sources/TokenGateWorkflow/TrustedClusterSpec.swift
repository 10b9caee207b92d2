// SPDX-License-Identifier: Apache-2.0

/// A `TrustedCluster` (`tokengate.io/v1alpha1`, cluster-scoped): a cluster whose ServiceAccount
/// tokens the broker accepts, added through the Kubernetes API instead of the config file.
///
/// ```yaml
/// apiVersion: tokengate.io/v1alpha1
/// kind: TrustedCluster
/// metadata: {name: prod-b}                 # the cluster name in issued tokens and audit records
/// spec:
///   issuer: https://prod-b.example.com      # exact iss of its tokens
///   apiServer: https://prod-b.example.com:6443
///   caBundle: |                             # or caConfigMap: {name, key} in TokenGate's namespace
///     -----BEGIN CERTIFICATE-----
///   verify: both                            # jwks | tokenreview | both
///   checkPod: true
///   jwksURL: https://prod-b.example.com/openid/v1/jwks   # default: OIDC discovery
///   auth:
///     selfIssued: {audience: https://prod-b.example.com/tokengate, subject: tokengate-broker, ttlSeconds: 300}
/// ```
///
/// A resource never carries a credential of its cluster: an `apiServer` is reached with
/// `auth.selfIssued` only.
public struct TrustedClusterSpec: Sendable, Equatable {
    /// A ConfigMap in TokenGate's own namespace (the only one its Role may read).
    public struct ConfigMapKey: Sendable, Equatable {
        public var name: String
        public var key: String

        public init(name: String, key: String = "ca.crt") {
            self.name = name
            self.key = key
        }
    }

    public struct SelfIssued: Sendable, Equatable {
        public var audience: String
        public var subject: String
        public var ttlSeconds: Int64

        public init(audience: String, subject: String, ttlSeconds: Int64 = 300) {
            self.audience = audience
            self.subject = subject
            self.ttlSeconds = ttlSeconds
        }
    }

    public var name: String
    public var generation: Int64
    public var issuer: String
    public var apiServer: String?
    public var caBundle: String?
    public var caConfigMap: ConfigMapKey?
    /// `jwks`, `tokenreview` or `both`.
    public var verify: String
    public var checkPod: Bool?
    public var jwksURL: String?
    public var selfIssued: SelfIssued?

    public init(
        name: String, generation: Int64 = 0, issuer: String, apiServer: String? = nil, caBundle: String? = nil,
        caConfigMap: ConfigMapKey? = nil, verify: String = "both", checkPod: Bool? = nil, jwksURL: String? = nil,
        selfIssued: SelfIssued? = nil
    ) {
        self.name = name
        self.generation = generation
        self.issuer = issuer
        self.apiServer = apiServer
        self.caBundle = caBundle
        self.caConfigMap = caConfigMap
        self.verify = verify
        self.checkPod = checkPod
        self.jwksURL = jwksURL
        self.selfIssued = selfIssued
    }

    public static let group = "tokengate.io"
    public static let apiVersion = "tokengate.io/v1alpha1"
    public static let kind = "TrustedCluster"
    public static let verifyModes = ["jwks", "tokenreview", "both"]
    public static let specKeys = ["issuer", "apiServer", "caBundle", "caConfigMap", "verify", "checkPod", "jwksURL", "auth"]
    public static let ttlRange: ClosedRange<Int64> = 60...3600
}
