// SPDX-License-Identifier: Apache-2.0

extension JSONView {
    /// One value inside a ``JSONView``: the view and a tape index, so copying one is cheap.
    ///
    /// Accessors mirror ``JSONNode``'s, so rules can move from one reader to the other: a wrong
    /// kind or a missing member reads as nil, never as a crash.
    public struct Value: Sendable {
        public typealias Kind = JSONNode.Kind

        public let view: JSONView
        let node: UInt32

        init(view: JSONView, node: UInt32) {
            self.view = view
            self.node = node
        }

        private var document: Simdjson.Document { view.document }

        public var kind: Kind {
            switch document.type(node) {
            case UInt8(ascii: "{"): .object
            case UInt8(ascii: "["): .array
            case UInt8(ascii: "\""): .string
            case UInt8(ascii: "l"): .integer
            case UInt8(ascii: "d"): .real
            case UInt8(ascii: "t"), UInt8(ascii: "f"): .bool
            default: .null
            }
        }

        public var isNull: Bool { kind == .null }
        public var isObject: Bool { kind == .object }
        public var isArray: Bool { kind == .array }

        /// The string value, or nil when this is not a string. A NUL inside is kept.
        public var string: String? {
            guard kind == .string else { return nil }
            return document.withString(node) { String(decoding: $0, as: UTF8.self) }
        }

        /// Calls `body` with the unescaped UTF-8 of a string, without making a `String`; nil when
        /// this is not a string. The bytes live as long as the view.
        public func withStringBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
            guard kind == .string else { return nil }
            return try withExtendedLifetime(view) { try document.withString(node, body) }
        }

        /// Whether this is the string `text`, compared byte by byte without allocating.
        public func isString(_ text: String) -> Bool {
            var text = text
            return text.withUTF8 { wanted in withStringBytes { $0.elementsEqual(wanted) } } ?? false
        }

        /// The integer value, or nil when this is not an integer (`1.0` and `1e2` are reals, as in
        /// Jansson; integers beyond Int64 never get this far, the parse refuses them).
        public var int: Int64? { kind == .integer ? document.int64(node) : nil }

        /// Integer or real as a Double.
        public var double: Double? {
            switch kind {
            case .integer, .real: document.double(node)
            default: nil
            }
        }

        public var bool: Bool? {
            switch document.type(node) {
            case UInt8(ascii: "t"): true
            case UInt8(ascii: "f"): false
            default: nil
            }
        }

        /// Number of members of an object or elements of an array; 0 otherwise.
        public var count: Int { document.count(node) }

        /// The member named `key` of an object (compared after unescaping, byte for byte); nil
        /// when absent or when this is not an object. Linear in the object's size, like Jansson's
        /// lookup in small objects; Kubernetes objects are small.
        public subscript(key: String) -> Value? {
            var key = key
            let found = key.withUTF8 { document.member(node, UnsafeRawBufferPointer($0)) }
            return found == 0 ? nil : Value(view: view, node: found)
        }

        /// The element at `index` of an array; nil when out of range or not an array.
        public subscript(index: Int) -> Value? {
            guard index >= 0 else { return nil }
            let found = document.element(node, index)
            return found == 0 ? nil : Value(view: view, node: found)
        }

        /// Follows an RFC 6901 pointer from this value.
        public func at(_ pointer: JSONPointer) -> Value? {
            var value = self
            for token in pointer.tokens {
                switch value.kind {
                case .object:
                    guard let next = value[token] else { return nil }
                    value = next
                case .array:
                    guard let index = JSONPointer.arrayIndex(token), let next = value[index] else { return nil }
                    value = next
                default:
                    return nil
                }
            }
            return value
        }
    }
}
