// SPDX-License-Identifier: Apache-2.0
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes log lines to a file descriptor without ever blocking a request.
///
/// When lines are few, a line is written at once, in one `write(2)`, when that cannot block:
/// nothing is queued ahead of it, it fits in one atomic pipe write (4 KiB), and `poll` says the
/// descriptor has room. So a line is on stderr before the response that it describes is sent,
/// and lines keep their order. When lines come close together (the previous one less than
/// ``busyGapNanoseconds`` ago: thousands a second, a server under load), two syscalls per line
/// would be a tenth of a cached token exchange's cost, so they go to a bounded buffer instead,
/// and a background thread writes what gathered over ``coalesceMicroseconds`` in one `write(2)`.
/// The same buffer takes lines while stderr stalls (a log pipe nobody reads); once it is full,
/// further lines are dropped and counted (`tokengate_log_lines_dropped_total`) instead of stalling
/// an event loop. Whole lines only: a line either goes out entirely or is dropped, so lines
/// never interleave, and they keep their order either way.
public final class LogLineWriter: @unchecked Sendable {
    /// Standard error, where `tokengate serve` logs; flushed when the process exits.
    public static let standardError: LogLineWriter = {
        let writer = LogLineWriter(descriptor: 2, capacity: 4 << 20)
        atexit { LogLineWriter.standardError.flush() }
        return writer
    }()

    /// The largest write a pipe takes atomically, and so without blocking once `poll` says it has room.
    static let atomicWrite = 4096
    /// A line that follows the previous one this closely is queued, not written at once.
    static let busyGapNanoseconds: UInt64 = 100_000
    /// How long the writer thread lets a batch gather before writing it: lines under load reach
    /// stderr at most this much later than they would one by one.
    static let coalesceMicroseconds: UInt32 = 1_000

    private let descriptor: Int32
    private let capacity: Int
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var pending: [UInt8] = []
    /// True while the writer thread writes a batch it took out of `pending`.
    private var writing = false
    private var appended: UInt64 = 0
    private var written: UInt64 = 0
    private var droppedLines: UInt64 = 0
    private var threadStarted = false
    /// When the previous line was appended (monotonic nanoseconds).
    private var lastAppend: UInt64 = 0
    /// `write(2)` calls made, for tests of the batching.
    private var writeCalls: UInt64 = 0

    public init(descriptor: Int32, capacity: Int) {
        self.descriptor = descriptor
        self.capacity = capacity
    }

    /// Writes one complete line (its trailing newline included) now if that cannot block;
    /// otherwise queues it for the writer thread, or drops it when the queue is full.
    public func append(_ line: [UInt8]) {
        let now = Self.monotonicNanoseconds()
        condition.lock()
        defer { condition.unlock() }
        let busy = now &- lastAppend < Self.busyGapNanoseconds
        lastAppend = now
        if !busy, pending.isEmpty, !writing, line.count <= Self.atomicWrite, hasRoom() {
            let done = writeOnce(line)
            if done == line.count {
                appended += UInt64(line.count)
                written += UInt64(line.count)
                return
            }
            // A short write (a full disk, a signal): the rest goes through the queue, in order.
            appended += UInt64(done)
            written += UInt64(done)
            enqueue(line[max(0, done)...])
            return
        }
        guard pending.count + line.count <= capacity else {
            droppedLines += 1
            return
        }
        enqueue(line[...])
    }

    private func enqueue(_ bytes: ArraySlice<UInt8>) {
        let wasEmpty = pending.isEmpty
        pending.append(contentsOf: bytes)
        appended += UInt64(bytes.count)
        if !threadStarted {
            threadStarted = true
            // The thread holds the writer for the life of the process, as the process's stderr writer lives.
            let thread = Thread { self.run() }
            thread.name = "tokengate-log"
            thread.start()
        }
        if wasEmpty { condition.signal() }
    }

    /// `write(2)` calls made so far.
    var writes: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return writeCalls
    }

    /// Lines dropped because the buffer was full, or lost to a failed write.
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
        while written < target {
            if !threadStarted { return }
            if !condition.wait(until: deadline) { return }
        }
    }

    /// Prometheus exposition lines for the drop counter.
    public var metricsText: String {
        "# HELP tokengate_log_lines_dropped_total Log lines dropped because standard error was not read fast enough or could not be written.\n"
            + "# TYPE tokengate_log_lines_dropped_total counter\ntokengate_log_lines_dropped_total \(dropped)\n"
    }

    /// Whether a write of up to ``atomicWrite`` bytes would not block now.
    private func hasRoom() -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        return poll(&entry, 1, 0) == 1 && entry.revents & Int16(POLLOUT) != 0
    }

    /// One `write(2)`, retried only on EINTR; returns how many bytes went out (0 on error).
    private func writeOnce(_ bytes: [UInt8]) -> Int {
        writeCalls += 1
        return bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return 0 }
            while true {
                let result = Glibc.write(descriptor, base, raw.count)
                if result >= 0 { return result }
                if errno != EINTR { return 0 }
            }
        }
    }

    private static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    private func run() {
        var batch: [UInt8] = []
        while true {
            condition.lock()
            while pending.isEmpty { condition.wait() }
            // Let the batch gather. Lines appended meanwhile queue behind it (pending is not
            // empty), so none is written ahead of an older one.
            condition.unlock()
            usleep(Self.coalesceMicroseconds)
            condition.lock()
            swap(&batch, &pending)
            writing = true
            condition.unlock()
            writeAll(batch)
            condition.lock()
            writing = false
            written += UInt64(batch.count)
            condition.broadcast()
            condition.unlock()
            batch.removeAll(keepingCapacity: true)
        }
    }

    private func writeAll(_ bytes: [UInt8]) {
        var calls: UInt64 = 0
        var lost: UInt64 = 0
        defer {
            condition.lock()
            writeCalls += calls
            droppedLines += lost
            condition.unlock()
        }
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                calls += 1
                let result = Glibc.write(descriptor, base + offset, raw.count - offset)
                if result < 0 {
                    if errno == EINTR { continue }
                    // Nowhere to report a failing stderr (a full disk, EFBIG past `ulimit -f`): the
                    // lines are lost, and counted with the dropped ones. A line cut short counts too.
                    lost = UInt64(raw[offset...].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) })
                    return
                }
                offset += result
            }
        }
    }
}
