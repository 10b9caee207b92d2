// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateJSON

@Suite("JSON documents: parsing limits and serialization")
struct JSONDocumentTests {
    @Test("duplicate keys are refused with code duplicateKey, also when nested")
    func duplicateKeys() {
        for text in [#"{"a":1,"a":2}"#, #"{"request":{"uid":"x","uid":"y"}}"#, #"[{"k":1,"k":1}]"#] {
            do {
                _ = try JSONDocument.parse(text)
                Issue.record("accepted duplicate keys in \(text)")
            } catch let error as JSONError {
                #expect(error.code == .duplicateKey, "\(text): \(error)")
                #expect(error.message.contains("duplicate"))
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }

    @Test("nesting deeper than the bound is refused before parsing; at the bound it parses")
    func depthBound() throws {
        let limits = JSONLimits(maxDepth: 8)
        let ok = String(repeating: "[", count: 8) + String(repeating: "]", count: 8)
        #expect(try JSONDocument.parse(ok, limits: limits).rootNode.isArray)
        let deep = String(repeating: "[", count: 9) + String(repeating: "]", count: 9)
        let error = #expect(throws: JSONError.self) { try JSONDocument.parse(deep, limits: limits) }
        #expect(error?.code == .tooDeep)
        // Brackets inside strings do not count.
        let inString = #"{"a":"[[[[[[[[[[[[[[[[[[[[[[[[\"{{{{{{{{{{{{{"}"#
        #expect(try JSONDocument.parse(inString, limits: limits).rootNode["a"]?.string?.hasPrefix("[[") == true)
        // The default bound stops a hostile body.
        let hostile = String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        #expect(throws: JSONError.self) { try JSONDocument.parse(hostile) }
    }

    @Test("syntax errors say line and column; an empty body says so")
    func syntaxErrors() {
        let error = #expect(throws: JSONError.self) { try JSONDocument.parse("{\n  \"a\": tru\n}") }
        #expect(error?.code == .syntax)
        #expect(error?.message.contains("line 2") == true)
        let empty = #expect(throws: JSONError.self) { try JSONDocument.parse("") }
        #expect(empty?.message.contains("empty") == true)
    }

    @Test("strings with NUL and non-ASCII survive a round trip")
    func strings() throws {
        let document = try JSONDocument.parse(#"{"a":"x\u0000y","b":"grüße ✓"}"#)
        #expect(document.rootNode["a"]?.string == "x\u{0}y")
        #expect(document.rootNode["b"]?.string == "grüße ✓")
        let again = try JSONDocument.parse(document.rootNode.serialized())
        #expect(again.rootNode.isEqual(to: document.rootNode))
    }

    @Test("compact serialization keeps member order and has no whitespace")
    func compact() throws {
        let value: JSON = ["z": 1, "a": [true, nil, "s"], "m": ["k": 2.5]]
        #expect(value.jsonText == #"{"z":1,"a":[true,null,"s"],"m":{"k":2.5}}"#)
        let parsed = try JSONDocument.parse(" { \"b\" : [ 1 , 2 ] , \"a\" : { } } ")
        #expect(parsed.rootNode.jsonText == #"{"b":[1,2],"a":{}}"#)
        #expect(JSON.string("a\"b\\c\n").jsonText == #""a\"b\\c\n""#)
        #expect(JSON.int(Int64.max).jsonText == "9223372036854775807")
    }

    @Test("a node embedded in a builder is serialized as it was, without copying semantics leaking")
    func embedsNodes() throws {
        let document = try JSONDocument.parse(#"{"spec":{"containers":[{"name":"a"}]}}"#)
        let containers = try #require(document.rootNode.at("/spec/containers"))
        let built: JSON = ["kept": .node(containers)]
        #expect(built.jsonText == #"{"kept":[{"name":"a"}]}"#)
        #expect(built.document().rootNode["kept"]?.isEqual(to: containers) == true)
    }

    @Test("typed accessors return nil for the wrong kind")
    func accessors() throws {
        let root = try JSONDocument.parse(#"{"i":3,"r":1.5,"s":"x","b":false,"n":null,"a":[1],"o":{"k":1}}"#).rootNode
        #expect(root["i"]?.int == 3 && root["i"]?.string == nil && root["i"]?.double == 3)
        #expect(root["r"]?.int == nil && root["r"]?.double == 1.5)
        #expect(root["b"]?.bool == false && root["n"]?.isNull == true && root["n"]?.bool == nil)
        #expect(root["a"]?.count == 1 && root["o"]?.keys == ["k"])
        #expect(root["s"]?["k"] == nil && root["o"]?[0] == nil && root["a"]?[5] == nil && root["a"]?[-1] == nil)
        #expect(root["missing"] == nil)
        #expect(root.keys == ["i", "r", "s", "b", "n", "a", "o"])
    }
}
