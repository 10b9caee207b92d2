// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateJSON

@Suite("JSON view (simdjson): reading, limits, source positions")
struct JSONViewTests {
    @Test("typed accessors return nil for the wrong kind, as JSONNode's do")
    func accessors() throws {
        let root = try JSONView.parse(#"{"i":3,"r":1.5,"s":"x","b":false,"n":null,"a":[1],"o":{"k":1}}"#).root
        #expect(root["i"]?.int == 3 && root["i"]?.string == nil && root["i"]?.double == 3)
        #expect(root["r"]?.int == nil && root["r"]?.double == 1.5 && root["r"]?.kind == .real)
        #expect(root["b"]?.bool == false && root["n"]?.isNull == true && root["n"]?.bool == nil)
        #expect(root["a"]?.count == 1 && root["o"]?.keys == ["k"])
        #expect(root["s"]?["k"] == nil && root["o"]?[0] == nil && root["a"]?[5] == nil && root["a"]?[-1] == nil)
        #expect(root["missing"] == nil && root.count == 7)
        #expect(root.keys == ["i", "r", "s", "b", "n", "a", "o"])
        #expect(root["s"]?.isString("x") == true && root["s"]?.isString("xy") == false && root["i"]?.isString("3") == false)
        #expect(root["a"]?.elements.map { $0.int } == [1])
        #expect(root.members.map(\.value.kind) == [.integer, .real, .string, .bool, .null, .array, .object])
    }

    @Test("keys are compared unescaped; strings keep NUL and non-ASCII")
    func strings() throws {
        let root = try JSONView.parse(#"{"\u0061b":"x\u0000y","grüße":"✓ \ud83d\ude00","e":"\"\\\/\b\f\n\r\t"}"#).root
        #expect(root["ab"]?.string == "x\u{0}y")
        #expect(root["grüße"]?.string == "✓ 😀")
        #expect(root["e"]?.string == "\"\\/\u{8}\u{c}\n\r\t")
        #expect(root.at("/ab")?.withStringBytes { Array($0) } == Array("x\u{0}y".utf8))
    }

    @Test("pointers walk objects and arrays; leading-zero indices are not indices")
    func pointers() throws {
        let root = try JSONView.parse(#"{"a/b":{"~":[10,20,{"x":true}]},"01":1}"#).root
        #expect(root.at("/a~1b/~0/1")?.int == 20)
        #expect(root.at("/a~1b/~0/2/x")?.bool == true)
        #expect(root.at("/a~1b/~0/01") == nil && root.at("/a~1b/~0/3") == nil && root.at("/a~1b/~0/-") == nil)
        #expect(root.at("/01")?.int == 1 && root.at("")?.isObject == true)
    }

    @Test("duplicate keys are refused with their line and column, in small and large objects and nested")
    func duplicateKeys() {
        let many = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let cases = [
            #"{"a":1,"a":2}"#, "{\n \"request\": {\"uid\":\"x\",\n  \"uid\":\"y\"}}", #"[{"k":1,"k":1}]"#,
            #"{"a":1,"\u0061":2}"#, "{\(many),\"k7\":0}", "{\"k39\":0,\(many)}",
        ]
        for text in cases {
            let error = #expect(throws: JSONError.self, "\(text)") { try JSONView.parse(text) }
            #expect(error?.code == .duplicateKey, "\(text): \(String(describing: error))")
            #expect(error?.message.contains("duplicate object key") == true)
        }
        let nested = #expect(throws: JSONError.self) { try JSONView.parse("{\n \"request\": {\"uid\":\"x\",\n  \"uid\":\"y\"}}") }
        #expect(nested?.message == "invalid JSON at line 3, column 7: duplicate object key near '\"uid\"'")
        // Equal values under distinct keys, and the same key in sibling objects, are fine.
        #expect(throws: Never.self) { try JSONView.parse(#"[{"k":1},{"k":1},{"a":1,"b":1}]"#) }
        #expect(throws: Never.self) { try JSONView.parse("{\(many)}") }
    }

    @Test("of several faults the tape walk finds, the first in the text is reported, as Jansson does")
    func firstFaultWins() {
        let cases: [(String, JSONError.Code)] = [
            (#"{"a":1,"a":2,"b\u0000":1}"#, .duplicateKey), (#"{"b\u0000":1,"a":1,"a":2}"#, .syntax),
            (#"[9223372036854775808,{"a":1,"a":2}]"#, .syntax), (#"[{"a":1,"a":2},9223372036854775808]"#, .duplicateKey),
            (#"{"a":{"b":1,"b":2},"a":1}"#, .duplicateKey), (#"{"a":[9223372036854775808],"a":1}"#, .syntax),
        ]
        for (text, code) in cases {
            #expect((#expect(throws: JSONError.self) { try JSONView.parse(text) })?.code == code, "\(text)")
            #expect((#expect(throws: JSONError.self) { try JSONDocument.parse(text) })?.code == code, "\(text)")
        }
    }

    @Test("nesting past the bound is tooDeep; at the bound it parses; brackets in strings do not count")
    func depthBound() throws {
        let limits = JSONLimits(maxDepth: 8)
        let ok = String(repeating: "[", count: 8) + String(repeating: "]", count: 8)
        #expect(try JSONView.parse(ok, limits: limits).root.isArray)
        let deep = String(repeating: "[", count: 9) + String(repeating: "]", count: 9)
        #expect(throws: JSONError(.tooDeep, "JSON nests deeper than 8 levels")) { try JSONView.parse(deep, limits: limits) }
        let inString = #"{"a":"[[[[[[[[[[[[[[[[[[[[[[[[\"{{{{{{{{{{{{{"}"#
        #expect(try JSONView.parse(inString, limits: limits).root["a"]?.string?.hasPrefix("[[") == true)
        let hostile = String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        #expect((#expect(throws: JSONError.self) { try JSONView.parse(hostile) })?.code == .tooDeep)
    }

    @Test("a text longer than maxBytes is refused by both readers before parsing")
    func sizeBound() throws {
        let limits = JSONLimits(maxBytes: 10)
        #expect(try JSONView.parse("[1,2,3,45]", limits: limits).root.count == 4)
        #expect(try JSONDocument.parse("[1,2,3,45]", limits: limits).rootNode.count == 4)
        let tooLarge = JSONError(.tooLarge, "JSON text of 11 bytes is larger than the limit of 10 bytes")
        #expect(throws: tooLarge) { try JSONView.parse("[1,2,3,456]", limits: limits) }
        #expect(throws: tooLarge) { try JSONDocument.parse("[1,2,3,456]", limits: limits) }
    }

    @Test("integers are exact within Int64 and refused past it; reals past Double are refused; -0 is integer 0")
    func numbers() throws {
        let root = try JSONView.parse("[9007199254740993,-9007199254740993,9223372036854775807,-9223372036854775808,-0,-0.0,1E2,1e-400]").root
        #expect(root.elements.map { $0.int } == [9_007_199_254_740_993, -9_007_199_254_740_993, .max, .min, 0, nil, nil, nil])
        #expect(root[5]?.double?.sign == .minus && root[5]?.double == 0)
        #expect(root[6]?.double == 100 && root[7]?.double == 0)
        for text in ["[9223372036854775808]", "18446744073709551616", "-9223372036854775809", "1e400", "[-1e400]"] {
            let error = #expect(throws: JSONError.self, "\(text)") { try JSONView.parse(text) }
            #expect(error?.code == .syntax)
            #expect(error?.message.contains("line 1") == true, "\(String(describing: error))")
        }
        let big = #expect(throws: JSONError.self) { try JSONView.parse("[1,\n 9223372036854775808]") }
        #expect(big?.message == "invalid JSON at line 2, column 20: too big integer near '9223372036854775808'")
    }

    @Test("syntax errors say line and column (as Jansson reads them); an empty body says so")
    func syntaxErrors() {
        let error = #expect(throws: JSONError.self) { try JSONView.parse("{\n  \"a\": tru\n}") }
        #expect(error?.code == .syntax)
        #expect(error?.message.contains("line 2") == true)
        let empty = #expect(throws: JSONError.self) { try JSONView.parse("") }
        #expect(empty?.message.contains("empty") == true)
        for text in ["\u{FEFF}{}", "{} x", "{\"a\":\"\u{1}\"}", #""\udc00""#, #"{"a\u0000":1}"#] {
            #expect((#expect(throws: JSONError.self, "\(text)") { try JSONView.parse(text) })?.code == .syntax)
        }
        #expect(throws: JSONError.self) { try JSONView.parse([0x22, 0xC0, 0x80, 0x22]) }
    }

    @Test("source ranges give each value's own text, without surrounding whitespace or separators")
    func sourceRanges() throws {
        let text = #" {"a" : [1, -2.5 ,"x\"", true, null, {} ], "b":{"c":18} } "#
        let root = try JSONView.parse(text).root
        func source(_ value: JSONView.Value?) -> String? { value.map { String(decoding: $0.sourceBytes, as: UTF8.self) } }
        #expect(root["a"]?[2]?.sourceText == #""x\"""#)
        #expect(source(root) == #"{"a" : [1, -2.5 ,"x\"", true, null, {} ], "b":{"c":18} }"#)
        #expect(root["a"]?.elements.map { source($0) } == ["1", "-2.5", #""x\"""#, "true", "null", "{}"])
        #expect(source(root["a"]) == #"[1, -2.5 ,"x\"", true, null, {} ]"#)
        #expect(source(root["b"]) == #"{"c":18}"# && source(root.at("/b/c")) == "18")
        #expect(root["b"]?.sourceRange == 47..<55)
        #expect(source(try JSONView.parse(" 12 ").root) == "12")
    }

    @Test("a sub-object's source is the same value to Jansson, so it can be copied verbatim")
    func sourceIsVerbatim() throws {
        let bytes = try JSONFixtures.bytes(JSONFixtures.deploymentReview)
        let view = try JSONView.parse(bytes)
        let document = try JSONDocument.parse(bytes)
        for pointer: JSONPointer in ["/request/object", "/request/object/spec/template", "/request/userInfo/groups", "/request/uid"] {
            let slice = try #require(view.root.at(pointer)).sourceBytes
            #expect(try JSONDocument.parse(slice).rootNode.isEqual(to: #require(document.rootNode.at(pointer))), "\(pointer)")
        }
    }

    @Test("views from one parser stay valid after later parses, and are read from many tasks at once")
    func parserReuse() async throws {
        let parser = JSONViewParser()
        let first = try parser.parse(#"{"n":1,"s":"first"}"#)
        let second = try parser.parse(try JSONFixtures.bytes(JSONFixtures.deploymentReview))
        #expect(throws: JSONError.self) { try parser.parse("[") }
        // Larger than the parser's first buffers (64 KiB), so it grows in between.
        let third = try parser.parse("[" + (0..<30_000).map(String.init).joined(separator: ",") + "]")
        #expect(first.root["s"]?.string == "first" && first.root["n"]?.int == 1)
        #expect(second.root.at("/request/kind/kind")?.string == "Deployment")
        #expect(third.root.count == 30_000 && third.root[29_999]?.int == 29_999)
        let names = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<8 { group.addTask { second.root.at("/request/object/metadata/name")?.string } }
            return await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(Set(names).count == 1 && names.first! != nil)
    }
}
