// SPDX-License-Identifier: Apache-2.0
import TokenGateCrypto

/// One trusted cluster: whose tokens the broker accepts, how it checks them, and how the
/// server reaches that cluster's API server.
///
/// ```yaml
/// clusters:
///   - name: prod                                  # required, unique; appears in issued tokens
///     issuer: https://kubernetes.default.svc.cluster.local   # exact iss of its tokens
///     jwksURL: https://…/openid/v1/jwks           # or jwksFile: /path; neither = OIDC discovery
///     algorithms: [RS256]                         # default [RS256, ES256]
///     verify: both                                # jwks | tokenreview | both (default both)
///     checkPod: true                              # GET the pod and compare UIDs (default: false with
///                                                 # verify: jwks, true otherwise)
///     apiServer: https://10.0.0.1:6443            # for TokenReview/Pod GET; or inCluster: true
///     inCluster: false
///     caFile: /etc/tokengate/prod/ca.crt
///     tokenFile: /etc/tokengate/prod/token
///     kubeconfig: /etc/tokengate/prod/kubeconfig
///     auth:                                       # instead of tokenFile: no credential of that cluster
///       selfIssued: {audience: https://prod-b.example.com, subject: tokengate-broker, ttlSeconds: 300}
/// ```
public struct ClusterSettings: Sendable, Equatable {
    public var name: String
    public var issuer: String
    public var jwks: JWKSSource
    public var algorithms: Set<JWSAlgorithm>
    public var verification: VerificationMode
    /// GET the pod named in the token and require its UID (the Pod GET catches a pod deleted or
    /// recreated under the same name). Applies in every mode: with `verify: jwks` it is the only
    /// call to the API server, so such a cluster then needs API server credentials.
    public var checkPod: Bool
    /// Connection details used by the server's Kubernetes client; the broker only carries them.
    public var apiServer: String?
    public var inCluster: Bool
    public var caFile: String?
    public var tokenFile: String?
    public var kubeconfig: String?
    /// How TokenGate authenticates to the API server when not with `tokenFile`/kubeconfig credentials.
    public var auth: ClusterAuth?
    /// A PEM CA bundle given inline (a TrustedCluster's `caBundle` or ConfigMap), used like `caFile`.
    public var caPEM: [UInt8]?
    /// Where the cluster came from: the config file, or a TrustedCluster resource.
    public var source: Source = .file

    public enum Source: Sendable, Equatable {
        case file
        case resource
    }

    public init(
        name: String, issuer: String, jwks: JWKSSource = .discovery, algorithms: Set<JWSAlgorithm> = [.rs256, .es256],
        verification: VerificationMode = .both, checkPod: Bool? = nil, apiServer: String? = nil, inCluster: Bool = false,
        caFile: String? = nil, tokenFile: String? = nil, kubeconfig: String? = nil, auth: ClusterAuth? = nil
    ) {
        self.name = name
        self.issuer = issuer
        self.jwks = jwks
        self.algorithms = algorithms
        self.verification = verification
        // `verify: jwks` is chosen to work without the API server; a Pod GET there is asked for explicitly.
        self.checkPod = checkPod ?? verification.usesAPIServer
        self.apiServer = apiServer
        self.inCluster = inCluster
        self.caFile = caFile
        self.tokenFile = tokenFile
        self.kubeconfig = kubeconfig
        self.auth = auth
    }

    /// Whether TokenGate presents a long-lived credential of this cluster to its API server
    /// (`tokenFile` outside the pod's own cluster). `serve` warns about each such cluster.
    public var usesStaticToken: Bool { auth == nil && tokenFile != nil && !inCluster }
}

/// How TokenGate authenticates to a cluster's API server without holding a credential of it.
public enum ClusterAuth: Sendable, Equatable {
    /// A short-lived JWT TokenGate signs with its broker key; the remote API server trusts
    /// TokenGate's issuer (structured authentication) and maps `sub` to a user.
    case selfIssued(SelfIssuedAuth)
}

/// `auth.selfIssued`: the claims of the token TokenGate presents to a remote API server.
public struct SelfIssuedAuth: Sendable, Equatable {
    /// `aud`: what the remote API server's `jwt[].issuer.audiences` lists.
    public var audience: String
    /// `sub`: mapped to the user the remote RBAC grants TokenReview and `get pods`.
    public var subject: String
    public var ttlSeconds: Int64

    public static let ttlRange: ClosedRange<Int64> = 60...3600
    public static let defaultTTLSeconds: Int64 = 300

    public init(audience: String, subject: String, ttlSeconds: Int64 = SelfIssuedAuth.defaultTTLSeconds) {
        self.audience = audience
        self.subject = subject
        self.ttlSeconds = ttlSeconds
    }
}

/// Where a cluster's verification keys come from.
public enum JWKSSource: Sendable, Equatable, CustomStringConvertible {
    /// `<issuer>/.well-known/openid-configuration` → `jwks_uri` (Kubernetes ≥ 1.21).
    case discovery
    /// A JWKS URL fetched directly (e.g. `https://kubernetes.default.svc/openid/v1/jwks`).
    case url(String)
    /// A JWKS file (e.g. a ConfigMap mirror for a cluster the broker cannot reach).
    case file(String)

    public var description: String {
        switch self {
        case .discovery: "discovery"
        case .url(let url): url
        case .file(let path): "file \(path)"
        }
    }
}

/// How a subject token is checked after parsing.
public enum VerificationMode: String, Sendable, Equatable {
    /// Signature against the cluster's JWKS only: works offline, cannot see deleted pods unless
    /// `checkPod: true` adds the Pod GET.
    case jwks
    /// TokenReview (and Pod GET) only: the API server checks the signature and liveness.
    case tokenReview = "tokenreview"
    /// Both: JWKS rejects garbage cheaply, TokenReview and the Pod GET catch revocation.
    case both

    public var usesJWKS: Bool { self != .tokenReview }
    public var usesAPIServer: Bool { self != .jwks }
}
