// SPDX-License-Identifier: Apache-2.0

/// Everything the projection mutator needs to decide, as one immutable value that can be
/// swapped atomically on reload and read from any thread.
///
/// The three seed keys keep OpenUnison's names and meaning (`enable_tokenrequest`,
/// `token_request_audience`, `token_request_expiration_seconds`); the rest are TokenGate's own.
public struct ProjectionSettings: Sendable, Equatable {
    /// `enable_tokenrequest`. When false every request is allowed unchanged.
    public var enabled: Bool
    /// `token_request_audience`: the `aud` of projected tokens. Must be one of the API server's
    /// `--api-audiences` for the token to authenticate to the API server.
    public var audience: String
    /// `token_request_expiration_seconds`.
    public var expirationSeconds: Int
    /// Upper bound for the expiration, including per-object overrides.
    public var maxExpirationSeconds: Int
    public var mountPath: String
    public var tokenFileName: String
    public var volumeName: String
    /// An object is selected when its labels match any of these, or the opt-in label.
    public var selectors: [LabelSelector]
    /// When non-empty, only these namespaces are considered.
    public var allowedNamespaces: [String]
    public var deniedNamespaces: [String]
    /// TokenGate's own namespace, always skipped (a webhook must never block its own rescheduling).
    public var ownNamespace: String?

    /// The smallest expiration the API server accepts for a projected token.
    public static let minimumExpirationSeconds = 600
    /// The largest it accepts (2^32 s).
    public static let apiServerMaximumExpirationSeconds = 1 << 32
    public static let defaultAudience = "https://kubernetes.default.svc"
    public static let serviceAccountMountPath = "/var/run/secrets/kubernetes.io/serviceaccount"
    /// Namespaces that are skipped whatever the configuration says.
    public static let alwaysSkippedNamespaces: Set<String> = ["kube-system"]

    public init(
        enabled: Bool = false, audience: String = ProjectionSettings.defaultAudience, expirationSeconds: Int = 600,
        maxExpirationSeconds: Int = 86400, mountPath: String = ProjectionSettings.serviceAccountMountPath,
        tokenFileName: String = "token", volumeName: String = "tokengate-token",
        selectors: [LabelSelector] = LabelSelector.openUnisonDefaults, allowedNamespaces: [String] = [],
        deniedNamespaces: [String] = [], ownNamespace: String? = nil
    ) {
        self.enabled = enabled
        self.audience = audience
        self.expirationSeconds = expirationSeconds
        self.maxExpirationSeconds = maxExpirationSeconds
        self.mountPath = mountPath
        self.tokenFileName = tokenFileName
        self.volumeName = volumeName
        self.selectors = selectors
        self.allowedNamespaces = allowedNamespaces
        self.deniedNamespaces = deniedNamespaces
        self.ownNamespace = ownNamespace
    }

    /// Why a namespace is skipped, or nil when objects in it may be mutated.
    public func skipReason(namespace: String?) -> String? {
        guard let namespace else { return nil }
        if Self.alwaysSkippedNamespaces.contains(namespace) { return "namespace \(namespace) is always skipped" }
        if namespace == ownNamespace { return "namespace \(namespace) is TokenGate's own" }
        if deniedNamespaces.contains(namespace) { return "namespace \(namespace) is in deniedNamespaces" }
        if !allowedNamespaces.isEmpty && !allowedNamespaces.contains(namespace) {
            return "namespace \(namespace) is not in allowedNamespaces"
        }
        return nil
    }

    /// True when `labels` match a configured selector or carry the opt-in label.
    public func selects(labels: [String: String]) -> Bool {
        LabelSelector.optIn.matches(labels) || selectors.contains { $0.matches(labels) }
    }
}
