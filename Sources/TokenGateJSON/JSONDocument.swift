// SPDX-License-Identifier: Apache-2.0
import CJansson

/// One parsed JSON text. Owns the Jansson tree; every ``JSONNode`` read from it keeps it alive.
///
/// The tree is never mutated after parsing, so a document may be read from any thread; this is
/// why the type is `@unchecked Sendable`. Parsing rejects duplicate object keys (Kubernetes'
/// strict decoding does too, and two readers disagreeing on which duplicate wins is a classic
/// admission bypass) and nesting deeper than ``JSONLimits/maxDepth``.
public final class JSONDocument: @unchecked Sendable {
    let root: UnsafeMutablePointer<json_t>

    init(adopting root: UnsafeMutablePointer<json_t>) {
        self.root = root
    }

    deinit {
        json_decref(root)
    }

    /// The top-level value.
    public var rootNode: JSONNode { JSONNode(owner: self, raw: root) }

    /// Parses UTF-8 JSON bytes.
    /// - Throws: ``JSONError`` with the line and column of a syntax error, `duplicateKey`, `tooDeep` or `tooLarge`.
    public static func parse(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits = .default) throws -> JSONDocument {
        if bytes.count > limits.maxBytes { throw limits.tooLarge(bytes.count) }
        if JSONDepthScanner.exceeds(bytes, limit: limits.maxDepth) {
            throw JSONError(.tooDeep, "JSON nests deeper than \(limits.maxDepth) levels")
        }
        var error = json_error_t()
        // JSON_ALLOW_NUL: Go's encoder emits "\u0000" inside strings and the API server accepts it;
        // refusing such a body would block a valid object. Keys with NUL are still refused by Jansson.
        let flags = Int(JSON_REJECT_DUPLICATES) | Int(JSON_DECODE_ANY) | Int(JSON_ALLOW_NUL)
        guard let root = withCChars(bytes, { json_loadb($0, $1, flags, &error) }) else {
            let text = withUnsafeBytes(of: &error.text) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            let code: JSONError.Code = text.hasPrefix("duplicate object key") ? .duplicateKey : .syntax
            if bytes.isEmpty {
                throw JSONError(.syntax, "empty body: expected a JSON document")
            }
            throw JSONError(code, "invalid JSON at line \(error.line), column \(error.column): \(text)")
        }
        return JSONDocument(adopting: root)
    }

    public static func parse(_ bytes: [UInt8], limits: JSONLimits = .default) throws -> JSONDocument {
        try bytes.withUnsafeBytes { try parse($0, limits: limits) }
    }

    public static func parse(_ text: String, limits: JSONLimits = .default) throws -> JSONDocument {
        var text = text
        return try text.withUTF8 { try parse(UnsafeRawBufferPointer($0), limits: limits) }
    }

    /// Builds a document holding a deep copy of `value`, for callers that must mutate (patch application).
    static func copying(_ node: JSONNode) -> JSONDocument? {
        guard let copy = json_deep_copy(node.raw) else { return nil }
        return JSONDocument(adopting: copy)
    }
}
