// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateJSON

@Suite("JSON writer: patches and pointers written from the operations")
struct JSONWriterPatchTests {
    private func written(_ patch: JSONPatch) -> [UInt8] {
        var writer = JSONWriter(into: [UInt8]())
        writer.patch(patch)
        return writer.sink
    }

    @Test("every kind of operation, and pointers needing both escapes, give JSONPatch.serialized()'s bytes")
    func fixedOperations() {
        let patch = JSONPatch([
            .add("/metadata/annotations" / "tokengate.io/projected", "api;600"),
            .add(JSONPointer(tokens: ["a~b", "c/d", "~/~1", "\"q\"", "tab\there", "é\u{2028}😀", "", "\u{0}"]), ["k": [1, nil, true]]),
            .remove(JSONPointer(tokens: ["spec", "volumes", "0"])),
            .replace("/spec/automountServiceAccountToken", false),
            .test("/spec/x", nil),
            .add(JSONPointer(), [:]),
            .add("/spec/volumes/-", [["name": "v", "projected": ["defaultMode": 420, "sources": []]]]),
        ])
        #expect(written(patch) == patch.serialized())
        #expect(written(JSONPatch()) == Array("[]".utf8))
    }

    @Test("random operations with random paths and values give JSONPatch.serialized()'s bytes", arguments: 0..<20)
    func randomOperations(seed: UInt64) {
        var values = RandomJSONValue(seed: seed)
        values.doubles = false
        var operations: [JSONPatch.Operation] = []
        for index in 0..<8 {
            let path = JSONPointer(tokens: (0..<(index % 4)).map { _ in values.string(key: true) })
            switch index % 4 {
            case 0: operations.append(.add(path, values.value(depth: 3)))
            case 1: operations.append(.remove(path))
            case 2: operations.append(.replace(path, values.value(depth: 3)))
            default: operations.append(.test(path, values.value(depth: 3)))
            }
        }
        let patch = JSONPatch(operations)
        #expect(written(patch) == patch.serialized(), "seed \(seed)")
    }

    @Test("a patch streamed through base64String is JSONPatch.base64()")
    func base64() {
        let patch = JSONPatch([.add("/a~1b", ["x": "y"]), .remove("/c/0")])
        var writer = JSONWriter(into: [UInt8]())
        writer.base64String { w in w.patch(patch) }
        #expect(writer.sink == Array("\"\(patch.base64())\"".utf8))
    }
}
