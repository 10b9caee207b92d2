// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a JSON-lines file (a spool segment, an import) in batches, remembering its position so a
/// replay interrupted by another outage resumes where it stopped.
///
/// A line that does not parse (a torn write from a crash, a hand edit) is counted and skipped: one
/// bad line must not block the thousands of good ones behind it.
final class AuditLineReader {
    let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private(set) var badLines = 0
    private(set) var lastBadLine: String?
    private var lineNumber = 0

    init(path: String) throws {
        self.path = path
        fd = path == "-" ? dup(0) : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AuditSpool.ioError("cannot read \(path)") }
    }

    deinit { close(fd) }

    /// Up to `max` events; an empty array at the end of the file.
    func next(max: Int) throws -> [AuditEvent] {
        var events: [AuditEvent] = []
        while events.count < max {
            guard let line = try nextLine() else { break }
            lineNumber += 1
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            do {
                events.append(try AuditEvent.parse(line: line))
            } catch {
                badLines += 1
                lastBadLine = "\(path):\(lineNumber): \(error)"
            }
        }
        return events
    }

    private func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[start..<newline]
                start = newline + 1
                return line
            }
            if atEnd {
                if start >= buffer.count { return nil }
                let line = buffer[start...]
                start = buffer.count
                return line
            }
            // Keep only the unfinished line before reading more.
            buffer.removeSubrange(..<start)
            start = 0
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw AuditSpool.ioError("cannot read \(path)")
            }
            if n == 0 { atEnd = true } else { buffer += chunk[..<n] }
        }
    }
}
