// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateJSON
@testable import TokenGateCrypto

@Suite("JWK and JWKS")
struct JWKTests {
    static func parse(_ text: String) throws -> JSONNode { try JSONDocument.parse(text).rootNode }

    @Test("RSA and EC keys encode as JWK and decode to the same key and kid")
    func roundTrip() throws {
        for kind in [PrivateKey.Generation.ecP256, .rsa(bits: 2048), .rsa(bits: 3072)] {
            let key = try PrivateKey.generate(kind).publicKey()
            let json = try JWK(key: key).json()
            let node = json.document().rootNode
            #expect(node["use"]?.string == "sig")
            #expect(node["kid"]?.string == key.keyID)
            let back = try JWK(parsing: node)
            #expect(back.key.derSPKI == key.derSPKI)
            #expect(back.keyID == key.keyID)
            #expect(back.algorithm == JWSAlgorithm.forKey(key.type))
        }
    }

    @Test("EC coordinates are 32 bytes and RSA e is AQAB, as Kubernetes publishes them")
    func wireShape() throws {
        let ec = try JWK(key: try PrivateKey.generate(.ecP256).publicKey()).json().document().rootNode
        #expect(try Base64.decodeURL(ec["x"]?.string ?? "").count == 32)
        #expect(try Base64.decodeURL(ec["y"]?.string ?? "").count == 32)
        #expect(ec["crv"]?.string == "P-256" && ec["alg"]?.string == "ES256")
        let rsa = try JWK(key: try PrivateKey.generate(.rsa(bits: 2048)).publicKey()).json().document().rootNode
        #expect(rsa["e"]?.string == "AQAB" && rsa["alg"]?.string == "RS256" && rsa["kty"]?.string == "RSA")
    }

    @Test("a kid-less JWK gets the Kubernetes kid (SHA-256 of DER SPKI)")
    func derivedKeyID() throws {
        let key = try PrivateKey.generate(.ecP256).publicKey()
        let (x, y) = try key.p256Coordinates()
        let node = try Self.parse(#"{"kty":"EC","crv":"P-256","x":"\#(Base64.encodeURL(x))","y":"\#(Base64.encodeURL(y))"}"#)
        #expect(try JWK(parsing: node).keyID == Base64.encodeURL(SHA256.hash(key.derSPKI)))
    }

    @Test("points off the curve, short RSA moduli, private members and mismatched alg are refused")
    func refusesBadKeys() throws {
        let key = try PrivateKey.generate(.ecP256).publicKey()
        let (x, y) = try key.p256Coordinates()
        var badY = y
        badY[31] ^= 1
        let offCurve = #"{"kty":"EC","crv":"P-256","x":"\#(Base64.encodeURL(x))","y":"\#(Base64.encodeURL(badY))"}"#
        do { _ = try JWK(parsing: try Self.parse(offCurve)); Issue.record("off-curve point accepted") }
        catch let error as KeyError { #expect(error.code == .malformed) }

        let short = #"{"kty":"RSA","n":"\#(Base64.encodeURL([UInt8](repeating: 0xC3, count: 128)))","e":"AQAB"}"#
        do { _ = try JWK(parsing: try Self.parse(short)); Issue.record("1024-bit RSA accepted") }
        catch let error as KeyError { #expect(error.code == .unsupported) }

        let evenExponent = #"{"kty":"RSA","n":"\#(Base64.encodeURL([UInt8](repeating: 0xC3, count: 256)))","e":"AQAA"}"#
        do { _ = try JWK(parsing: try Self.parse(evenExponent)); Issue.record("even exponent accepted") }
        catch let error as KeyError { #expect(error.code == .malformed) }

        let withPrivate = #"{"kty":"EC","crv":"P-256","x":"\#(Base64.encodeURL(x))","y":"\#(Base64.encodeURL(y))","d":"AAAA"}"#
        do { _ = try JWK(parsing: try Self.parse(withPrivate)); Issue.record("private JWK accepted") }
        catch let error as KeyError { #expect(error.message.contains("private")) }

        let wrongAlg = #"{"kty":"EC","crv":"P-256","alg":"RS256","x":"\#(Base64.encodeURL(x))","y":"\#(Base64.encodeURL(y))"}"#
        do { _ = try JWK(parsing: try Self.parse(wrongAlg)); Issue.record("alg mismatch accepted") }
        catch let error as KeyError { #expect(error.code == .unsupported) }

        let encryption = #"{"kty":"EC","use":"enc","crv":"P-256","x":"\#(Base64.encodeURL(x))","y":"\#(Base64.encodeURL(y))"}"#
        do { _ = try JWK(parsing: try Self.parse(encryption)); Issue.record("use=enc accepted") }
        catch let error as KeyError { #expect(error.code == .unsupported) }
    }

    @Test("JWKS keeps usable keys, skips foreign kinds, refuses an all-unusable set, finds by kid")
    func keySet() throws {
        let ec = try PrivateKey.generate(.ecP256).publicKey()
        let rsa = try PrivateKey.generate(.rsa(bits: 2048)).publicKey()
        let members = [try JWK(key: ec).json(), try JWK(key: rsa, keyID: "rsa-1").json(),
                       ["kty": "oct", "k": "c2VjcmV0"] as JSON, ["kty": "OKP", "crv": "Ed25519", "x": "AAAA"] as JSON]
        // "k" marks a private (symmetric) key: refused outright, so drop it for the mixed-set case.
        let set = try JWKSet(parsing: JSON.object([("keys", .array([members[0], members[1], members[3]]))]).serialized())
        #expect(set.keys.count == 2 && set.skipped.count == 1)
        #expect(set.candidates(keyID: ec.keyID, algorithm: .es256).map(\.derSPKI) == [ec.derSPKI])
        #expect(set.candidates(keyID: ec.keyID, algorithm: .rs256).isEmpty)
        #expect(set.candidates(keyID: "rsa-1", algorithm: .rs256).map(\.derSPKI) == [rsa.derSPKI])
        #expect(set.candidates(keyID: nil, algorithm: .rs256).count == 1)
        #expect(set.candidates(keyID: "other", algorithm: .es256).isEmpty)
        #expect(set.contains(keyID: "rsa-1") && !set.contains(keyID: "nope"))

        #expect(throws: KeyError.self) { try JWKSet(parsing: Array(#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AA"}]}"#.utf8)) }
        #expect(throws: KeyError.self) { try JWKSet(parsing: Array(#"{"keys":[]}"#.utf8)) }
        #expect(throws: KeyError.self) { try JWKSet(parsing: Array(#"{"nokeys":1}"#.utf8)) }
        #expect(throws: KeyError.self) { try JWKSet(parsing: Array("not json".utf8)) }
        #expect(throws: KeyError.self) { try JWKSet(parsing: JSON.object([("keys", .array([members[2]]))]).serialized()) }

        let reencoded = try JWKSet(parsing: try set.json().serialized())
        #expect(reencoded.keys.map(\.keyID) == set.keys.map(\.keyID))
    }
}
