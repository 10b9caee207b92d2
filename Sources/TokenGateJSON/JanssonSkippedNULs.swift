// SPDX-License-Identifier: Apache-2.0

/// The one place Jansson and the simdjson view read the same text differently, for the tests and
/// fuzz checks that hold the two readers to the same verdicts.
///
/// Jansson's lexer reads one byte past a number or a literal and puts it back; its look-ahead
/// buffer is NUL-terminated, so a NUL put back is taken for "buffer empty" and skipped: Jansson
/// reads `[1\0]` as `[1]`. RFC 8259 allows no NUL outside strings and the view refuses it.
package enum JanssonSkippedNULs {
    /// The text as Jansson reads it, or nil when it has no such NUL.
    package static func stripped<Bytes: RandomAccessCollection>(_ bytes: Bytes) -> [UInt8]? where Bytes.Element == UInt8 {
        var kept: [UInt8] = []
        var inString = false, escaped = false, skipped = false
        var previous: UInt8?
        for byte in bytes {
            defer { previous = byte }
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == 0, let previous, tokenEnd.contains(previous) {
                skipped = true  // only the one NUL right after the token: the next is read as a byte
                continue
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            }
            kept.append(byte)
        }
        return skipped ? kept : nil
    }

    private static let tokenEnd = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+-".utf8)
}
