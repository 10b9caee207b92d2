// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateJSON

@Suite("JSON Pointer (RFC 6901)")
struct JSONPointerTests {
    @Test("~1 and ~0 decode to / and ~, in that order")
    func unescapes() throws {
        let pointer = try JSONPointer(parsing: "/metadata/annotations/tokengate.io~1projected/a~0b/~01")
        #expect(pointer.tokens == ["metadata", "annotations", "tokengate.io/projected", "a~b", "~1"])
    }

    @Test("escaping is the inverse of parsing, ~ first")
    func roundTrips() throws {
        let tokens = ["a/b", "~", "~1", "/~0", "plain", "", "ü/x"]
        let pointer = JSONPointer(tokens: tokens)
        #expect(pointer.description == "/a~1b/~0/~01/~1~00/plain//ü~1x")
        #expect(try JSONPointer(parsing: pointer.description).tokens == tokens)
        #expect(JSONPointer.escape("tokengate.io/inject") == "tokengate.io~1inject")
    }

    @Test("empty pointer is the whole document; empty tokens are kept")
    func emptyTokens() throws {
        #expect(try JSONPointer(parsing: "").tokens.isEmpty)
        #expect(try JSONPointer(parsing: "/").tokens == [""])
        #expect(try JSONPointer(parsing: "//a/").tokens == ["", "a", ""])
    }

    @Test("malformed pointers are refused with a message", arguments: ["a/b", "/a~2", "/a~", "~1"])
    func refusesMalformed(_ text: String) {
        #expect(throws: JSONError.self) { try JSONPointer(parsing: text) }
    }

    @Test("a slash followed by a combining mark still separates tokens")
    func combiningMarks() throws {
        let pointer = try JSONPointer(parsing: "/a/\u{301}b")
        #expect(pointer.tokens == ["a", "\u{301}b"])
    }

    @Test("walks objects and arrays; leading-zero indices are not indices")
    func walks() throws {
        let document = try JSONDocument.parse(#"{"a/b":{"~":[10,20,{"x":true}]},"01":1}"#)
        let root = document.rootNode
        #expect(root.at("/a~1b/~0/1")?.int == 20)
        #expect(root.at("/a~1b/~0/2/x")?.bool == true)
        #expect(root.at("/a~1b/~0/01") == nil)
        #expect(root.at("/a~1b/~0/3") == nil)
        #expect(root.at("/a~1b/~0/-") == nil)
        #expect(root.at("/01")?.int == 1)
        #expect(root.at("")?.isObject == true)
    }
}
