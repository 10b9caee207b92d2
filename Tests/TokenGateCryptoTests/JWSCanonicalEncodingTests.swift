// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateJSON
import TokenGateCrypto

/// A token is accepted only in its one canonical base64url spelling. Found by the `jws` fuzz
/// target's invariant "a verified signature is the canonical encoding of its segment": setting the
/// unused low bits of the signature's last character gave a different token string that verified
/// (input kept under Tests/Fuzz/Crashes/jws).
@Suite("JWS segments must be canonical base64url")
struct JWSCanonicalEncodingTests {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    /// `token` with the lowest bit of the last character's value flipped (an unused bit for a
    /// 64- or 256-byte signature, whose last character carries 2 or 4 unused bits).
    static func flippingLastBit(_ token: String) -> String {
        let last = token.last!
        let index = alphabet.firstIndex(of: last)!
        return String(token.dropLast()) + String(alphabet[index ^ 1])
    }

    @Test("a signature with unused bits set is refused, for ES256 and RS256", arguments: [
        PrivateKey.Generation.ecP256, .rsa(bits: 2048),
    ])
    func unusedBitsInSignature(kind: PrivateKey.Generation) throws {
        let signer = try JWSSigner(key: PrivateKey.generate(kind))
        let token = try signer.sign(payload: ["sub": "x"], type: nil)
        try JWSCompact(parsing: token).verify(with: signer.key.publicKey(), allowed: [.es256, .rs256])
        let variant = Self.flippingLastBit(token)
        #expect(variant != token)
        #expect(try Base64.decodeURL(variant.split(separator: ".")[2]) == Base64.decodeURL(token.split(separator: ".")[2]))
        #expect { try JWSCompact(parsing: variant) } throws: { ($0 as? JWSError)?.code == .malformed }
    }

    @Test("a header with unused bits set is refused")
    func unusedBitsInHeader() throws {
        // {"alg":"ES256"} is 15 bytes: 20 characters, no unused bits; {"alg":"RS256"} + space is 16: 22, 4 unused.
        let header = Base64.encodeURL(Array(#"{"alg":"RS256"} "#.utf8))
        let variant = Self.flippingLastBit(header)
        #expect(try Base64.decodeURL(variant) == Base64.decodeURL(header))
        let token = variant + "." + Base64.encodeURL(Array(#"{"sub":"x"}"#.utf8)) + "." + Base64.encodeURL([1, 2, 3])
        #expect { try JWSCompact(parsing: token) } throws: { ($0 as? JWSError)?.code == .malformed }
        let canonical = header + "." + Base64.encodeURL(Array(#"{"sub":"x"}"#.utf8)) + "." + Base64.encodeURL([1, 2, 3])
        #expect(throws: Never.self) { try JWSCompact(parsing: canonical) }
    }
}
