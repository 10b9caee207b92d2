// SPDX-License-Identifier: Apache-2.0
import Synchronization
import Testing
@testable import TokenGateKubeClient

@Suite("Watch event lines")
struct LineSplitterTests {
    final class Lines: Sendable {
        let all = Mutex<[String]>([])
        func add(_ line: [UInt8]) { all.withLock { $0.append(String(decoding: line, as: UTF8.self)) } }
    }

    @Test("events cut anywhere by chunking come out whole, one per line; blank lines are skipped")
    func chunks() {
        let lines = Lines()
        let splitter = LineSplitter(maxLineBytes: 64) { lines.add($0) }
        let stream = Array(#"{"type":"ADDED"}"#.utf8) + [10, 10] + Array(#"{"type":"BOOKMARK"}"#.utf8) + [10] + Array(#"{"type":"DEL"#.utf8)
        for size in [1, 3, 7] {
            lines.all.withLock { $0 = [] }
            let splitter = LineSplitter(maxLineBytes: 64) { lines.add($0) }
            var index = 0
            while index < stream.count {
                splitter.append(Array(stream[index..<min(index + size, stream.count)]))
                index += size
            }
            #expect(lines.all.withLock { $0 } == [#"{"type":"ADDED"}"#, #"{"type":"BOOKMARK"}"#], "chunks of \(size)")
            #expect(!splitter.overflowed)
        }
        splitter.append(Array(#"{"a":1}"#.utf8) + [10])
        #expect(lines.all.withLock { $0 }.last == #"{"a":1}"#)
    }

    @Test("a line over the bound is dropped and reported, never buffered without limit")
    func bound() {
        let lines = Lines()
        let splitter = LineSplitter(maxLineBytes: 16) { lines.add($0) }
        for _ in 0..<10 { splitter.append([UInt8](repeating: UInt8(ascii: "x"), count: 10)) }
        #expect(splitter.overflowed)
        splitter.append(Array("tail\n".utf8))
        #expect(lines.all.withLock { $0 }.allSatisfy { $0.count <= 16 })
    }
}
