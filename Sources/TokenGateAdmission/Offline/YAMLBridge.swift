// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON
import Yams

/// Converts between YAML manifests and JSON the way `kubectl` does: plain scalars are typed by
/// content (`600` is a number, `true` a boolean, `~` null), quoted scalars are strings, key order
/// is kept. Going back, strings that would read as another type are quoted.
public enum YAMLBridge {
    /// A YAML node as a JSON value.
    /// - Throws: ``ManifestError`` for aliases, non-scalar keys or numbers JSON cannot hold.
    public static func json(from node: Node, path: String = "") throws(ManifestError) -> JSON {
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool:
                guard let value = Bool.construct(from: scalar) else { return .string(scalar.string) }
                return .bool(value)
            case .int:
                guard let value = Int64.construct(from: scalar) else {
                    throw ManifestError("\(path.isEmpty ? "value" : path): integer \(scalar.string) does not fit in 64 bits")
                }
                return .int(value)
            case .float:
                guard let value = Double.construct(from: scalar), value.isFinite else {
                    throw ManifestError("\(path.isEmpty ? "value" : path): \(scalar.string) is not a finite number")
                }
                return .double(value)
            default:
                return .string(scalar.string)
            }
        case .mapping(let mapping):
            var members: [(String, JSON)] = []
            var seen: Set<String> = []
            for (key, value) in mapping {
                guard let name = key.scalar?.string else { throw ManifestError("\(path): mapping keys must be scalars") }
                guard seen.insert(name).inserted else { throw ManifestError("\(path): duplicate key \"\(name)\"") }
                members.append((name, try json(from: value, path: path + "." + name)))
            }
            return .object(members)
        case .sequence(let sequence):
            var items: [JSON] = []
            for (index, item) in sequence.enumerated() { items.append(try json(from: item, path: "\(path)[\(index)]")) }
            return .array(items)
        case .alias:
            throw ManifestError("\(path): YAML aliases are not supported in manifests")
        }
    }

    /// A JSON value as a YAML node, quoting strings that would otherwise be read as another type.
    public static func node(from json: JSONNode) -> Node {
        switch json.kind {
        case .object:
            return .mapping(Node.Mapping(json.members.map { (Node(quotedIfNeeded: $0.key), node(from: $0.value)) }))
        case .array:
            return .sequence(Node.Sequence(json.elements.map { node(from: $0) }))
        case .string:
            return Node(quotedIfNeeded: json.string ?? "")
        case .integer:
            return Node(String(json.int ?? 0), Tag(.int))
        case .real:
            return Node(json.jsonText, Tag(.float))
        case .bool:
            return Node(json.bool == true ? "true" : "false", Tag(.bool))
        case .null:
            return Node("null", Tag(.null))
        }
    }

    /// Serializes documents as a `---`-separated YAML stream.
    public static func yaml(documents: [JSONNode]) throws -> String {
        try Yams.serialize(nodes: documents.map { node(from: $0) }, indent: 2, width: -1, allowUnicode: true, explicitStart: documents.count > 1)
    }
}

extension Node {
    /// Strings that a YAML 1.1 or 1.2 reader would take for a number, boolean or null
    /// (`"600"`, `"true"`, `"yes"`, `"~"`, `""`) are double-quoted; others keep the emitter's choice.
    init(quotedIfNeeded text: String) {
        let plainTag = Resolver.default.resolveTag(of: Node(text))
        let yaml11Words: Set<String> = ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"]
        let ambiguous = text.isEmpty || plainTag != .str || yaml11Words.contains(text.lowercased())
        // Multi-line text (e.g. last-applied-configuration) reads best as a literal block; the
        // emitter falls back to quoting when a block cannot hold it exactly.
        let style: Node.Scalar.Style = ambiguous ? .doubleQuoted : (text.contains("\n") ? .literal : .any)
        self = .scalar(Node.Scalar(text, Tag(.str), style))
    }
}

/// A manifest that cannot be read, with where and why.
public struct ManifestError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
