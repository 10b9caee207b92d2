// SPDX-License-Identifier: Apache-2.0

/// Bounds applied to every parse, by ``JSONDocument`` and ``JSONView`` alike. Kubernetes objects
/// nest a few dozen levels at most; a body that nests deeper is an attack or a bug, and is
/// refused before anything is built.
public struct JSONLimits: Sendable {
    /// Maximum nesting of arrays and objects (at least 1 for ``JSONViewParser``).
    public var maxDepth: Int
    /// Longest accepted text, in bytes. A parse holds several times this in memory (simdjson's tape
    /// is 8 bytes per input byte), so the bound is what keeps one body from taking the heap. The
    /// default sits above the HTTP layer's 7 MiB body limit, which is the one clients meet.
    public var maxBytes: Int
    public init(maxDepth: Int = 64, maxBytes: Int = 16 * 1024 * 1024) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
    }
    public static let `default` = JSONLimits()

    /// The error for a text longer than ``maxBytes``.
    func tooLarge(_ count: Int) -> JSONError {
        JSONError(.tooLarge, "JSON text of \(count) bytes is larger than the limit of \(maxBytes) bytes")
    }
}

enum JSONDepthScanner {
    /// Returns the deepest nesting of `[`/`{` outside strings, stopping early once `limit` is passed.
    /// One pass over the bytes, no allocation.
    static func exceeds(_ bytes: UnsafeRawBufferPointer, limit: Int) -> Bool {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false }
                else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit { return true }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return false
    }
}
