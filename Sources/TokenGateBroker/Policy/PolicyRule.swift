// SPDX-License-Identifier: Apache-2.0

/// One grant: which ServiceAccounts may obtain tokens for which audiences, for how long.
///
/// ```yaml
/// policy:
///   - name: payments-to-ledger            # optional; appears in audit records
///     clusters: [prod]                    # optional; default: every cluster
///     serviceAccounts:                    # required; globs (* and ?)
///       - {namespace: payments, name: "*"}
///     audiences: [https://ledger.example.com]   # required; exact strings
///     maxTTLSeconds: 900                  # default 900; at most 86400
///     tokenType: access_token             # access_token (typ at+jwt, Bearer) or jwt (N_A)
///     scopes: [ledger.read]               # optional; scopes a request may ask for
///     allowUnboundTokens: false           # accept tokens without kubernetes.io.pod (default false)
/// ```
public struct PolicyRule: Sendable, Equatable {
    public struct ServiceAccountPattern: Sendable, Equatable {
        public var namespace: Glob
        public var name: Glob

        public init(namespace: String, name: String) {
            self.namespace = Glob(namespace)
            self.name = Glob(name)
        }

        public func matches(namespace: String, name: String) -> Bool {
            self.namespace.matches(namespace) && self.name.matches(name)
        }
    }

    public var name: String?
    public var clusters: [String]?
    public var serviceAccounts: [ServiceAccountPattern]
    public var audiences: [String]
    public var maxTTLSeconds: Int64
    public var tokenType: IssuedTokenType
    public var scopes: [String]
    public var allowUnboundTokens: Bool

    public static let defaultMaxTTLSeconds: Int64 = 900
    public static let ceilingTTLSeconds: Int64 = 86_400

    public init(
        name: String? = nil, clusters: [String]? = nil, serviceAccounts: [ServiceAccountPattern], audiences: [String],
        maxTTLSeconds: Int64 = defaultMaxTTLSeconds, tokenType: IssuedTokenType = .accessToken, scopes: [String] = [],
        allowUnboundTokens: Bool = false
    ) {
        self.name = name
        self.clusters = clusters
        self.serviceAccounts = serviceAccounts
        self.audiences = audiences
        self.maxTTLSeconds = maxTTLSeconds
        self.tokenType = tokenType
        self.scopes = scopes
        self.allowUnboundTokens = allowUnboundTokens
    }

    /// Whether the rule speaks about this ServiceAccount in this cluster at all.
    public func applies(cluster: String, namespace: String, serviceAccount: String) -> Bool {
        (clusters.map { $0.contains(cluster) } ?? true)
            && serviceAccounts.contains { $0.matches(namespace: namespace, name: serviceAccount) }
    }
}

/// What kind of token is issued; decides `typ`, `issued_token_type` and `token_type`.
public enum IssuedTokenType: String, Sendable, Equatable {
    /// RFC 9068 access token: `typ: at+jwt`, `token_type: Bearer`.
    case accessToken = "access_token"
    /// A plain JWT for a relying party that is not an OAuth resource server: `typ: JWT`, `token_type: N_A`.
    case jwt

    public var uri: String { "urn:ietf:params:oauth:token-type:" + rawValue }
    public var headerType: String { self == .accessToken ? "at+jwt" : "JWT" }
    public var oauthTokenType: String { self == .accessToken ? "Bearer" : "N_A" }

    public init?(uri: String) {
        let prefix = "urn:ietf:params:oauth:token-type:"
        guard uri.hasPrefix(prefix) else { return nil }
        self.init(rawValue: String(uri.dropFirst(prefix.count)))
    }
}
