// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateJSON

@Suite("JSON writer: one pass into a byte sink, escapes, base64 streaming")
struct JSONWriterTests {
    private func text(_ body: (inout JSONWriter<[UInt8]>) -> Void) -> String {
        var writer = JSONWriter(into: [UInt8]())
        body(&writer)
        return String(decoding: writer.sink, as: UTF8.self)
    }

    @Test("commas and colons fall where they belong, including around empty containers")
    func structure() {
        #expect(text { w in
            w.object { w in
                w.key("a"); w.array { w in w.int(1); w.bool(true); w.null(); w.string("x") }
                w.key("b"); w.object { _ in }
                w.key("c"); w.array { w in w.array { _ in }; w.object { _ in }; w.array { w in w.array { _ in } } }
            }
        } == #"{"a":[1,true,null,"x"],"b":{},"c":[[],{},[[]]]}"#)
        #expect(text { w in w.int(7) } == "7")
        #expect(text { w in w.array { w in w.string(""); w.base64String(bytes: UnsafeRawBufferPointer(start: nil, count: 0)); w.int(0) } } == #"["","",0]"#)
    }

    @Test("numbers: Int64 at both ends, doubles that read back, and no infinity or NaN")
    func numbers() {
        #expect(text { w in w.array { w in w.int(Int64.min); w.int(Int64.max); w.int(0); w.int(-7) } }
            == "[-9223372036854775808,9223372036854775807,0,-7]")
        #expect(text { w in w.array { w in w.double(1.5); w.double(-0.0); w.double(1e300); w.double(.leastNonzeroMagnitude) } }
            == "[1.5,-0.0,1e+300,5e-324]")
        #expect(text { w in w.array { w in w.double(.infinity); w.double(-.infinity); w.double(.nan) } } == "[0.0,0.0,0.0]")
    }

    @Test("every C0 control is escaped as Jansson escapes it; DEL, U+2028/2029 and non-ASCII stay raw")
    func escapes() {
        let controls = String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar(UInt8($0)) }))
        let expected = #"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000B\f\r\u000E\u000F"#
            + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F"#
        #expect(text { w in w.string(controls) } == "\"\(expected)\"")
        #expect(text { w in w.object { w in w.key("q\"b\\s/"); w.string("\u{7F}\u{2028}\u{2029}é😀") } }
            == "{\"q\\\"b\\\\s/\":\"\u{7F}\u{2028}\u{2029}é😀\"}")
        #expect(JSON.string(controls + "\"\\").jsonText == text { w in w.string(controls + "\"\\") })
    }

    @Test("random values read back equal through Jansson; without doubles the bytes are Jansson's own")
    func randomValues() throws {
        var values = RandomJSONValue(seed: 0x5EED_0101)
        for index in 0..<1500 {
            values.doubles = index % 2 == 0
            let value = values.value(depth: 4)
            var writer = JSONWriter(into: [UInt8]())
            writer.json(value)
            let parsed = try JSONDocument.parse(writer.sink)
            #expect(value.isEqual(to: parsed.rootNode), "#\(index): \(String(decoding: writer.sink, as: UTF8.self))")
            if !values.doubles { #expect(writer.sink == value.serialized(), "#\(index)") }
        }
    }

    @Test("a base64 string of a nested value decodes to exactly what a direct write gives")
    func base64OfNestedValues() throws {
        var values = RandomJSONValue(seed: 0x5EED_0102)
        for index in 0..<600 {
            let value = values.value(depth: 3)
            var direct = JSONWriter(into: [UInt8]())
            direct.json(value)
            var wrapped = JSONWriter(into: [UInt8]())
            wrapped.object { w in
                w.key("uid"); w.string("u")
                w.key("patch"); w.base64String { w in w.json(value) }
                w.key("after"); w.int(index)
            }
            let response = try JSONDocument.parse(wrapped.sink).rootNode
            let patch = try #require(response["patch"]?.string)
            #expect(patch == Base64.encode(direct.sink), "#\(index)")
            #expect(try Base64.decode(patch) == direct.sink)
            #expect(response["after"]?.int == Int64(index) && response.count == 3)
        }
    }

    @Test("the stream encoder gives Base64.encode's output whatever the pieces", arguments: [1, 2, 3, 4, 7, 64, 500])
    func streamPieces(_ largest: Int) {
        var random = SeededGenerator(seed: UInt64(largest))
        for length in [0, 1, 2, 3, 4, 5, 191, 192, 193, 1000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            var encoder = Base64StreamEncoder()
            var out: [UInt8] = []
            var index = 0
            bytes.withUnsafeBytes { raw in
                while index < length {
                    let piece = min(Int.random(in: 0...largest, using: &random), length - index)
                    encoder.encode(UnsafeRawBufferPointer(rebasing: raw[index..<(index + piece)]), into: &out)
                    index += piece
                }
            }
            encoder.finish(into: &out)
            #expect(String(decoding: out, as: UTF8.self) == Base64.encode(bytes), "length \(length)")
        }
    }
}
