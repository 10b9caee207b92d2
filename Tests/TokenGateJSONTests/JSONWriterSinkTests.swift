// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateJSON

/// Has SwiftNIO's `ByteBuffer.writeBytes` overloads, so the empty conformance below proves the
/// server's `extension ByteBuffer: JSONByteSink {}` will compile.
private struct ByteBufferShaped: JSONByteSink {
    var storage: [UInt8] = []

    @discardableResult
    mutating func writeBytes<Bytes: Sequence>(_ bytes: Bytes) -> Int where Bytes.Element == UInt8 {
        let before = storage.count
        storage.append(contentsOf: bytes)
        return storage.count - before
    }

    @discardableResult
    mutating func writeBytes(_ bytes: UnsafeRawBufferPointer) -> Int {
        storage.append(contentsOf: bytes)
        return bytes.count
    }
}

@Suite("JSON writer: raw UTF-8, request values copied verbatim, other sinks")
struct JSONWriterSinkTests {
    @Test("raw UTF-8 is written when Jansson would read it as a string, refused with nothing written otherwise")
    func rawUTF8() throws {
        for sequence in JSONEdgeCases.utf8 + [Array("plain \u{1} é".utf8), []] {
            let bytes = [UInt8(ascii: "a")] + sequence
            let janssonReads = (try? JSONDocument.parse([UInt8(ascii: "\"")] + bytes.map { $0 < 0x20 ? UInt8(ascii: "_") : $0 } + [UInt8(ascii: "\"")])) != nil
            var writer = JSONWriter(into: [UInt8(ascii: "[")])
            let refusal = bytes.withUnsafeBytes { raw -> JSONError? in
                do throws(JSONError) { try writer.string(utf8: raw); return nil } catch { return error }
            }
            switch refusal {
            case nil:
                #expect(janssonReads, "\(sequence)")
                writer.endArray()
                let parsed = try JSONDocument.parse(writer.sink).rootNode[0]?.string
                #expect(parsed.map { Array($0.utf8) } == bytes, "\(sequence)")
            case let error?:
                #expect(!janssonReads && error.code == .encoding, "\(sequence): \(error)")
                #expect(writer.sink == [UInt8(ascii: "[")])
            }
        }
    }

    @Test("values from a parsed request are copied as sent, also inside base64")
    func verbatimValues() throws {
        let bytes = try JSONFixtures.bytes(JSONFixtures.deploymentReview)
        let view = try JSONView.parse(bytes)
        let object = try #require(view.root.at("/request/object"))
        let uid = try #require(view.root.at("/request/uid"))
        var writer = JSONWriter(into: [UInt8]())
        writer.array { w in
            w.value(object)
            w.base64String { w in w.array { w in w.value(object); w.value(uid) } }
        }
        let jansson = try JSONDocument.parse(bytes).rootNode
        let written = try JSONDocument.parse(writer.sink).rootNode
        #expect(try written[0].map { $0.isEqual(to: try #require(jansson.at("/request/object"))) } == true)
        let inner = try JSONDocument.parse(Base64.decode(try #require(written[1]?.string))).rootNode
        #expect(try inner[0].map { $0.isEqual(to: try #require(jansson.at("/request/object"))) } == true)
        #expect(inner[1]?.string == jansson.at("/request/uid")?.string)
    }

    @Test("any sink shaped like NIO's ByteBuffer takes the same bytes as an array")
    func otherSinks() {
        var buffer = JSONWriter(into: ByteBufferShaped())
        var array = JSONWriter(into: [UInt8]())
        let value: JSON = ["a": [1, "x\n", nil], "b": ["c": true]]
        buffer.object { w in w.key("v"); w.json(value); w.key("p"); w.base64String { w in w.json(value) } }
        array.object { w in w.key("v"); w.json(value); w.key("p"); w.base64String { w in w.json(value) } }
        #expect(buffer.sink.storage == array.sink && !array.sink.isEmpty)
    }
}
