// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import TokenGateJSON
@testable import TokenGateCrypto

@Suite("JWS compact parse, sign and verify")
struct JWSTests {
    static let claims: JSON = ["iss": "https://issuer.test", "sub": "someone", "exp": 2_000_000_000]

    /// Builds a token from raw parts so hostile headers can be written exactly.
    static func compact(header: String, payload: String = #"{"sub":"x"}"#, signature: [UInt8] = [1, 2, 3]) -> String {
        Base64.encodeURL(Array(header.utf8)) + "." + Base64.encodeURL(Array(payload.utf8)) + "." + Base64.encodeURL(signature)
    }

    static func expectError(_ code: JWSError.Code, _ token: String, maximumSize: Int = JWSCompact.defaultMaximumSize) {
        do {
            _ = try JWSCompact(parsing: token, maximumSize: maximumSize)
            Issue.record("accepted a token that should fail with \(code)")
        } catch {
            #expect(error.code == code, "\(error.message)")
        }
    }

    @Test("ES256 and RS256 tokens sign, parse and verify; header is alg, typ, kid")
    func roundTrip() throws {
        for kind in [PrivateKey.Generation.ecP256, .rsa(bits: 2048)] {
            let signer = try JWSSigner(key: try PrivateKey.generate(kind))
            let token = try signer.sign(payload: Self.claims, type: "at+jwt")
            let parsed = try JWSCompact(parsing: token)
            #expect(parsed.algorithm == signer.algorithm)
            #expect(parsed.keyID == signer.keyID)
            #expect(parsed.header["typ"]?.string == "at+jwt")
            #expect(parsed.payload["iss"]?.string == "https://issuer.test")
            try parsed.verify(with: signer.key.publicKey(), allowed: [.rs256, .es256])
            if signer.algorithm == .es256 { #expect(parsed.signature.count == 64) }
        }
    }

    @Test("a token signed by `openssl dgst` (RS256) verifies: independent signer")
    func verifiesOpenSSLSignedToken() throws {
        let directory = try OpenSSLTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pem = try OpenSSLTool.run(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
        let keyFile = directory.appendingPathComponent("k.pem")
        try Data(pem).write(to: keyFile)
        let input = Base64.encodeURL(Array(#"{"alg":"RS256","kid":"k1"}"#.utf8)) + "." + Base64.encodeURL(Array(#"{"sub":"x"}"#.utf8))
        let signature = try OpenSSLTool.run(["dgst", "-sha256", "-sign", keyFile.path], input: Array(input.utf8))
        let parsed = try JWSCompact(parsing: input + "." + Base64.encodeURL(signature))
        try parsed.verify(with: PrivateKey(pem: pem).publicKey(), allowed: [.rs256])
    }

    @Test("alg none, HMAC and unknown algorithms are refused at parse time")
    func refusesAlgorithms() {
        Self.expectError(.algorithmNotAllowed, Self.compact(header: #"{"alg":"none"}"#))
        Self.expectError(.algorithmNotAllowed, Self.compact(header: #"{"alg":"NONE"}"#))
        Self.expectError(.algorithmNotAllowed, Self.compact(header: #"{"alg":"HS256","kid":"k"}"#))
        Self.expectError(.algorithmNotAllowed, Self.compact(header: #"{"alg":"PS256"}"#))
        Self.expectError(.malformed, Self.compact(header: #"{"kid":"k"}"#))
        Self.expectError(.malformed, Self.compact(header: #"{"alg":256}"#))
    }

    @Test("structure, encoding, size and header rules")
    func refusesMalformed() {
        Self.expectError(.malformed, "garbage")
        Self.expectError(.malformed, "a.b")
        Self.expectError(.malformed, "a.b.c.d")
        Self.expectError(.malformed, Self.compact(header: #"{"alg":"RS256"}"#) + "=")
        Self.expectError(.malformed, Self.compact(header: #"{"alg":"RS256"}"#, signature: []))
        Self.expectError(.malformed, "." + Base64.encodeURL(Array("{}".utf8)) + ".AQID")
        Self.expectError(.malformed, Self.compact(header: #"["RS256"]"#))
        Self.expectError(.malformed, Self.compact(header: #"{"alg":"RS256"}"#, payload: "[1]"))
        Self.expectError(.malformed, Self.compact(header: #"{"alg":"RS256"}"#, payload: "not json"))
        Self.expectError(.malformed, Self.compact(header: #"{"alg":"RS256","alg":"none"}"#))
        Self.expectError(.malformed, Self.compact(header: #"{"alg":"RS256"}"#, payload: #"{"sub":"a","sub":"b"}"#))
        Self.expectError(.malformed, Self.compact(header: #"{"alg":"RS256","kid":""}"#))
        Self.expectError(.malformed, Self.compact(header: #"{"alg":"RS256","kid":"\#(String(repeating: "k", count: 300))"}"#))
        Self.expectError(.unsupportedCritical, Self.compact(header: #"{"alg":"RS256","crit":["exp"],"exp":1}"#))
        Self.expectError(.tooLarge, String(repeating: "A", count: 1 << 20))
        Self.expectError(.tooLarge, Self.compact(header: #"{"alg":"RS256"}"#), maximumSize: 20)
    }

    @Test("jku, x5u and jwk headers are ignored: an embedded key does not make a token verify")
    func ignoresEmbeddedKeys() throws {
        let trusted = try PrivateKey.generate(.ecP256)
        let attacker = try JWSSigner(key: try PrivateKey.generate(.ecP256))
        let attackerJWK = try JWK(key: attacker.key.publicKey()).json()
        // Sign a header that embeds the attacker's key and points jku/x5u at the attacker.
        let header: JSON = ["alg": "ES256", "jwk": attackerJWK, "jku": "https://evil.test/jwks", "x5u": "https://evil.test/c"]
        let input = Base64.encodeURL(header.serialized()) + "." + Base64.encodeURL(Self.claims.serialized())
        let signature = try ECDSASignature.rawFromDER(attacker.key.signSHA256(Array(input.utf8)))
        let parsed = try JWSCompact(parsing: input + "." + Base64.encodeURL(signature))
        #expect(throws: JWSError(.badSignature, "token signature does not verify")) {
            try parsed.verify(with: trusted.publicKey(), allowed: [.es256])
        }
    }

    @Test("the issuer's allow-list and the key's type both bind the algorithm")
    func algorithmBinding() throws {
        let rsa = try JWSSigner(key: try PrivateKey.generate(.rsa(bits: 2048)))
        let token = try JWSCompact(parsing: try rsa.sign(payload: Self.claims, type: nil))
        do { try token.verify(with: rsa.key.publicKey(), allowed: [.es256]); Issue.record("allow-list ignored") }
        catch let error as JWSError { #expect(error.code == .algorithmNotAllowed) }
        let ec = try PrivateKey.generate(.ecP256)
        do { try token.verify(with: ec.publicKey(), allowed: [.rs256, .es256]); Issue.record("alg/key mismatch accepted") }
        catch let error as JWSError { #expect(error.code == .algorithmNotAllowed) }
    }

    @Test("HS256 signed with the RSA public key as the HMAC secret is refused")
    func refusesKeyConfusion() throws {
        let rsa = try PrivateKey.generate(.rsa(bits: 2048))
        let secret = try rsa.publicKey().pem()
        let input = Base64.encodeURL(Array(#"{"alg":"HS256"}"#.utf8)) + "." + Base64.encodeURL(Self.claims.serialized())
        let directory = try OpenSSLTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let mac = try OpenSSLTool.run(["dgst", "-sha256", "-mac", "HMAC", "-macopt",
                                       "hexkey:" + secret.map { String(format: "%02x", $0) }.joined(), "-binary"],
                                      input: Array(input.utf8))
        Self.expectError(.algorithmNotAllowed, input + "." + Base64.encodeURL(mac))
    }

    @Test("every single flipped bit in an ES256 or RS256 signature is caught")
    func flippedSignatureBits() throws {
        for kind in [PrivateKey.Generation.ecP256, .rsa(bits: 2048)] {
            let signer = try JWSSigner(key: try PrivateKey.generate(kind))
            let good = try JWSCompact(parsing: try signer.sign(payload: Self.claims, type: nil))
            let parts = try signer.sign(payload: Self.claims, type: nil).split(separator: ".")
            var signature = try Base64.decodeURL(parts[2])
            for bit in stride(from: 0, to: signature.count * 8, by: 37) {
                signature[bit / 8] ^= UInt8(1 << (bit % 8))
                let token = try JWSCompact(parsing: parts[0] + "." + parts[1] + "." + Base64.encodeURL(signature))
                #expect(throws: JWSError.self) { try token.verify(with: signer.key.publicKey(), allowed: [.rs256, .es256]) }
                signature[bit / 8] ^= UInt8(1 << (bit % 8))
            }
            try good.verify(with: signer.key.publicKey(), allowed: [.rs256, .es256])
        }
    }

    @Test("ECDSA DER and raw r||s convert both ways; wrong widths and zero components are refused")
    func ecdsaConversion() throws {
        let key = try PrivateKey.generate(.ecP256)
        for _ in 0..<20 {
            let der = try key.signSHA256([1, 2, 3])
            let raw = try ECDSASignature.rawFromDER(der)
            #expect(raw.count == 64)
            #expect(ECDSASignature.derFromRaw(raw) == der)
        }
        #expect(ECDSASignature.derFromRaw([UInt8](repeating: 1, count: 63)) == nil)
        #expect(ECDSASignature.derFromRaw([UInt8](repeating: 0, count: 32) + [UInt8](repeating: 1, count: 32)) == nil)
        #expect(throws: KeyError.self) { try ECDSASignature.rawFromDER([0x30, 0x00]) }
    }
}
