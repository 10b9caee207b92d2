// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import TokenGateJSON
@testable import TokenGateCrypto

@Suite("Keys on OpenSSL")
struct KeysTests {
    @Test("EC P-256 and RSA keys generate, round-trip through PEM and keep their type")
    func generateAndRoundTrip() throws {
        for (kind, type) in [(PrivateKey.Generation.ecP256, KeyType.ecP256), (.rsa(bits: 2048), .rsa(bits: 2048))] {
            let key = try PrivateKey.generate(kind)
            #expect(key.type == type)
            let pem = try key.pemPKCS8()
            #expect(String(decoding: pem, as: UTF8.self).hasPrefix("-----BEGIN PRIVATE KEY-----"))
            let reread = try PrivateKey(pem: pem)
            #expect(try reread.publicKey().derSPKI == key.publicKey().derSPKI)
            let publicPEM = try key.publicKey().pem()
            #expect(try PublicKey(pem: publicPEM).derSPKI == key.publicKey().derSPKI)
        }
    }

    @Test("keys written by `openssl genpkey` are read, and the kid matches openssl's SPKI digest")
    func readsOpenSSLKeysAndComputesKubernetesKeyID() throws {
        let directory = try OpenSSLTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for spec in [["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
                     ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]] {
            let pem = try OpenSSLTool.run(["genpkey"] + spec)
            let key = try PrivateKey(pem: pem)
            let der = try OpenSSLTool.run(["pkey", "-pubout", "-outform", "DER"], input: pem)
            let digest = try OpenSSLTool.run(["dgst", "-sha256", "-binary"], input: der)
            #expect(try key.publicKey().derSPKI == der)
            #expect(try key.publicKey().keyID == Base64.encodeURL(digest))
        }
    }

    @Test("traditional (non-PKCS#8) EC and RSA PEM are read too")
    func readsTraditionalPEM() throws {
        let ec = try OpenSSLTool.run(["ecparam", "-name", "prime256v1", "-genkey", "-noout"])
        #expect(String(decoding: ec, as: UTF8.self).contains("BEGIN EC PRIVATE KEY"))
        #expect(try PrivateKey(pem: ec).type == .ecP256)
        let rsa = try OpenSSLTool.run(["genrsa", "-traditional", "2048"])
        #expect(String(decoding: rsa, as: UTF8.self).contains("BEGIN RSA PRIVATE KEY"))
        #expect(try PrivateKey(pem: rsa).type == .rsa(bits: 2048))
    }

    @Test("weak, foreign-curve, encrypted and garbage keys are refused with a reason")
    func refusesUnusableKeys() throws {
        let small = try OpenSSLTool.run(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"])
        #expect(throws: KeyError.self) { try PrivateKey(pem: small) }
        do { _ = try PrivateKey(pem: small) } catch { #expect(error.code == .unsupported && error.message.contains("2048")) }

        let p384 = try OpenSSLTool.run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"])
        do { _ = try PrivateKey(pem: p384); Issue.record("P-384 accepted") } catch { #expect(error.code == .unsupported) }

        let ed = try OpenSSLTool.run(["genpkey", "-algorithm", "ED25519"])
        do { _ = try PrivateKey(pem: ed); Issue.record("Ed25519 accepted") } catch { #expect(error.code == .unsupported) }

        let encrypted = try OpenSSLTool.run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                                             "-aes-256-cbc", "-pass", "pass:secret"])
        do { _ = try PrivateKey(pem: encrypted); Issue.record("encrypted key accepted") } catch { #expect(error.code == .malformed) }

        do { _ = try PrivateKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"); Issue.record("garbage accepted") }
        catch { #expect(error.code == .malformed) }
        do { _ = try PublicKey(der: [0x30, 0x03, 0x02, 0x01, 0x01]); Issue.record("garbage DER accepted") }
        catch { #expect(error.code == .malformed) }
    }

    @Test("sign/verify with SHA-256; a changed message or another key does not verify")
    func signAndVerify() throws {
        for kind in [PrivateKey.Generation.ecP256, .rsa(bits: 2048)] {
            let key = try PrivateKey.generate(kind)
            let other = try PrivateKey.generate(kind)
            let message = Array("header.payload".utf8)
            let signature = try key.signSHA256(message)
            #expect(try key.publicKey().verifySHA256(signature: signature, message: message))
            #expect(try !key.publicKey().verifySHA256(signature: signature, message: Array("header.payloaD".utf8)))
            #expect(try !other.publicKey().verifySHA256(signature: signature, message: message))
            #expect(try !key.publicKey().verifySHA256(signature: [], message: message))
        }
    }

    @Test("signatures made by `openssl dgst` verify, and ours verify with `openssl dgst`")
    func interoperatesWithOpenSSLDgst() throws {
        let directory = try OpenSSLTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = try PrivateKey.generate(.ecP256)
        let keyFile = directory.appendingPathComponent("k.pem")
        let pubFile = directory.appendingPathComponent("k.pub")
        let sigFile = directory.appendingPathComponent("sig")
        try Data(key.pemPKCS8()).write(to: keyFile)
        try Data(key.publicKey().pem()).write(to: pubFile)
        let message = Array("interop".utf8)
        let theirs = try OpenSSLTool.run(["dgst", "-sha256", "-sign", keyFile.path], input: message)
        #expect(try key.publicKey().verifySHA256(signature: theirs, message: message))
        try Data(key.signSHA256(message)).write(to: sigFile)
        let verdict = try OpenSSLTool.run(["dgst", "-sha256", "-verify", pubFile.path, "-signature", sigFile.path], input: message)
        #expect(String(decoding: verdict, as: UTF8.self).contains("Verified OK"))
    }

    @Test("SHA-256 matches the FIPS 180-2 vector; random bytes differ between calls")
    func digestAndRandom() throws {
        #expect(SHA256.hash("abc").map { String(format: "%02x", $0) }.joined()
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let a = try SecureRandom.bytes(16), b = try SecureRandom.bytes(16)
        #expect(a.count == 16 && b.count == 16 && a != b)
    }
}
