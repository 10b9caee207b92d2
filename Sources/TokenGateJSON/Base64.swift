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
    public static func decode(_ text: String) throws -> [UInt8] { try decode(text, url: false) }

    /// Decodes base64url with or without padding.
    public static func decodeURL(_ text: some StringProtocol) throws -> [UInt8] { try decode(String(text), url: true) }

    private static func decode(_ text: String, url: Bool) throws -> [UInt8] {
        var values: [UInt8] = []
        values.reserveCapacity(text.utf8.count)
        var padding = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "=") { padding += 1; continue }
            guard padding == 0, let value = sextet(byte, url: url) else {
                throw JSONError(.base64, "invalid base64\(url ? "url" : "") input")
            }
            values.append(value)
        }
        if !url && (values.count + padding) % 4 != 0 { throw JSONError(.base64, "base64 input is not padded to a multiple of 4") }
        if values.count % 4 == 1 || padding > 2 { throw JSONError(.base64, "truncated base64 input") }
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 3 / 4)
        var index = 0
        while index + 4 <= values.count {
            let n = UInt32(values[index]) << 18 | UInt32(values[index + 1]) << 12 | UInt32(values[index + 2]) << 6 | UInt32(values[index + 3])
            out += [UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
            index += 4
        }
        let rest = values.count - index
        if rest == 2 {
            let n = UInt32(values[index]) << 18 | UInt32(values[index + 1]) << 12
            out.append(UInt8(n >> 16 & 0xFF))
        } else if rest == 3 {
            let n = UInt32(values[index]) << 18 | UInt32(values[index + 1]) << 12 | UInt32(values[index + 2]) << 6
            out += [UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF)]
        }
        return out
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
