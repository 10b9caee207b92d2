// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateJSON

/// ``JSONView/parseOnThisThread(_:limits:)-(UnsafeRawBufferPointer,_)``: the thread's parsers, one
/// per set of limits, and Jansson's wording for refusals when asked.
@Suite("JSON view: a parser per thread")
struct ThreadParserTests {
    @Test("each set of limits gets its own parser; views outlive later parses")
    func limitsAreKeptApart() throws {
        let deep = Array(String(repeating: "[", count: 20).utf8) + Array(String(repeating: "]", count: 20).utf8)
        #expect(throws: JSONError.self) { try JSONView.parseOnThisThread(deep, limits: JSONLimits(maxDepth: 16)) }
        #expect(try JSONView.parseOnThisThread(deep).root.isArray, "the default depth of 64 takes it")
        #expect(throws: JSONError.self) { try JSONView.parseOnThisThread(deep, limits: JSONLimits(maxDepth: 16)) }
        let first = try JSONView.parseOnThisThread(Array(#"{"a":"one"}"#.utf8))
        let second = try JSONView.parseOnThisThread(Array(#"{"a":"two"}"#.utf8))
        #expect(first.root["a"]?.string == "one" && second.root["a"]?.string == "two")
    }

    @Test("errorsAsDocument: a refusal reads as JSONDocument's, duplicate keys included")
    func janssonWording() throws {
        for text in [#"{"a":1,"a":2}"#, #"{"a":}"#, "", "[1,2"] {
            let bytes = Array(text.utf8)
            var expected: JSONError?
            do { _ = try JSONDocument.parse(bytes) } catch { expected = error as? JSONError }
            var got: JSONError?
            do { _ = try JSONView.parseOnThisThread(bytes, errorsAsDocument: true) } catch { got = error }
            #expect(got != nil && got == expected, "\(text): \(String(describing: got)) vs \(String(describing: expected))")
        }
    }

    @Test("parsers on other threads are their own")
    func otherThreads() async throws {
        try await withThrowingTaskGroup(of: Int64?.self) { group in
            for index in 0..<8 {
                group.addTask { try JSONView.parseOnThisThread(Array("{\"n\":\(index)}".utf8)).root["n"]?.int }
            }
            var seen: [Int64] = []
            for try await value in group { if let value { seen.append(value) } }
            #expect(seen.sorted() == Array(0..<8))
        }
    }
}
