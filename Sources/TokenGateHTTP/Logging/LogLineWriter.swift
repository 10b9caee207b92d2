// SPDX-License-Identifier: Apache-2.0
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes log lines to a file descriptor from its own thread, so logging never blocks a request.
///
/// A request appends its line to a bounded buffer under a short lock and returns; the writer
/// thread swaps the buffer out and writes everything gathered in one `write(2)`. When the reader
/// of standard error falls behind (a stalled log pipe) the buffer fills, and further lines are
/// dropped and counted (`tokengate_log_lines_dropped_total`) instead of stalling an event loop.
/// Whole lines only: a line either goes in entirely or is dropped, so lines never interleave.
public final class LogLineWriter: @unchecked Sendable {
    /// Standard error, where `tokengate serve` logs; flushed when the process exits.
    public static let standardError: LogLineWriter = {
        let writer = LogLineWriter(descriptor: 2, capacity: 4 << 20)
        atexit { LogLineWriter.standardError.flush() }
        return writer
    }()

    /// How long the writer waits after the first line of a batch: short enough that a person
    /// tailing the log sees no delay, long enough to batch thousands of requests a second.
    static let gatherSeconds = 0.002

    private let descriptor: Int32
    private let capacity: Int
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var pending: [UInt8] = []
    private var appended: UInt64 = 0
    private var written: UInt64 = 0
    private var droppedLines: UInt64 = 0
    private var threadStarted = false

    public init(descriptor: Int32, capacity: Int) {
        self.descriptor = descriptor
        self.capacity = capacity
        pending.reserveCapacity(min(capacity, 64 << 10))
    }

    /// Queues one complete line (its trailing newline included), or drops it when the buffer is full.
    public func append(_ line: [UInt8]) {
        condition.lock()
        defer { condition.unlock() }
        guard pending.count + line.count <= capacity else {
            droppedLines += 1
            return
        }
        let wasEmpty = pending.isEmpty
        pending.append(contentsOf: line)
        appended += UInt64(line.count)
        if !threadStarted {
            threadStarted = true
            // The thread holds the writer for the life of the process, as the process's stderr writer lives.
            let thread = Thread { self.run() }
            thread.name = "tokengate-log"
            thread.start()
        }
        if wasEmpty { condition.signal() }
    }

    /// Lines dropped because the buffer was full.
    public var dropped: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return droppedLines
    }

    /// Waits until every line appended before the call has been written (bounded: a stalled
    /// reader cannot hold the process at exit for more than a few seconds).
    public func flush() {
        condition.lock()
        defer { condition.unlock() }
        let target = appended
        let deadline = Date(timeIntervalSinceNow: 5)
        condition.broadcast()  // end the writer's gathering nap
        while written < target {
            if !threadStarted { return }
            if !condition.wait(until: deadline) { return }
        }
    }

    /// Prometheus exposition lines for the drop counter.
    public var metricsText: String {
        "# HELP tokengate_log_lines_dropped_total Log lines dropped because standard error was not read fast enough.\n"
            + "# TYPE tokengate_log_lines_dropped_total counter\ntokengate_log_lines_dropped_total \(dropped)\n"
    }

    private func run() {
        var batch: [UInt8] = []
        batch.reserveCapacity(64 << 10)
        while true {
            condition.lock()
            while pending.isEmpty { condition.wait() }
            // Gather for a moment before writing: under load one wake-up (and one write) then
            // carries many lines instead of one thread switch per request. Appenders signal only
            // an empty buffer, so nothing wakes this nap early but a flush.
            if pending.count < 32 << 10 { _ = condition.wait(until: Date(timeIntervalSinceNow: Self.gatherSeconds)) }
            swap(&batch, &pending)
            condition.unlock()
            writeAll(batch)
            condition.lock()
            written += UInt64(batch.count)
            condition.broadcast()
            condition.unlock()
            batch.removeAll(keepingCapacity: true)
        }
    }

    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let result = Glibc.write(descriptor, base + offset, raw.count - offset)
                if result < 0 {
                    if errno == EINTR { continue }
                    return  // nowhere to report a failing stderr; the lines are lost, as with a plain write
                }
                offset += result
            }
        }
    }
}
