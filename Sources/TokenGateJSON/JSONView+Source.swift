// SPDX-License-Identifier: Apache-2.0

extension JSONView.Value {
    /// Where this value's text is in the parsed input, in bytes: from its first character to its
    /// last (quotes and brackets included, surrounding whitespace not).
    ///
    /// simdjson's DOM keeps no positions, so the parse records them: stage 1 lists the byte
    /// offset of every value and bracket, and the tape walk pairs them with tape entries.
    public var sourceRange: Range<Int> { view.document.sourceRange(node) }

    /// Calls `body` with this value's original text — valid JSON on its own, escapes and inner
    /// whitespace as the sender wrote them. Lets a response embed part of a request unchanged.
    public func withSourceBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let range = sourceRange
        return try view.withUnsafeBytes { (source) throws(E) in
            try body(UnsafeRawBufferPointer(rebasing: source[range]))
        }
    }

    /// This value's original text, copied.
    public var sourceBytes: [UInt8] { withSourceBytes { Array($0) } }

    /// This value's original text as a `String` (for messages: `kind is 3; expected "Pod"`).
    public var sourceText: String { withSourceBytes { String(decoding: $0, as: UTF8.self) } }
}
