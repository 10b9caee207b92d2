// SPDX-License-Identifier: Apache-2.0

/// Bounds applied to every parse. Kubernetes objects nest a few dozen levels at most; a body that
/// nests deeper is an attack or a bug, and is refused before Jansson builds anything.
public struct JSONLimits: Sendable {
    /// Maximum nesting of arrays and objects.
    public var maxDepth: Int
    public init(maxDepth: Int = 64) { self.maxDepth = maxDepth }
    public static let `default` = JSONLimits()
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
