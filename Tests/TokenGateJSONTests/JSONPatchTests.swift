// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateJSON

@Suite("JSON Patch (RFC 6902): building, serializing, applying")
struct JSONPatchTests {
    let pod = #"{"metadata":{"annotations":{"a":"1"}},"spec":{"volumes":[{"name":"v0"},{"name":"v1"},{"name":"v2"}],"containers":[{"name":"c"}]}}"#

    @Test("operations serialize compactly with escaped paths, and base64 is standard with padding")
    func serializes() throws {
        var patch = JSONPatch()
        patch.append(.add("/metadata/annotations" / "tokengate.io/projected", "api;600"))
        patch.append(.remove(JSONPointer(tokens: ["spec", "volumes", "0"])))
        patch.append(.replace("/spec/automountServiceAccountToken", false))
        patch.append(.test("/spec/x", nil))
        let text = String(decoding: patch.serialized(), as: UTF8.self)
        #expect(text == #"[{"op":"add","path":"/metadata/annotations/tokengate.io~1projected","value":"api;600"},{"op":"remove","path":"/spec/volumes/0"},{"op":"replace","path":"/spec/automountServiceAccountToken","value":false},{"op":"test","path":"/spec/x","value":null}]"#)
        #expect(try Base64.decode(patch.base64()) == patch.serialized())
        #expect(JSONPatch().base64() == "W10=")
    }

    @Test("add appends with -, inserts at an index, adds and replaces object members")
    func adds() throws {
        let document = try JSONDocument.parse(pod)
        let patch = JSONPatch([
            .add("/spec/volumes/-", ["name": "end"]),
            .add("/spec/volumes/0", ["name": "start"]),
            .add("/metadata/annotations/a", "replaced"),
            .add("/metadata/annotations/b~1c", "new"),
            .add("/spec/containers/0/volumeMounts", [["name": "end", "mountPath": "/x"]]),
        ])
        let result = try patch.apply(to: document.rootNode).rootNode
        #expect(result.at("/spec/volumes")?.elements.compactMap { $0["name"]?.string } == ["start", "v0", "v1", "v2", "end"])
        #expect(result.at("/metadata/annotations/a")?.string == "replaced")
        #expect(result.at("/metadata/annotations")?["b/c"]?.string == "new")
        #expect(result.at("/spec/containers/0/volumeMounts/0/mountPath")?.string == "/x")
        // The input is untouched.
        #expect(document.rootNode.at("/spec/volumes")?.count == 3)
    }

    @Test("removes in descending index order keep the right elements")
    func removesDescending() throws {
        let document = try JSONDocument.parse(pod)
        let patch = JSONPatch([.remove("/spec/volumes/2"), .remove("/spec/volumes/0")])
        let result = try patch.apply(to: document.rootNode).rootNode
        #expect(result.at("/spec/volumes")?.elements.compactMap { $0["name"]?.string } == ["v1"])
    }

    @Test("failures name the operation and never half-apply", arguments: [
        #"[{"op":"replace","path":"/spec/missing","value":1}]"#,
        #"[{"op":"remove","path":"/spec/volumes/3"}]"#,
        #"[{"op":"add","path":"/nope/x","value":1}]"#,
        #"[{"op":"add","path":"/spec/volumes/4","value":1}]"#,
        #"[{"op":"add","path":"/spec/volumes/01","value":1}]"#,
        #"[{"op":"test","path":"/metadata/annotations/a","value":"2"}]"#,
        #"[{"op":"remove","path":""}]"#,
        #"[{"op":"add","path":"/metadata/annotations/a/x","value":1}]"#,
    ])
    func failures(_ text: String) throws {
        let document = try JSONDocument.parse(pod)
        let patch = try JSONPatch(parsing: JSONDocument.parse(text).rootNode)
        let error = #expect(throws: JSONError.self) { try patch.apply(to: document.rootNode) }
        #expect(error?.code == .patch)
        #expect(error?.message.contains("patch operation 0") == true)
    }

    @Test("test succeeds on structural equality; replace on the root replaces the document")
    func testAndRoot() throws {
        let document = try JSONDocument.parse(pod)
        let patch = JSONPatch([.test("/spec/containers", [["name": "c"]]), .replace("", ["new": true])])
        #expect(try patch.apply(to: document.rootNode).rootNode.jsonText == #"{"new":true}"#)
    }

    @Test("parsing a patch reads every op, and refuses what it cannot apply")
    func parses() throws {
        let text = #"[{"op":"add","path":"/a~1b","value":{"x":[1]}},{"op":"remove","path":"/c"}]"#
        let patch = try JSONPatch(parsing: JSONDocument.parse(text).rootNode)
        #expect(patch.operations.count == 2)
        #expect(String(decoding: patch.serialized(), as: UTF8.self) == text)
        for bad in [#"{}"#, #"[1]"#, #"[{"op":"add","path":"/a"}]"#, #"[{"op":"move","from":"/a","path":"/b"}]"#, #"[{"op":"add","path":"a","value":1}]"#] {
            #expect(throws: JSONError.self) { try JSONPatch(parsing: JSONDocument.parse(bad).rootNode) }
        }
    }

    @Test("keys with NUL are addressed exactly")
    func nulKeys() throws {
        let document = try JSONDocument.parse(#"{"o":{"a":1}}"#)
        let patch = JSONPatch([.add(JSONPointer(tokens: ["o", "a\u{0}b"]), 2)])
        let result = try patch.apply(to: document.rootNode).rootNode
        #expect(result.at("/o/a")?.int == 1)
        #expect(result["o"]?["a\u{0}b"]?.int == 2)
    }
}
