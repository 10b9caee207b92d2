// SPDX-License-Identifier: Apache-2.0

/// Calls `body` with a non-null `char *` over `bytes` (Jansson rejects NULL even for length 0).
@inline(__always)
func withCChars<R>(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafePointer<CChar>, Int) -> R) -> R {
    if let base = bytes.baseAddress, bytes.count > 0 {
        return body(base.assumingMemoryBound(to: CChar.self), bytes.count)
    }
    var zero: CChar = 0
    return body(&zero, 0)
}

/// Calls `body` with the UTF-8 of `string` as `char *` and length (no NUL terminator needed).
@inline(__always)
func withCChars<R>(_ string: String, _ body: (UnsafePointer<CChar>, Int) -> R) -> R {
    var string = string
    return string.withUTF8 { withCChars(UnsafeRawBufferPointer($0), body) }
}
