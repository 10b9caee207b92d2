// SPDX-License-Identifier: Apache-2.0
import TokenGateCrypto

/// A SHA-256 digest held as four words: hashed and compared without a `String` or an array, so
/// a cache keyed by it holds no usable credential and costs one table lookup.
struct TokenDigest: Hashable, Sendable {
    let words: (UInt64, UInt64, UInt64, UInt64)

    /// The digest of `bytes`.
    init(of bytes: UnsafeRawBufferPointer) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { SHA256.hash(bytes, into: $0) }
        self.words = words
    }

    /// The digest of a token's UTF-8.
    init(token: String) {
        var token = token
        self = token.withUTF8 { TokenDigest(of: UnsafeRawBufferPointer($0)) }
    }

    static func == (a: TokenDigest, b: TokenDigest) -> Bool { a.words == b.words }

    func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
