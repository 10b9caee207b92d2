// SPDX-License-Identifier: Apache-2.0
import CSimdjsonShims

/// The one door to the simdjson shim: thin Swift over its C functions, so ``JSONView`` and
/// ``JSONViewParser`` hold no C types. Nodes are tape indexes (`UInt32`, 0 means none).
enum Simdjson {
    /// Owns a `tg_sj_parser`: simdjson's stage buffers, reused by every parse.
    final class Parser {
        private let raw: OpaquePointer

        /// Nil only when memory for the parser's buffers cannot be had.
        init?(maxDepth: Int, maxBytes: Int) {
            guard let raw = tg_sj_parser_create(max(maxDepth, 1), max(maxBytes, 0)) else { return nil }
            self.raw = raw
        }

        deinit { tg_sj_parser_destroy(raw) }

        func parse(_ bytes: UnsafeRawBufferPointer) -> Result<Document, Failure> {
            var error = tg_sj_error()
            // simdjson needs a non-null pointer even for zero bytes.
            let document = withUnsafeBytes(of: 0) { zero in
                tg_sj_parse(raw, bytes.baseAddress ?? zero.baseAddress, bytes.count, &error)
            }
            if let document { return .success(Document(raw: document)) }
            let offset = error.offset == TG_SJ_NO_OFFSET ? nil : Int(error.offset)
            let message = error.message.map { String(cString: $0) }
            let reason: Failure.Reason = switch error.status {
            case TG_SJ_TOO_DEEP: .tooDeep
            case TG_SJ_TOO_LARGE: .tooLarge
            case TG_SJ_DUPLICATE_KEY: .duplicateKey
            case TG_SJ_NUL_IN_KEY: .nulInKey
            case TG_SJ_BIG_INTEGER: .bigInteger
            case TG_SJ_OUT_OF_MEMORY: .outOfMemory
            case TG_SJ_INTERNAL: .internalMismatch
            default: .invalid
            }
            return .failure(Failure(reason: reason, offset: offset, message: message))
        }
    }

    struct Failure: Error {
        enum Reason { case invalid, tooDeep, tooLarge, duplicateKey, nulInKey, bigInteger, outOfMemory, internalMismatch }
        let reason: Reason
        /// Byte offset of the key or number at fault, when the tape walk found it.
        let offset: Int?
        /// simdjson's own words, for `.invalid`.
        let message: String?
    }

    /// A parsed document. Does not own it: ``JSONView`` calls ``destroy()`` in its `deinit`.
    struct Document: @unchecked Sendable {
        let raw: OpaquePointer

        func destroy() { tg_sj_document_destroy(raw) }

        var root: UInt32 { tg_sj_root(raw) }
        /// simdjson's tape type byte: `{ [ " l d t f n`.
        func type(_ node: UInt32) -> UInt8 { UInt8(bitPattern: tg_sj_type(raw, node)) }
        func int64(_ node: UInt32) -> Int64 { tg_sj_int64(raw, node) }
        func double(_ node: UInt32) -> Double { tg_sj_double(raw, node) }

        /// The unescaped UTF-8 of a string node.
        func withString<R>(_ node: UInt32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            var length = 0
            let start = tg_sj_string(raw, node, &length)
            return try body(UnsafeRawBufferPointer(start: start, count: length))
        }

        func count(_ node: UInt32) -> Int { tg_sj_count(raw, node) }
        func first(_ container: UInt32) -> UInt32 { tg_sj_first(raw, container) }
        func next(_ node: UInt32) -> UInt32 { tg_sj_next(raw, node) }

        func member(_ object: UInt32, _ key: UnsafeRawBufferPointer) -> UInt32 {
            withUnsafeBytes(of: 0) { zero in tg_sj_object_get(raw, object, key.baseAddress ?? zero.baseAddress, key.count) }
        }

        func element(_ array: UInt32, _ index: Int) -> UInt32 { tg_sj_array_get(raw, array, index) }

        func sourceRange(_ node: UInt32) -> Range<Int> {
            var start = 0
            var end = 0
            tg_sj_source_range(raw, node, &start, &end)
            return start..<end
        }

        /// The document's own copy of the parsed text.
        var source: UnsafeRawBufferPointer {
            var length = 0
            let start = tg_sj_source(raw, &length)
            return UnsafeRawBufferPointer(start: start, count: length)
        }
    }
}
