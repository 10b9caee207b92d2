// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateJSON
@testable import TokenGateCrypto

/// The hand-written paths next to OpenSSL's: ECDSA DER both ways, contexts copied from a
/// template, SHA-256 into a caller's buffer. Each must give what the OpenSSL call gives.
@Suite("Signature fast paths agree with OpenSSL's")
struct SignatureFastPathTests {
    @Test("raw r||s read by hand from our own DER equals d2i_ECDSA_SIG's reading; DER written by hand is i2d's")
    func ecdsaByHand() throws {
        let key = try PrivateKey.generate(.ecP256)
        for index in 0..<400 {
            let der = try key.signSHA256(Array("message \(index)".utf8))
            var raw: [UInt8] = []
            try ECDSASignature.appendRaw(fromOwnDER: der, to: &raw)
            #expect(raw == (try ECDSASignature.rawFromDER(der)))
            #expect(ECDSASignature.derFromRaw(raw) == der)
        }
        // Hand-made corner cases: a leading zero byte (short r), a high bit (0x00 sign byte).
        let shortR = [UInt8](repeating: 0, count: 1) + [UInt8](repeating: 0x7F, count: 31) + [UInt8](repeating: 0x80, count: 32)
        let der = try #require(ECDSASignature.derFromRaw(shortR))
        // r: 31 bytes once its leading zero is dropped; s: 32 bytes behind a 0x00 sign byte.
        let rPart: [UInt8] = [0x02, 0x1F] + [UInt8](repeating: 0x7F, count: 31)
        let sPart: [UInt8] = [0x02, 0x21, 0x00] + [UInt8](repeating: 0x80, count: 32)
        let expected: [UInt8] = [0x30, 0x44] + rPart + sPart
        #expect(der == expected)
        var raw: [UInt8] = []
        try ECDSASignature.appendRaw(fromOwnDER: der, to: &raw)
        #expect(raw == shortR)
        // Not the shape OpenSSL writes: falls back to OpenSSL's reader, which refuses it.
        var refused: [UInt8] = []
        #expect(throws: KeyError.self) { try ECDSASignature.appendRaw(fromOwnDER: [0x30, 0x00], to: &refused) }
    }

    @Test("a key signs and verifies through its template many times, from several threads")
    func templatesAreReusable() async throws {
        for kind in [PrivateKey.Generation.ecP256, .rsa(bits: 2048)] {
            let key = try PrivateKey.generate(kind)
            let publicKey = try key.publicKey()
            #expect(key.signer != nil && publicKey.verifier != nil)
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for task in 0..<4 {
                    group.addTask {
                        for index in 0..<25 {
                            let message = Array("task \(task) message \(index)".utf8)
                            let signature = try key.signSHA256(message)
                            guard publicKey.verifySHA256(signature: signature, message: message),
                                !publicKey.verifySHA256(signature: signature, message: message + [0])
                            else { return false }
                        }
                        return true
                    }
                }
                for try await passed in group { #expect(passed) }
            }
        }
    }

    @Test("SHA-256 into a buffer equals SHA-256 into an array")
    func digestIntoBuffer() {
        for text in ["", "abc", String(repeating: "x", count: 5000)] {
            var digest = [UInt8](repeating: 0, count: 32)
            Array(text.utf8).withUnsafeBytes { input in digest.withUnsafeMutableBytes { SHA256.hash(input, into: $0) } }
            #expect(digest == SHA256.hash(text))
        }
    }
}
