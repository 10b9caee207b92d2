// SPDX-License-Identifier: Apache-2.0
import CJansson

/// A JSON value built in Swift: patch values, responses, TokenGate's own small documents.
///
/// Objects keep their member order. `.node` embeds a value from a parsed document without copying
/// it (Jansson shares it by reference count), so a patch can reuse part of the request as is.
public indirect enum JSON: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])
    case node(JSONNode)

    public static func int(_ value: Int) -> JSON { .int(Int64(value)) }

    /// Compact UTF-8 serialization.
    public func serialized() -> [UInt8] {
        let value = makeJansson()
        defer { json_decref(value) }
        return JSONSerializer.dump(value)
    }

    /// Indented serialization for people.
    public func prettySerialized() -> [UInt8] {
        let value = makeJansson()
        defer { json_decref(value) }
        return JSONSerializer.dumpPretty(value)
    }

    public var jsonText: String { String(decoding: serialized(), as: UTF8.self) }

    /// A parsed document holding this value (for tests and for reading back what was built).
    public func document() -> JSONDocument { JSONDocument(adopting: makeJansson()) }

    /// A new Jansson value with one reference owned by the caller.
    func makeJansson() -> UnsafeMutablePointer<json_t> {
        switch self {
        case .null: return json_null()
        case .bool(let value): return value ? json_true() : json_false()
        case .int(let value): return json_integer(json_int_t(value))
        case .double(let value): return json_real(value.isFinite ? value : 0)
        case .string(let value):
            // Swift strings are valid Unicode, so Jansson's UTF-8 check cannot fail; a NUL inside is kept.
            return withCChars(value) { json_stringn_nocheck($0, $1) }
        case .array(let items):
            let array = json_array()!
            for item in items { json_array_append_new(array, item.makeJansson()) }
            return array
        case .object(let members):
            let object = json_object()!
            for (key, item) in members {
                _ = withCChars(key) { json_object_setn_new_nocheck(object, $0, $1, item.makeJansson()) }
            }
            return object
        case .node(let node):
            return json_incref(node.raw)
        }
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(Int64(value)) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) { self = .object(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension JSON {
    /// Structural equality by serialization through Jansson.
    public func isEqual(to node: JSONNode) -> Bool {
        let value = makeJansson()
        defer { json_decref(value) }
        return json_equal(value, node.raw) != 0
    }
}
