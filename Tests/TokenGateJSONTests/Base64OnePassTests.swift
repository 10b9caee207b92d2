// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateJSON

/// The one-pass decoders: same results and same error, in the same order of checks, as the
/// two-pass decoder they replaced; JWS segments through ``Base64/decodeUnpaddedURL(_:)``.
@Suite("Base64: one-pass decoding, unpadded base64url, error precedence")
struct Base64OnePassTests {
    static func message(_ body: () throws -> [UInt8]) -> String? {
        do { _ = try body(); return nil } catch { return (error as? JSONError)?.message }
    }

    @Test("each refusal keeps its message: alphabet first, then padding, then length")
    func errorPrecedence() {
        #expect(Self.message { try Base64.decode("Zm9vY") } == "base64 input is not padded to a multiple of 4")
        #expect(Self.message { try Base64.decode("Z===") } == "truncated base64 input")
        #expect(Self.message { try Base64.decode("Zg==Zg==") } == "invalid base64 input")
        #expect(Self.message { try Base64.decode("Zm9v!") } == "invalid base64 input")
        #expect(Self.message { try Base64.decodeURL("Zm9vY") } == "truncated base64 input")
        #expect(Self.message { try Base64.decodeURL("Zm9v+") } == "invalid base64url input")
        #expect(Self.message { try Base64.decodeURL("Zg===") } == "truncated base64 input")
    }

    @Test("unpadded base64url: bytes, or why not")
    func unpadded() throws {
        func decode(_ text: String) -> Result<[UInt8], Base64.UnpaddedFailure> {
            Array(text.utf8).withUnsafeBytes { Base64.decodeUnpaddedURL($0) }
        }
        #expect(try decode("-_-__g").get() == [0xFB, 0xFF, 0xBF, 0xFE])
        #expect(try decode("").get() == [])
        #expect(try decode("Zm9vYmFy").get() == Array("foobar".utf8))
        #expect(decode("Zg==") == .failure(.notInAlphabet), "padding is not allowed in a JWS segment")
        #expect(decode("Zm9v+") == .failure(.notInAlphabet))
        #expect(decode("Zm9vY") == .failure(.truncated))
        #expect(decode("Zm9v/") == .failure(.notInAlphabet), "one past a group, but the alphabet is checked first")
        // "Zg" is "f"; "Zh" sets one of the 4 unused bits. "Zm8" is "fo"; "Zm9" sets one of the 2.
        #expect(decode("Zg") == .success(Array("f".utf8)))
        #expect(decode("Zh") == .failure(.nonCanonical))
        #expect(decode("Zm8") == .success(Array("fo".utf8)))
        #expect(decode("Zm9") == .failure(.nonCanonical))
        #expect(try Base64.decodeURL("Zh") == Array("f".utf8), "the lenient decoder still takes them")
    }

    @Test("every length and byte value round-trips through the one-pass decoder")
    func roundTrips() throws {
        var generator = SeededGenerator(seed: 8693)
        for length in Array(0..<200) + [767, 768, 769, 3000, 5001] {  // past the encoder's 1 KiB chunk too
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let url = Base64.encodeURL(bytes)
            #expect(try Base64.decodeURL(url) == bytes)
            #expect(try Base64.decode(Base64.encode(bytes)) == bytes)
            #expect(try Array(url.utf8).withUnsafeBytes { Base64.decodeUnpaddedURL($0) }.get() == bytes)
            var sink: [UInt8] = []
            bytes.withUnsafeBytes { Base64.encodeURL($0, into: &sink) }
            #expect(sink == Array(url.utf8))
        }
    }
}
