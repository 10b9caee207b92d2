// SPDX-License-Identifier: Apache-2.0

extension JSONView.Value {
    /// Array elements in order, read lazily from the tape (empty for non-arrays).
    public var elements: Elements { Elements(value: self) }

    /// Object members in document order, read lazily (empty for non-objects).
    public var members: Members { Members(value: self) }

    /// Object keys in document order.
    public var keys: [String] { members.map(\.key) }

    public struct Elements: Sequence, Sendable {
        public typealias Element = JSONView.Value
        let value: JSONView.Value

        public func makeIterator() -> Iterator {
            Iterator(view: value.view, upcoming: value.isArray ? value.view.document.first(value.node) : 0)
        }

        public struct Iterator: IteratorProtocol, Sendable {
            let view: JSONView
            var upcoming: UInt32

            public mutating func next() -> JSONView.Value? {
                guard upcoming != 0 else { return nil }
                defer { upcoming = view.document.next(upcoming) }
                return JSONView.Value(view: view, node: upcoming)
            }
        }
    }

    public struct Members: Sequence, Sendable {
        public typealias Element = (key: String, value: JSONView.Value)
        let value: JSONView.Value

        public func makeIterator() -> Iterator {
            Iterator(view: value.view, nextKey: value.isObject ? value.view.document.first(value.node) : 0)
        }

        /// Yields each key, unescaped, with its value.
        public struct Iterator: IteratorProtocol, Sendable {
            let view: JSONView
            var nextKey: UInt32

            public mutating func next() -> (key: String, value: JSONView.Value)? {
                guard nextKey != 0 else { return nil }
                let key = JSONView.Value(view: view, node: nextKey)
                let value = JSONView.Value(view: view, node: view.document.next(nextKey))
                nextKey = view.document.next(value.node)
                return (key.string ?? "", value)
            }
        }
    }
}
