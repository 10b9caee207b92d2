// SPDX-License-Identifier: Apache-2.0
import Foundation
import Yams

/// The YAML file passed with `--config`. It may be a user's existing OpenUnison `values.yaml`,
/// so unknown keys are ignored; each part of TokenGate reads its own section from the same file
/// (the projection settings read the seed keys and `tokengate:`, the broker reads `broker:`).
///
/// Values are read through ``ConfigValue``, which checks the YAML type (a quoted `"600"` is a
/// string, not a number) and reports problems with the key's dotted path.
public struct ConfigFile {
    public let path: String
    /// The top-level mapping (empty for an empty file).
    public let root: ConfigValue

    /// Reads and parses `path`.
    public static func load(path: String) throws(ConfigError) -> ConfigFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError("cannot read config file \(path): \(error.localizedDescription)")
        }
        return try ConfigFile(yaml: text, path: path)
    }

    public init(yaml: String, path: String = "<config>") throws(ConfigError) {
        self.path = path
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError("config file \(path) is not valid YAML: \(error)")
        }
        guard let node else {
            self.root = ConfigValue(node: [:], path: "")
            return
        }
        guard node.mapping != nil else {
            throw ConfigError("config file \(path) must be a YAML mapping at the top level")
        }
        self.root = ConfigValue(node: node, path: "")
    }

    /// The value at a top-level key, e.g. `broker` or `tokengate`.
    public func section(_ key: String) -> ConfigValue? { root[key] }
}

/// One YAML value with the dotted path it was found at, and typed readers that fail with
/// `services.token_request_expiration_seconds: expected an integer, found string "600"`.
public struct ConfigValue {
    public let node: Node
    /// `services.token_request_audience`; empty for the root.
    public let path: String

    public init(node: Node, path: String) {
        self.node = node
        self.path = path
    }

    /// `~`, `null` or nothing after the colon; a quoted `"null"` is a string.
    public var isNull: Bool { node.scalar != nil && node.tag.rawValue == Tag.Name.null.rawValue }

    /// A member of a mapping; nil when absent, when this is not a mapping, or when the value is null.
    public subscript(key: String) -> ConfigValue? {
        guard let mapping = node.mapping else { return nil }
        for (name, value) in mapping where name.scalar?.string == key {
            let child = ConfigValue(node: value, path: path.isEmpty ? key : "\(path).\(key)")
            return child.isNull ? nil : child
        }
        return nil
    }

    /// The resolved YAML type: quoted scalars are always strings, plain ones are resolved by content.
    private var tagName: Tag.Name { Tag.Name(rawValue: node.tag.rawValue) }

    private var found: String {
        switch node {
        case .scalar(let scalar):
            let kind = switch tagName {
            case .bool: "boolean"
            case .int: "integer"
            case .float: "number"
            default: "string"
            }
            return "\(kind) \(tagName == .str ? "\"\(scalar.string)\"" : scalar.string)"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    private func mismatch(_ expected: String) -> ConfigError {
        ConfigError("\(path): expected \(expected), found \(found)")
    }

    public func bool() throws(ConfigError) -> Bool {
        guard let scalar = node.scalar, tagName == .bool, let value = Bool.construct(from: scalar) else {
            throw mismatch("true or false")
        }
        return value
    }

    public func int() throws(ConfigError) -> Int {
        guard let scalar = node.scalar, tagName == .int, let value = Int.construct(from: scalar) else {
            throw mismatch("an integer")
        }
        return value
    }

    /// Any scalar that is a string in YAML (plain words, quoted text). Numbers and booleans are refused.
    public func string() throws(ConfigError) -> String {
        guard let scalar = node.scalar else { throw mismatch("a string") }
        if [.bool, .int, .float].contains(tagName) { throw mismatch("a string") }
        return scalar.string
    }

    public func list() throws(ConfigError) -> [ConfigValue] {
        guard let sequence = node.sequence else { throw mismatch("a list") }
        return sequence.enumerated().map { ConfigValue(node: $1, path: "\(path)[\($0)]") }
    }

    public func stringList() throws(ConfigError) -> [String] {
        var result: [String] = []
        for item in try list() { result.append(try item.string()) }
        return result
    }

    /// Members of a mapping in file order.
    public func members() throws(ConfigError) -> [(key: String, value: ConfigValue)] {
        guard let mapping = node.mapping else { throw mismatch("a mapping") }
        var result: [(key: String, value: ConfigValue)] = []
        for (name, value) in mapping {
            guard let key = name.scalar?.string else { throw ConfigError("\(path): mapping keys must be strings") }
            result.append((key, ConfigValue(node: value, path: path.isEmpty ? key : "\(path).\(key)")))
        }
        return result
    }
}
