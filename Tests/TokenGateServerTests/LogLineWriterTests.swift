// SPDX-License-Identifier: Apache-2.0
import Foundation
import Logging
import Synchronization
import Testing
import TokenGateJSON
@testable import TokenGateHTTP
@testable import TokenGateService

@Suite("Log lines: one-pass JSON encoding and the writer thread that never blocks a request")
struct LogLineWriterTests {
    @Test("every control character, quote and backslash is escaped; the line parses back to the same text")
    func escaping() throws {
        let nasty = String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) }) + "\"\\ é 日本 \u{2028} 🙂"
        var encoder = LogLineEncoder()
        encoder.field("message", string: nasty)
        encoder.key("nested")
        encoder.value(.dictionary(["b": .array([.string("x\ny"), .stringConvertible(7)]), "a": .string("")]))
        let line = encoder.finish()
        #expect(line.last == 0x0A && !line.dropLast().contains(where: { $0 < 0x20 }))
        let root = try JSONDocument.parse(Array(line.dropLast())).rootNode
        #expect(root["message"]?.string == nasty)
        #expect(root["nested"]?["b"]?[0]?.string == "x\ny")
        #expect(root["nested"]?["b"]?[1]?.string == "7")
        #expect(root["nested"]?["a"]?.string == "")
    }

    @Test("lines reach the descriptor whole and in order, and flush waits for them")
    func orderAndFlush() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tokengate-log-\(UUID()).txt").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(fd >= 0)
        defer { close(fd); unlink(path) }
        let writer = LogLineWriter(descriptor: fd, capacity: 1 << 20)
        for index in 0..<5000 { writer.append(Array("line \(index)\n".utf8)) }
        writer.flush()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 5000)
        #expect(lines.enumerated().allSatisfy { $0.element == "line \($0.offset)" })
        #expect(writer.dropped == 0)
    }

    @Test("with room on the descriptor a line is written before append returns, so a log says why before the response goes")
    func writtenAtOnce() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let writer = LogLineWriter(descriptor: ends[1], capacity: 1 << 16)
        writer.append(Array("{\"message\":\"admission\"}\n".utf8))
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = read(ends[0], &buffer, buffer.count)  // no waiting: it must already be there
        #expect(String(decoding: buffer.prefix(max(0, count)), as: UTF8.self) == "{\"message\":\"admission\"}\n")
    }

    @Test("lines that come close together (a server under load) share write calls, keep their order, and a quiet line is written at once again")
    func burstsAreBatched() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let writer = LogLineWriter(descriptor: ends[1], capacity: 1 << 20)
        for index in 0..<1000 { writer.append(Array("line \(index)\n".utf8)) }
        writer.flush()
        let burstWrites = writer.writes
        // Appends take microseconds each, so all but the first few follow within the busy gap.
        #expect(burstWrites < 100, "1000 lines in a burst took \(burstWrites) write calls")
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        let count = read(ends[0], &buffer, buffer.count)
        let lines = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 1000)
        #expect(lines.enumerated().allSatisfy { $0.element == "line \($0.offset)" })
        // After a quiet spell a line goes out in its own write before append returns, as when idle.
        usleep(5_000)
        writer.append(Array("quiet\n".utf8))
        let quiet = read(ends[0], &buffer, buffer.count)  // no waiting: it must already be there
        #expect(String(decoding: buffer.prefix(max(0, quiet)), as: UTF8.self) == "quiet\n")
        #expect(writer.writes == burstWrites + 1)
    }

    @Test("lines that cannot be written (a full disk, EFBIG past ulimit -f) are counted as dropped")
    func failedWritesAreCounted() throws {
        let fd = open("/dev/null", O_RDONLY)  // every write fails with EBADF
        #expect(fd >= 0)
        defer { close(fd) }
        let writer = LogLineWriter(descriptor: fd, capacity: 1 << 16)
        for index in 0..<3 { writer.append(Array("line \(index)\n".utf8)) }
        writer.flush()
        #expect(writer.dropped == 3)
        #expect(writer.metricsText.contains("tokengate_log_lines_dropped_total 3"))
    }

    @Test("with nobody reading the pipe, appending still returns; whole lines are dropped and counted")
    func stalledReaderDropsInsteadOfBlocking() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        // Both ends stay open for the rest of the test process: the writer thread lives on (as the
        // process's stderr writer does) and must never see a closed pipe.
        let writer = LogLineWriter(descriptor: ends[1], capacity: 4096)
        let line = Array(String(repeating: "x", count: 99).utf8) + [0x0A]
        // The pipe (64 KiB) takes about 650 lines at once, the 4 KiB buffer 40 more; the rest must be dropped.
        for _ in 0..<5000 { writer.append(line) }
        #expect(writer.dropped > 3000)
        #expect(writer.metricsText.contains("tokengate_log_lines_dropped_total \(writer.dropped)"))
        // What did get through is whole lines only.
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let count = read(ends[0], &buffer, buffer.count)  // blocks until the writer thread has written
        #expect(count > 0 && count % line.count == 0)
    }
}
