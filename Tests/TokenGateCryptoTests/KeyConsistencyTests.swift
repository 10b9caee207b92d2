// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateJSON
import TokenGateCrypto

/// A PEM private key whose private and public halves do not belong together is refused. Found by
/// the `pem` fuzz target's invariant "a loaded private key's signature verifies with its public
/// half": a changed byte in the private scalar still loaded, and signed tokens that the key's own
/// public half (the one the JWKS would publish) rejects (input under Tests/Fuzz/Crashes/pem).
@Suite("Private keys must be consistent")
struct KeyConsistencyTests {
    /// PKCS #8 PEM with one DER byte changed at `offset`.
    static func damaged(_ pem: [UInt8], at offset: Int) throws -> [UInt8] {
        let lines = String(decoding: pem, as: UTF8.self).split(separator: "\n")
        var der = try Base64.decode(lines.dropFirst().dropLast().joined())
        der[offset] ^= 0x01
        let body = Base64.encode(der)
        let wrapped = stride(from: 0, to: body.count, by: 64).map { start in
            String(body.dropFirst(start).prefix(64))
        }
        return Array((["-----BEGIN PRIVATE KEY-----"] + wrapped + ["-----END PRIVATE KEY-----", ""]).joined(separator: "\n").utf8)
    }

    @Test("an EC key with a changed private scalar is refused; the intact key loads")
    func damagedECKey() throws {
        let pem = try PrivateKey.generate(.ecP256).pemPKCS8()
        _ = try PrivateKey(pem: pem)
        // PKCS #8 for P-256: 36 bytes of headers, then the 32-byte private scalar.
        #expect { try PrivateKey(pem: Self.damaged(pem, at: 40)) } throws: { ($0 as? KeyError)?.code == .malformed }
    }

    @Test("keys that are whole still sign and verify")
    func wholeKeys() throws {
        for kind in [PrivateKey.Generation.ecP256, .rsa(bits: 2048)] {
            let key = try PrivateKey(pem: PrivateKey.generate(kind).pemPKCS8())
            let message = Array("m".utf8)
            #expect(try key.publicKey().verifySHA256(signature: key.signSHA256(message), message: message))
        }
    }
}
