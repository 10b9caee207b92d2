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

    /// ``load(configPath:overrides:)`` for `tokengate serve`: when the file does not set
    /// `tokengate.ownNamespace`, TokenGate's own namespace is `ownNamespaceFallback` (the pod's
    /// namespace). A webhook must never gate its own pods -- if it did, with
    /// `failurePolicy: Fail` a TokenGate outage could block TokenGate's own rescheduling -- and
    /// installing into another namespace must not require editing the config to say so.
    /// The file wins, so a deliberate setting is never overridden.
    public static func load(configPath: String?, ownNamespaceFallback: String?) throws(ConfigError)
        -> (settings: ProjectionSettings, warnings: [String])
    {
        var settings = try configPath.map { path throws(ConfigError) in try ProjectionSettings(config: ConfigFile.load(path: path)) }
            ?? ProjectionSettings()
        if settings.ownNamespace == nil, let fallback = ownNamespaceFallback, !fallback.isEmpty {
            guard isDNSLabel(fallback) else {
                throw ConfigError("\(podNamespaceVariable) is \"\(fallback)\", which is not a namespace name; set tokengate.ownNamespace in the config or fix the Deployment's env")
            }
            settings.ownNamespace = fallback
        }
        return (settings, try settings.validate())
    }
}
