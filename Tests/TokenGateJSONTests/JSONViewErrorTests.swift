// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateJSON

/// A webhook answers a bad body with the parser's message, so the view must say exactly what
/// Jansson says: same words, same line and column, same quoting.
@Suite("JSON view: rejected texts get Jansson's own message")
struct JSONViewErrorTests {
    static let head = #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":"#
    static let longKey = "app.kubernetes.io/managed-by"

    static let texts: [[UInt8]] = [
        Array((head + #"{"uid":"x","uid":"y"}}"#).utf8),
        Array((head + "{\n  \"uid\":\"x\",\n  \"uid\":\"y\"}}").utf8),
        Array((head + #"{"uid":"x","object":{"metadata":{"labels":{"\#(longKey)":"a","\#(longKey)":"b"}}}}}"#).utf8),
        Array((head + #"{"uid":"x","object":{"a":1,"éé":2,"éé":3}}}"#).utf8),
        Array((head + #"{"uid":"x","object":{"a":1,"\u0061":2}}}"#).utf8),
        Array((head + #"{"uid":"x","n":9223372036854775808}}"#).utf8),
        Array((head + #"{"uid":"x","n":-92233720368547758080000000}}"#).utf8),
        Array((head + #"{"uid":"x","a\u0000b":1}}"#).utf8),
        Array((head + #"{"uid":"x","a very long key with a NUL \u0000 inside":1}}"#).utf8),
        Array((head + #"{"uid":"x","s":""#).utf8) + [0xC3, 0x28] + Array(#""}}"#.utf8),
        Array((head + #"{"uid":"x","s":""#).utf8) + [0xFF] + Array(#""}}"#.utf8),
        Array((head + #"{"uid":"x","s":"\ud800"}}"#).utf8),
        Array((head + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "}").utf8),
        Array((head + #"{"uid":"x",}}"#).utf8),
        Array((head + #"{"uid":"x","a":1.5e400}}"#).utf8),
        [], Array("   ".utf8), Array("{} x".utf8),
    ]

    @Test("duplicate keys, NUL in keys, big integers, bad UTF-8, too deep, syntax", arguments: texts)
    func sameAsJansson(_ text: [UInt8]) {
        let jansson = #expect(throws: JSONError.self) { try JSONDocument.parse(text) }
        let view = #expect(throws: JSONError.self) { try JSONViewParser().parse(text) }
        #expect(view == jansson, "\(String(decoding: text, as: UTF8.self))")
    }

    @Test("the messages, spelled out for the cases whose words the view once built itself")
    func spelledOut() {
        func message(_ text: [UInt8]) -> String? {
            (#expect(throws: JSONError.self) { try JSONViewParser().parse(text) })?.message
        }
        #expect(message(Self.texts[1]) == "invalid JSON at line 3, column 7: duplicate object key near '\"uid\"'")
        #expect(message(Self.texts[2]) == "invalid JSON at line 1, column 179: duplicate object key")
        #expect(message(Self.texts[5]) == "invalid JSON at line 1, column 105: too big integer near '9223372036854775808'")
        #expect(message(Self.texts[7]) == "invalid JSON at line 1, column 92: NUL byte in object key not supported near '\"a\\u0000b\"'")
    }
}
