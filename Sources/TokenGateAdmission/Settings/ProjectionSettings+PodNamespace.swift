// SPDX-License-Identifier: Apache-2.0
import Foundation

extension ProjectionSettings {
    /// The variable the Deployment fills from the downward API (`metadata.namespace`).
    public static let podNamespaceVariable = "POD_NAMESPACE"

    /// `POD_NAMESPACE` of this process, or nil when unset or empty.
    public static func podNamespace(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard let value = environment[podNamespaceVariable], !value.isEmpty else { return nil }
        return value
    }

    /// For `tokengate serve`: when neither a flag nor the file sets `tokengate.ownNamespace`,
    /// TokenGate's own namespace is `fallback` (the pod's namespace). A webhook must never gate its
    /// own pods -- if it did, with `failurePolicy: Fail` a TokenGate outage could block TokenGate's
    /// own rescheduling -- and installing into another namespace must not require editing the
    /// config to say so. A deliberate setting is never overridden.
    func applyingOwnNamespaceFallback(_ fallback: String?) throws(ConfigError) -> ProjectionSettings {
        guard ownNamespace == nil, let fallback, !fallback.isEmpty else { return self }
        guard Self.isDNSLabel(fallback) else {
            throw ConfigError("\(Self.podNamespaceVariable) is \"\(fallback)\", which is not a namespace name; set tokengate.ownNamespace in the config or fix the Deployment's env")
        }
        var settings = self
        settings.ownNamespace = fallback
        return settings
    }
}
