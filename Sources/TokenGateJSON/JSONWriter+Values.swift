// SPDX-License-Identifier: Apache-2.0

extension JSONWriter {
    /// A value built in Swift, written member by member in its order. A ``JSON/node(_:)`` is
    /// serialized by Jansson and copied in.
    @inlinable public mutating func json(_ value: JSON) {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .int(let number): int(number)
        case .double(let number): double(number)
        case .string(let text): string(text)
        case .array(let items):
            beginArray()
            for item in items { json(item) }
            endArray()
        case .object(let members):
            beginObject()
            for (name, item) in members {
                key(name)
                json(item)
            }
            endObject()
        case .node(let node):
            node.serialized().withUnsafeBytes { verbatim($0) }
        }
    }

    /// A value from a parsed request, copied as the sender wrote it (its source text): no tree is
    /// walked and nothing re-escaped. The text was validated by the parse, so it is valid JSON.
    @inlinable public mutating func value(_ value: JSONView.Value) {
        value.withSourceBytes { verbatim($0) }
    }
}
