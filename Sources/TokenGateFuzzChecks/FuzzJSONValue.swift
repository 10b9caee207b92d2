// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// A JSON value in a form every reader can be converted to, so two readers (or one reader before
/// and after a serialize/re-parse round trip) can be compared value by value.
///
/// Objects keep document order: both of TokenGate's readers preserve it, and a reader that
/// reorders members would change what `members`-walking code (the Workflow rules) sees.
public indirect enum FuzzJSONValue: Equatable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string([UInt8])
    case array([FuzzJSONValue])
    case object([Member])

    public struct Member: Equatable, Sendable {
        public var key: [UInt8]
        public var value: FuzzJSONValue
        public init(key: [UInt8], value: FuzzJSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// Converts a Jansson node (recursion is bounded by the parser's depth limit, 64).
    public init(_ node: JSONNode) {
        switch node.kind {
        case .null: self = .null
        case .bool: self = .bool(node.bool ?? false)
        case .integer: self = .int(node.int ?? 0)
        case .real: self = .double(node.double ?? 0)
        case .string: self = .string(Array((node.string ?? "").utf8))
        case .array: self = .array(node.elements.map(FuzzJSONValue.init))
        case .object: self = .object(node.members.map { Member(key: Array($0.key.utf8), value: FuzzJSONValue($0.value)) })
        }
    }

    /// Nesting depth (a scalar is 0, `[]` is 1).
    public var depth: Int {
        switch self {
        case .array(let items): 1 + (items.map(\.depth).max() ?? 0)
        case .object(let members): 1 + (members.map(\.value.depth).max() ?? 0)
        default: 0
        }
    }

    /// The first place where `self` and `other` differ, as a JSON pointer, or nil when equal.
    public func firstDifference(from other: FuzzJSONValue, at path: String = "") -> String? {
        switch (self, other) {
        case (.array(let left), .array(let right)):
            guard left.count == right.count else { return "\(path) (array of \(left.count) vs \(right.count))" }
            for (index, pair) in zip(left, right).enumerated() {
                if let found = pair.0.firstDifference(from: pair.1, at: "\(path)/\(index)") { return found }
            }
            return nil
        case (.object(let left), .object(let right)):
            guard left.map(\.key) == right.map(\.key) else { return "\(path) (member names or order differ)" }
            for (pair) in zip(left, right) {
                let key = String(decoding: pair.0.key, as: UTF8.self)
                if let found = pair.0.value.firstDifference(from: pair.1.value, at: "\(path)/\(JSONPointer.escape(key))") {
                    return found
                }
            }
            return nil
        default:
            return self == other ? nil : "\(path) (\(self) vs \(other))"
        }
    }

    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .int(let value): "int \(value)"
        case .double(let value): "real \(value)"
        case .string(let bytes): "string \"\(shown(bytes, limit: 40))\""
        case .array(let items): "array(\(items.count))"
        case .object(let members): "object(\(members.count))"
        }
    }
}
