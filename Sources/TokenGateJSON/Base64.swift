// SPDX-License-Identifier: Apache-2.0

/// Standard base64 (RFC 4648 §4, `+/` alphabet, `=` padding): the encoding Go's `[]byte` JSON
/// fields use, so it is what the API server expects in `AdmissionResponse.patch` and `caBundle`.
public enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        encode(bytes, alphabet: alphabet, pad: true)
    }

    /// base64url without padding (RFC 7515 §2), for JWS and JWK.
    public static func encodeURL(_ bytes: some Collection<UInt8>) -> String {
        encode(bytes, alphabet: urlAlphabet, pad: false)
    }

    /// Writes straight into the result string's storage: one allocation, no per-group arrays
    /// (this runs on every patched admission response).
    private static func encode(_ bytes: some Collection<UInt8>, alphabet: [UInt8], pad: Bool) -> String {
        let input = Array(bytes)
        let full = input.count / 3
        let rest = input.count - full * 3
        let length = full * 4 + (rest == 0 ? 0 : (pad ? 4 : rest + 1))
        guard length > 0 else { return "" }
        return input.withUnsafeBufferPointer { source in
            alphabet.withUnsafeBufferPointer { table in
                String(unsafeUninitializedCapacity: length) { out in
                    var o = 0
                    var i = 0
                    for _ in 0..<full {
                        let n = UInt32(source[i]) << 16 | UInt32(source[i + 1]) << 8 | UInt32(source[i + 2])
                        out[o] = table[Int(n >> 18 & 63)]
                        out[o + 1] = table[Int(n >> 12 & 63)]
                        out[o + 2] = table[Int(n >> 6 & 63)]
                        out[o + 3] = table[Int(n & 63)]
                        i += 3
                        o += 4
                    }
                    if rest > 0 {
                        let n = UInt32(source[i]) << 16 | (rest == 2 ? UInt32(source[i + 1]) << 8 : 0)
                        out[o] = table[Int(n >> 18 & 63)]
                        out[o + 1] = table[Int(n >> 12 & 63)]
                        o += 2
                        if rest == 2 { out[o] = table[Int(n >> 6 & 63)]; o += 1 }
                        if pad { while o < length { out[o] = UInt8(ascii: "="); o += 1 } }
                    }
                    return o
                }
            }
        }
    }

    /// Decodes standard base64 with padding; whitespace is not allowed.
    public static func decode(_ text: String) throws -> [UInt8] {
        var text = text
        return try text.withUTF8 { try decode(UnsafeRawBufferPointer($0), url: false) }
    }

    /// Decodes base64url with or without padding.
    public static func decodeURL(_ text: some StringProtocol) throws -> [UInt8] {
        var text = String(text)
        return try text.withUTF8 { try decode(UnsafeRawBufferPointer($0), url: true) }
    }

    /// Decodes base64url (with or without padding) straight from bytes: a JWS segment is decoded
    /// from the token's own UTF-8, without a `String` or an array of sextets in between.
    /// - Throws: ``JSONError`` (`.base64`), as ``decodeURL(_:)`` does.
    public static func decodeURL(bytes: UnsafeRawBufferPointer) throws(JSONError) -> [UInt8] {
        try decode(bytes, url: true)
    }

    /// Why ``decodeUnpaddedURL(_:)`` refused its input.
    public enum UnpaddedFailure: Error, Sendable, Equatable {
        /// A byte outside the base64url alphabet; `=` is one, since padding is not allowed.
        case notInAlphabet
        /// A length no encoding has (one character past a whole group).
        case truncated
        /// The last character sets bits the encoding leaves unused (RFC 4648 §3.5): the text
        /// decodes to the same bytes as the canonical one, but is not what any encoder writes.
        case nonCanonical
    }

    /// Decodes base64url without padding (a JWS segment, RFC 7515 §2) in one pass: alphabet
    /// check and decoding together. Only the canonical spelling is accepted: a last character
    /// with unused bits set would let one encoded value be written up to 16 ways (for a JWS, one
    /// signature would stand for that many token strings).
    public static func decodeUnpaddedURL(_ text: UnsafeRawBufferPointer) -> Result<[UInt8], UnpaddedFailure> {
        urlSextets.withUnsafeBufferPointer { table in
            let count = text.count
            guard count % 4 != 1 else {
                return .failure(allInAlphabet(text, table: table) ? .truncated : .notInAlphabet)
            }
            var valid = true
            let decoded = [UInt8](unsafeUninitializedCapacity: decodedLength(count)) { out, initialized in
                valid = decodeSextets(text, table: table, into: out)
                initialized = valid ? out.count : 0
            }
            guard valid else { return .failure(.notInAlphabet) }
            // Two characters past a group carry one byte (4 bits unused), three carry two (2 unused).
            let unusedBits: UInt8 = count % 4 == 2 ? 0x0F : count % 4 == 3 ? 0x03 : 0
            guard unusedBits == 0 || table[Int(text[count - 1])] & unusedBits == 0 else { return .failure(.nonCanonical) }
            return .success(decoded)
        }
    }

    /// The checks and their order are those of the two-pass decoder this replaced (the messages
    /// are part of the behaviour); the decoding is one table-driven pass.
    private static func decode(_ text: UnsafeRawBufferPointer, url: Bool) throws(JSONError) -> [UInt8] {
        // `=` may only trail; anything after the first `=` that is not `=` is invalid input.
        var count = text.count
        while count > 0, text[count - 1] == UInt8(ascii: "=") { count -= 1 }
        let padding = text.count - count
        let body = UnsafeRawBufferPointer(rebasing: text[..<count])
        // nil: a length no encoding has, reported after the alphabet and padding checks.
        let (valid, decoded) = (url ? urlSextets : standardSextets).withUnsafeBufferPointer { table -> (Bool, [UInt8]?) in
            guard count % 4 != 1 else { return (allInAlphabet(body, table: table), nil) }
            var valid = true
            let decoded = [UInt8](unsafeUninitializedCapacity: decodedLength(count)) { out, initialized in
                valid = decodeSextets(body, table: table, into: out)
                initialized = valid ? out.count : 0
            }
            return (valid, decoded)
        }
        guard valid else { throw JSONError(.base64, "invalid base64\(url ? "url" : "") input") }
        if !url && text.count % 4 != 0 { throw JSONError(.base64, "base64 input is not padded to a multiple of 4") }
        guard let decoded, padding <= 2 else { throw JSONError(.base64, "truncated base64 input") }
        return decoded
    }

    /// Bytes that `count` sextet characters (not 1 past a whole group) decode to.
    private static func decodedLength(_ count: Int) -> Int {
        count / 4 * 3 + (count % 4 == 0 ? 0 : count % 4 - 1)
    }

    private static func allInAlphabet(_ text: UnsafeRawBufferPointer, table: UnsafeBufferPointer<UInt8>) -> Bool {
        var seen: UInt8 = 0
        for byte in text { seen |= table[Int(byte)] }
        return seen & 0x80 == 0
    }

    /// Decodes characters into `out` (sized by ``decodedLength(_:)``); false when one is outside
    /// the table's alphabet, whose entries are 0xFF (checked once, at the end, from an OR of all).
    private static func decodeSextets(_ text: UnsafeRawBufferPointer, table: UnsafeBufferPointer<UInt8>,
                                      into out: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        let full = text.count / 4, rest = text.count % 4
        var seen: UInt8 = 0
        var i = 0, o = 0
        for _ in 0..<full {
            let a = table[Int(text[i])], b = table[Int(text[i + 1])], c = table[Int(text[i + 2])], d = table[Int(text[i + 3])]
            seen |= a | b | c | d
            let n = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
            out[o] = UInt8(truncatingIfNeeded: n >> 16)
            out[o + 1] = UInt8(truncatingIfNeeded: n >> 8)
            out[o + 2] = UInt8(truncatingIfNeeded: n)
            i += 4
            o += 3
        }
        if rest >= 2 {
            let a = table[Int(text[i])], b = table[Int(text[i + 1])], c = rest == 3 ? table[Int(text[i + 2])] : 0
            seen |= a | b | c
            let n = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6
            out[o] = UInt8(truncatingIfNeeded: n >> 16)
            if rest == 3 { out[o + 1] = UInt8(truncatingIfNeeded: n >> 8) }
        }
        return seen & 0x80 == 0
    }

    /// Appends base64url without padding of `bytes` to `sink` (a JWS being assembled), with no
    /// intermediate `String`.
    public static func encodeURL(_ bytes: UnsafeRawBufferPointer, into sink: inout some JSONByteSink) {
        let full = bytes.count / 3, rest = bytes.count - full * 3
        let length = full * 4 + (rest == 0 ? 0 : rest + 1)
        guard length > 0 else { return }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: min(length, 1024)) { out in
            urlAlphabet.withUnsafeBufferPointer { table in
                var i = 0, o = 0
                func flush() {
                    sink.writeBytes(UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: out[0..<o])))
                    o = 0
                }
                for _ in 0..<full {
                    if o + 4 > out.count { flush() }
                    let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                    out[o] = table[Int(n >> 18 & 63)]
                    out[o + 1] = table[Int(n >> 12 & 63)]
                    out[o + 2] = table[Int(n >> 6 & 63)]
                    out[o + 3] = table[Int(n & 63)]
                    i += 3
                    o += 4
                }
                if rest > 0 {
                    if o + 3 > out.count { flush() }
                    let n = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
                    out[o] = table[Int(n >> 18 & 63)]
                    out[o + 1] = table[Int(n >> 12 & 63)]
                    o += 2
                    if rest == 2 { out[o] = table[Int(n >> 6 & 63)]; o += 1 }
                }
                flush()
            }
        }
    }

    private static let invalid: UInt8 = 0xFF
    private static let standardSextets = sextetTable(url: false)
    private static let urlSextets = sextetTable(url: true)

    private static func sextetTable(url: Bool) -> [UInt8] {
        (0...255).map { sextet(UInt8($0), url: url) ?? invalid }
    }

    private static func sextet(_ byte: UInt8, url: Bool) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - 65
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - 97 + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - 48 + 52
        case UInt8(ascii: "+") where !url: 62
        case UInt8(ascii: "/") where !url: 63
        case UInt8(ascii: "-") where url: 62
        case UInt8(ascii: "_") where url: 63
        default: nil
        }
    }
}
