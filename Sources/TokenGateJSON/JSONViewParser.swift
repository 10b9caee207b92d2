// SPDX-License-Identifier: Apache-2.0

/// Parses JSON into ``JSONView``s, reusing simdjson's buffers from one parse to the next.
///
/// Creating a parser allocates those buffers (64 KiB of input capacity to start, growing to the
/// largest body seen, bounded by ``JSONLimits/maxBytes``), so the fast path keeps one parser per
/// thread — in the server, one per event loop — and never shares it: the type is deliberately not
/// `Sendable`. The views it returns own their memory and are `Sendable`; a later parse does not
/// touch them.
///
/// A view accepts exactly what ``JSONDocument`` accepts (the differential test holds the two to
/// that): no duplicate keys, no NUL in keys, integers within Int64, reals within Double, valid
/// UTF-8 with no lone surrogate escapes, one value with nothing after it, nesting and size within
/// ``limits``.
public final class JSONViewParser {
    public let limits: JSONLimits
    private let parser: Simdjson.Parser

    /// - Precondition: `limits.maxDepth` is at least 1 (simdjson cannot refuse every container).
    public init(limits: JSONLimits = .default) {
        precondition(limits.maxDepth >= 1, "JSONViewParser needs a maxDepth of at least 1")
        guard let parser = Simdjson.Parser(maxDepth: limits.maxDepth, maxBytes: limits.maxBytes) else {
            fatalError("out of memory creating a JSON parser for depth \(limits.maxDepth)")
        }
        self.limits = limits
        self.parser = parser
    }

    /// Parses UTF-8 JSON text. The bytes are copied; the caller may reuse them at once.
    /// - Throws: ``JSONError``: `syntax` (with line and column), `duplicateKey`, `tooDeep`, `tooLarge`.
    public func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> JSONView {
        if bytes.count > limits.maxBytes { throw limits.tooLarge(bytes.count) }
        switch parser.parse(bytes) {
        case .success(let document):
            return JSONView(document: document)
        case .failure(let failure):
            throw describe(failure, in: bytes)
        }
    }

    public func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONView {
        // withUnsafeBytes rethrows untyped; carry the typed error out in a Result.
        try bytes.withUnsafeBytes { raw in Result { () throws(JSONError) in try parse(raw) } }.get()
    }

    public func parse(_ text: String) throws(JSONError) -> JSONView {
        var text = text
        return try text.withUTF8 { utf8 in Result { () throws(JSONError) in try parse(UnsafeRawBufferPointer(utf8)) } }.get()
    }

    /// Parses borrowed bytes, e.g. a request body still in the server's buffer (SwiftNIO's
    /// `ByteBuffer.readableBytesSpan`): the safe entry point for callers that never hold pointers.
    public func parse(_ bytes: RawSpan) throws(JSONError) -> JSONView {
        try bytes.withUnsafeBytes { (raw) throws(JSONError) in try parse(raw) }
    }

    /// Turns the shim's finding into the error ``JSONDocument`` would give.
    ///
    /// simdjson says what is wrong but not where, so for every finding about the text the text is
    /// read again, by Jansson, and its error is the answer: the same words, line and column
    /// (Jansson's column is that of the token's last character, and it quotes the token only up
    /// to 20 bytes), so a webhook's 400 message does not depend on which reader ran. A rejected
    /// body is rare and bounded by ``JSONLimits/maxBytes``, so the second read costs nothing on the
    /// hot path. Only if Jansson accepted the text (the differential test says it does not) would
    /// the message be built here, from the offset the tape walk found.
    private func describe(_ failure: Simdjson.Failure, in bytes: UnsafeRawBufferPointer) -> JSONError {
        switch failure.reason {
        case .tooDeep:
            return JSONError(.tooDeep, "JSON nests deeper than \(limits.maxDepth) levels")
        case .tooLarge:
            return limits.tooLarge(bytes.count)
        case .outOfMemory:
            return JSONError(.tooLarge, "not enough memory to parse \(bytes.count) bytes of JSON")
        case .duplicateKey:
            return janssonError(bytes) ?? JSONError(.duplicateKey, Self.located(failure.offset, in: bytes, "duplicate object key"))
        case .nulInKey:
            return janssonError(bytes) ?? JSONError(.syntax, Self.located(failure.offset, in: bytes, "NUL byte in object key not supported"))
        case .bigInteger:
            return janssonError(bytes) ?? JSONError(.syntax, Self.located(failure.offset, in: bytes, "too big integer"))
        case .invalid, .internalMismatch:
            if bytes.isEmpty { return JSONError(.syntax, "empty body: expected a JSON document") }
            if let error = janssonError(bytes) { return error }
            let detail = failure.reason == .internalMismatch
                ? "simdjson's tape does not match its structural index (an unsupported simdjson version?)"
                : failure.message ?? "rejected by simdjson"
            return JSONError(.syntax, "invalid JSON: \(detail)")
        }
    }

    /// What Jansson says about `bytes`, or nil when it accepts them.
    private func janssonError(_ bytes: UnsafeRawBufferPointer) -> JSONError? {
        do {
            _ = try JSONDocument.parse(bytes, limits: limits)
        } catch let error as JSONError {
            return error
        } catch {}
        return nil
    }

    /// "invalid JSON at line L, column C: what", with the token at `offset` quoted (up to 40
    /// bytes). Columns count characters, as an editor does.
    static func located(_ offset: Int?, in bytes: UnsafeRawBufferPointer, _ what: String) -> String {
        guard let offset, offset < bytes.count else { return "invalid JSON: \(what)" }
        var line = 1
        var column = 1
        for byte in bytes[..<offset] {
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 }
            else if byte & 0xC0 != 0x80 { column += 1 }
        }
        let end = tokenEnd(from: offset, in: bytes)
        let token = String(decoding: bytes[offset..<end], as: UTF8.self)
        return "invalid JSON at line \(line), column \(column): \(what) near '\(token)'"
    }

    /// The end of the string or number starting at `start`, at most 40 bytes on.
    private static func tokenEnd(from start: Int, in bytes: UnsafeRawBufferPointer) -> Int {
        let limit = min(bytes.count, start + 40)
        var index = start + 1
        if bytes[start] == UInt8(ascii: "\"") {
            while index < limit {
                if bytes[index] == UInt8(ascii: "\\") { index += 2; continue }
                if bytes[index] == UInt8(ascii: "\"") { return index + 1 }
                index += 1
            }
            return min(index, limit)
        }
        while index < limit, !",]} \n\r\t".utf8.contains(bytes[index]) { index += 1 }
        return index
    }
}

@available(*, unavailable, message: "keep one JSONViewParser per thread or event loop")
extension JSONViewParser: Sendable {}
