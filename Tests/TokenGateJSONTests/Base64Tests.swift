// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateJSON

@Suite("Base64: standard with padding, and url without")
struct Base64Tests {
    // RFC 4648 §10 test vectors.
    static let vectors: [(String, String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ]

    @Test("RFC 4648 vectors encode and decode")
    func vectors() throws {
        for (plain, encoded) in Self.vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(try Base64.decode(encoded) == Array(plain.utf8))
        }
    }

    @Test("the standard alphabet uses + and /, url uses - and _ without padding")
    func alphabets() throws {
        let bytes: [UInt8] = [0xFB, 0xFF, 0xBF, 0xFE]
        #expect(Base64.encode(bytes) == "+/+//g==")
        #expect(Base64.encodeURL(bytes) == "-_-__g")
        #expect(try Base64.decodeURL("-_-__g") == bytes)
        #expect(try Base64.decodeURL("-_-__g==") == bytes)
        #expect(throws: JSONError.self) { try Base64.decode("-_-__g==") }
        #expect(throws: JSONError.self) { try Base64.decodeURL("+/+//g==") }
    }

    @Test("standard decoding requires padding and refuses junk", arguments: ["Zg", "Zm8", "Zg=", "Z===", "Zm9v\n", "Zm 9v", "Zg==Zg==", "Zm9vY"])
    func refuses(_ text: String) {
        #expect(throws: JSONError.self) { try Base64.decode(text) }
    }

    @Test("all byte values round-trip at every length")
    func allBytes() throws {
        let bytes = (0...255).map { UInt8($0) }
        for length in 0...bytes.count where length % 17 == 0 || length < 8 {
            let slice = Array(bytes.prefix(length))
            #expect(try Base64.decode(Base64.encode(slice)) == slice)
            #expect(try Base64.decodeURL(Base64.encodeURL(slice)) == slice)
        }
    }
}
