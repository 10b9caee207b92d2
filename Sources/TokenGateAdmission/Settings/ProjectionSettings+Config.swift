// SPDX-License-Identifier: Apache-2.0

extension ProjectionSettings {
    /// Reads the projection settings from a config file.
    ///
    /// The seed keys are read under `services:` (where OpenUnison's `values.yaml` keeps them) and
    /// then at the top level, which wins when both are present. TokenGate's own keys live under
    /// `tokengate:`. Missing keys keep their defaults; every other key in the file is ignored.
    /// - Throws: ``ConfigError`` for a value of the wrong YAML type, naming the key.
    public init(config file: ConfigFile) throws(ConfigError) {
        self.init()
        var problems: [String] = []
        func read<T>(_ read: () throws(ConfigError) -> T?) -> T? {
            do { return try read() } catch { problems += error.problems; return nil }
        }
        for scope in [file.section("services"), file.root].compactMap({ $0 }) {
            if let value = read({ () throws(ConfigError) in try scope["enable_tokenrequest"]?.bool() }) { enabled = value }
            if let value = read({ () throws(ConfigError) in try scope["token_request_audience"]?.string() }) { audience = value }
            if let value = read({ () throws(ConfigError) in try scope["token_request_expiration_seconds"]?.int() }) {
                expirationSeconds = value
            }
        }
        if let own = file.section("tokengate") {
            problems += Self.unknownKeys(in: own)
            if let value = read({ () throws(ConfigError) in try own["mountPath"]?.string() }) { mountPath = value }
            if let value = read({ () throws(ConfigError) in try own["tokenFileName"]?.string() }) { tokenFileName = value }
            if let value = read({ () throws(ConfigError) in try own["volumeName"]?.string() }) { volumeName = value }
            if let value = read({ () throws(ConfigError) in try own["maxExpirationSeconds"]?.int() }) {
                maxExpirationSeconds = value
            }
            if let value = read({ () throws(ConfigError) in try own["allowedNamespaces"]?.stringList() }) {
                allowedNamespaces = value
            }
            if let value = read({ () throws(ConfigError) in try own["deniedNamespaces"]?.stringList() }) {
                deniedNamespaces = value
            }
            if let value = read({ () throws(ConfigError) in try own["ownNamespace"]?.string() }) { ownNamespace = value }
            if let value = read({ () throws(ConfigError) in try own["selectors"].map(Self.readSelectors) }) { selectors = value }
        }
        if !problems.isEmpty { throw ConfigError(problems: problems) }
    }

    /// The keys `tokengate:` accepts. Like `broker:`, the section is strict: a misspelt key would
    /// otherwise be ignored and its default silently used.
    static let ownKeys = [
        "mountPath", "tokenFileName", "volumeName", "maxExpirationSeconds", "allowedNamespaces",
        "deniedNamespaces", "ownNamespace", "selectors",
    ]

    /// One problem per key under `tokengate:` that TokenGate does not know, with the spelling it
    /// probably meant (`mount_path` → `mountPath`).
    static func unknownKeys(in section: ConfigValue) -> [String] {
        guard let members = try? section.members() else { return ["tokengate: expected a mapping of TokenGate's settings"] }
        return members.compactMap { member in
            guard !ownKeys.contains(member.key) else { return nil }
            let folded = member.key.lowercased().filter { $0 != "_" && $0 != "-" }
            let hint = ownKeys.first { $0.lowercased() == folded }.map { " (did you mean \($0)?)" } ?? ""
            return "tokengate.\(member.key) is not a TokenGate setting\(hint); known keys: \(ownKeys.joined(separator: ", "))"
        }
    }

    /// `selectors:` is a list; each item is a mapping of labels (all must match) or a
    /// `key=value,key2=value2` string. An object is selected when any item matches.
    static func readSelectors(_ value: ConfigValue) throws(ConfigError) -> [LabelSelector] {
        var selectors: [LabelSelector] = []
        for item in try value.list() {
            if item.node.mapping != nil {
                var labels: [String: String] = [:]
                for (key, labelValue) in try item.members() { labels[key] = try labelValue.string() }
                selectors.append(LabelSelector(labels))
            } else {
                selectors.append(try LabelSelector(parsing: item.string()))
            }
        }
        return selectors
    }

    /// Values given on the command line; each non-nil one replaces what the file said.
    public struct Overrides: Sendable, Equatable {
        public var enabled: Bool?
        public var audience: String?
        public var expirationSeconds: Int?
        public var maxExpirationSeconds: Int?
        public var ownNamespace: String?

        public init(
            enabled: Bool? = nil, audience: String? = nil, expirationSeconds: Int? = nil,
            maxExpirationSeconds: Int? = nil, ownNamespace: String? = nil
        ) {
            self.enabled = enabled
            self.audience = audience
            self.expirationSeconds = expirationSeconds
            self.maxExpirationSeconds = maxExpirationSeconds
            self.ownNamespace = ownNamespace
        }
    }

    /// These settings with the flags applied on top (flags override the file).
    public func merging(_ overrides: Overrides) -> ProjectionSettings {
        var merged = self
        if let value = overrides.enabled { merged.enabled = value }
        if let value = overrides.audience { merged.audience = value }
        if let value = overrides.expirationSeconds { merged.expirationSeconds = value }
        if let value = overrides.maxExpirationSeconds { merged.maxExpirationSeconds = value }
        if let value = overrides.ownNamespace { merged.ownNamespace = value }
        return merged
    }

    /// The whole startup path: read `configPath` (if any), apply the flags, fill TokenGate's own
    /// namespace from `ownNamespaceFallback` (serve passes `POD_NAMESPACE`) when neither set it,
    /// validate. Precedence: flag, then file, then the fallback.
    /// - Returns: the settings and the warnings to log.
    public static func load(configPath: String?, overrides: Overrides = Overrides(), ownNamespaceFallback: String? = nil)
        throws(ConfigError) -> (settings: ProjectionSettings, warnings: [String])
    {
        let base = try configPath.map { path throws(ConfigError) in try ProjectionSettings(config: ConfigFile.load(path: path)) }
            ?? ProjectionSettings()
        let settings = try base.merging(overrides).applyingOwnNamespaceFallback(ownNamespaceFallback)
        return (settings, try settings.validate())
    }
}
