// SPDX-License-Identifier: Apache-2.0
import CJansson

/// A read-only view of one value inside a ``JSONDocument``.
///
/// A node borrows its Jansson value from the document and holds the document, so it can never
/// dangle. Reading copies nothing until a Swift `String` is asked for.
public struct JSONNode: @unchecked Sendable {
    public enum Kind: Sendable, Equatable {
        case object, array, string, integer, real, bool, null
    }

    let owner: JSONDocument
    let raw: UnsafeMutablePointer<json_t>

    init(owner: JSONDocument, raw: UnsafeMutablePointer<json_t>) {
        self.owner = owner
        self.raw = raw
    }

    public var kind: Kind {
        switch raw.pointee.type {
        case JSON_OBJECT: .object
        case JSON_ARRAY: .array
        case JSON_STRING: .string
        case JSON_INTEGER: .integer
        case JSON_REAL: .real
        case JSON_TRUE, JSON_FALSE: .bool
        default: .null
        }
    }

    public var isNull: Bool { kind == .null }
    public var isObject: Bool { kind == .object }
    public var isArray: Bool { kind == .array }

    /// The string value, or nil when this is not a string.
    public var string: String? {
        guard kind == .string, let chars = json_string_value(raw) else { return nil }
        let length = json_string_length(raw)
        return chars.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// The integer value, or nil when this is not an integer.
    public var int: Int64? { kind == .integer ? Int64(json_integer_value(raw)) : nil }

    /// Integer or real as a Double.
    public var double: Double? {
        switch kind {
        case .integer: Double(json_integer_value(raw))
        case .real: json_real_value(raw)
        default: nil
        }
    }

    public var bool: Bool? {
        switch raw.pointee.type {
        case JSON_TRUE: true
        case JSON_FALSE: false
        default: nil
        }
    }

    /// Number of members of an object or elements of an array; 0 otherwise.
    public var count: Int {
        switch kind {
        case .object: json_object_size(raw)
        case .array: json_array_size(raw)
        default: 0
        }
    }

    /// The member named `key` of an object; nil when absent or when this is not an object.
    public subscript(key: String) -> JSONNode? {
        guard kind == .object else { return nil }
        let found = withCChars(key) { json_object_getn(raw, $0, $1) }
        return found.map { JSONNode(owner: owner, raw: $0) }
    }

    /// The element at `index` of an array; nil when out of range or not an array.
    public subscript(index: Int) -> JSONNode? {
        guard kind == .array, index >= 0, index < json_array_size(raw), let item = json_array_get(raw, index) else {
            return nil
        }
        return JSONNode(owner: owner, raw: item)
    }

    /// Array elements in order (empty for non-arrays).
    public var elements: [JSONNode] {
        guard kind == .array else { return [] }
        return (0..<json_array_size(raw)).compactMap { json_array_get(raw, $0).map { JSONNode(owner: owner, raw: $0) } }
    }

    /// Object members in document order (empty for non-objects).
    public var members: [(key: String, value: JSONNode)] {
        guard kind == .object else { return [] }
        var result: [(key: String, value: JSONNode)] = []
        result.reserveCapacity(json_object_size(raw))
        var iter = json_object_iter(raw)
        while let current = iter {
            if let keyPtr = json_object_iter_key(current), let value = json_object_iter_value(current) {
                let length = json_object_iter_key_len(current)
                let key = keyPtr.withMemoryRebound(to: UInt8.self, capacity: length) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                }
                result.append((key, JSONNode(owner: owner, raw: value)))
            }
            iter = json_object_iter_next(raw, current)
        }
        return result
    }

    /// Object keys in document order.
    public var keys: [String] { members.map(\.key) }

    /// Follows an RFC 6901 pointer from this node.
    public func at(_ pointer: JSONPointer) -> JSONNode? {
        var node = self
        for token in pointer.tokens {
            switch node.kind {
            case .object:
                guard let next = node[token] else { return nil }
                node = next
            case .array:
                guard let index = JSONPointer.arrayIndex(token), let next = node[index] else { return nil }
                node = next
            default:
                return nil
            }
        }
        return node
    }

    /// Structural equality (object member order ignored, integer 1 ≠ real 1.0 as in Jansson).
    public func isEqual(to other: JSONNode) -> Bool { json_equal(raw, other.raw) != 0 }

    /// Compact serialization of this value.
    public func serialized() -> [UInt8] { JSONSerializer.dump(raw) }

    /// Compact serialization as a String.
    public var jsonText: String { String(decoding: serialized(), as: UTF8.self) }
}
