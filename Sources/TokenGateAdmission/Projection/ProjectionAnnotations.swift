// SPDX-License-Identifier: Apache-2.0

/// The `tokengate.io/` annotations and labels the mutator reads and writes.
public enum ProjectionAnnotations {
    /// Label `"true"`: opt in. Annotation `"false"`: opt out.
    public static let inject = "tokengate.io/inject"
    /// Per-object audience override.
    public static let audience = "tokengate.io/audience"
    /// Per-object expiration override, bounded by the configuration.
    public static let expirationSeconds = "tokengate.io/expiration-seconds"
    /// `a,b`: containers that get no token.
    public static let skipContainers = "tokengate.io/skip-containers"
    /// Written by TokenGate: `"<audience>;<seconds>"`.
    public static let projected = "tokengate.io/projected"

    /// The audit annotation key (the API server prefixes it with the webhook name).
    public static let auditKey = "projection"
}
