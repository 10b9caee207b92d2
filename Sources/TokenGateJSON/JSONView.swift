// SPDX-License-Identifier: Apache-2.0

/// A parsed JSON text, read in place: simdjson's tape plus the text itself, built in one pass.
///
/// This is the reader for request bodies on the hot path. Nothing is converted until asked for:
/// ``Value`` is a tape index, a lookup compares bytes, and ``Value/withSourceBytes(_:)`` hands out
/// a value's original text, so part of a request can be copied into a response verbatim.
///
/// A view owns its memory (the tape, the unescaped strings, a copy of the text) and never changes
/// after parsing, so it may be read from any thread; this is why the type is `@unchecked
/// Sendable`. Every ``Value`` holds its view, so none can dangle.
///
/// ```swift
/// let parser = JSONViewParser()                // one per event loop; reused for every body
/// let review = try parser.parse(body)          // throws JSONError, as JSONDocument.parse does
/// guard let request = review.root["request"], request.isObject else { ... }
/// let uid = request["uid"]?.string
/// let containers = request["object"]?["spec"]?["template"]?["spec"]?["containers"]
/// ```
public final class JSONView: @unchecked Sendable {
    let document: Simdjson.Document

    init(document: Simdjson.Document) {
        self.document = document
    }

    deinit {
        document.destroy()
    }

    /// The top-level value.
    public var root: Value { Value(view: self, node: document.root) }

    /// Parses with a parser made for this one text. Convenient for tools and tests; a server
    /// keeps a ``JSONViewParser`` instead, as making one allocates simdjson's buffers.
    public static func parse(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits = .default) throws(JSONError) -> JSONView {
        try JSONViewParser(limits: limits).parse(bytes)
    }

    public static func parse(_ bytes: [UInt8], limits: JSONLimits = .default) throws(JSONError) -> JSONView {
        try JSONViewParser(limits: limits).parse(bytes)
    }

    public static func parse(_ text: String, limits: JSONLimits = .default) throws(JSONError) -> JSONView {
        try JSONViewParser(limits: limits).parse(text)
    }

    /// Length of the parsed text in bytes.
    public var byteCount: Int { document.source.count }

    /// Calls `body` with the parsed text (the view's own copy, alive as long as the view).
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try withExtendedLifetime(self) { () throws(E) in try body(document.source) }
    }
}
