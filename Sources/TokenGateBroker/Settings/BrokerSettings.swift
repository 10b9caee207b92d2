// SPDX-License-Identifier: Apache-2.0
import TokenGateCrypto

/// The broker's validated configuration: the `broker:` section of TokenGate's YAML config file.
///
/// One immutable value is built at start and on every reload (``BrokerSettings/parse(yaml:)``);
/// the exchange reads whichever value is current, so a reload never changes a request halfway.
///
/// ```yaml
/// broker:
///   issuer: https://tokengate.example.com     # iss of issued tokens; required, https
///   audience: https://tokengate.example.com   # subject tokens must carry it in aud (default: issuer)
///   tokenPath: /token                          # the exchange endpoint (default /token)
///   signingKeys: [/etc/tokengate/signing/current.pem, /etc/tokengate/signing/previous.pem]
///   clockSkewSeconds: 60                       # 0–60 (default 60)
///   maxSubjectTokenBytes: 16384                # default 16384
///   jwksRefetchIntervalSeconds: 10             # unknown kid → refetch at most this often (default 10)
///   jwksRefreshSeconds: 300                    # background refresh age (default 300)
///   tokenReviewCacheSeconds: 10                # 0–10 (default 10)
///   clusters: [ … ]                            # see ClusterSettings
///   clusterResources: false                    # true: TrustedCluster resources add clusters
///   policy: [ … ]                              # see PolicyRule; no rule = deny
/// ```
public struct BrokerSettings: Sendable {
    /// `iss` of every token the broker issues, and the base of its discovery document.
    public var issuer: String
    /// The audience a subject token must carry to be exchanged here.
    public var audience: String
    /// Path of the RFC 8693 endpoint, advertised as `token_endpoint`.
    public var tokenPath: String
    /// PEM private key files; the first signs, the rest are published for verification only.
    public var signingKeyFiles: [String]
    public var clockSkewSeconds: Int64
    public var maxSubjectTokenBytes: Int
    public var jwksRefetchIntervalSeconds: Int64
    public var jwksRefreshSeconds: Int64
    public var tokenReviewCacheSeconds: Int64
    public var clusters: [ClusterSettings]
    public var policy: BrokerPolicy
    /// `clusterResources: true`: TrustedCluster resources, read through the in-cluster API, add
    /// to `clusters` (the file's entry wins a name both use).
    public var clusterResources = false
    /// Where the TrustedCluster resources are read from when not in a pod (a kubeconfig of the
    /// management cluster); nil: the pod's in-cluster API.
    public var clusterResourcesKubeconfig: String?

    public init(
        issuer: String, audience: String? = nil, tokenPath: String = "/token", signingKeyFiles: [String] = [],
        clockSkewSeconds: Int64 = 60, maxSubjectTokenBytes: Int = JWSCompact.defaultMaximumSize,
        jwksRefetchIntervalSeconds: Int64 = 10, jwksRefreshSeconds: Int64 = 300, tokenReviewCacheSeconds: Int64 = 10,
        clusters: [ClusterSettings], policy: BrokerPolicy
    ) {
        self.issuer = issuer
        self.audience = audience ?? issuer
        self.tokenPath = tokenPath
        self.signingKeyFiles = signingKeyFiles
        self.clockSkewSeconds = clockSkewSeconds
        self.maxSubjectTokenBytes = maxSubjectTokenBytes
        self.jwksRefetchIntervalSeconds = jwksRefetchIntervalSeconds
        self.jwksRefreshSeconds = jwksRefreshSeconds
        self.tokenReviewCacheSeconds = tokenReviewCacheSeconds
        self.clusters = clusters
        self.policy = policy
    }

    /// The trusted cluster whose issuer is exactly `issuer` (RFC 8725 §3.8: exact comparison).
    public func cluster(forIssuer issuer: String) -> ClusterSettings? {
        clusters.first { $0.issuer == issuer }
    }

    /// The URL the broker's JWKS is served at: `<issuer>/keys`.
    public var jwksURL: String { Self.trimmingSlash(issuer) + "/keys" }

    /// The absolute URL of the exchange endpoint.
    public var tokenEndpoint: String { Self.trimmingSlash(issuer) + tokenPath }

    static func trimmingSlash(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}
