// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The bounded hand-off between request paths and the writer thread.
///
/// `offer` takes a lock for a few instructions and never waits, so it is safe on an event loop.
/// The writer thread blocks in `take` on a condition variable. Completion is counted in sequence
/// numbers so `flush()` can wait for exactly the events offered before it was called.
final class AuditQueue: @unchecked Sendable {
    let capacity: Int
    // All fields below are guarded by `condition`.
    private let condition = NSCondition()
    private var ring: [AuditEvent?]
    private var head = 0
    private var count = 0
    private var offered: UInt64 = 0
    private var completed: UInt64 = 0
    private var stopping = false
    private var urgent = false
    /// The batch size the writer is waiting to fill: offers wake it at the first event and when a
    /// full batch is ready, not on every event in between.
    private var wanted = 1
    private var finished = false
    /// Set when the writer has taken its last batch: later offers go to the spool.
    private var closed = false
    private var flushWaiters: [(target: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
    private var finishWaiters: [CheckedContinuation<Void, Never>] = []

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        ring = Array(repeating: nil, count: self.capacity)
    }

    /// Adds the event if there is room; false when full (the caller spools it instead).
    func offer(_ event: AuditEvent) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard count < capacity, !closed else { return false }
        ring[(head + count) % capacity] = event
        count += 1
        offered += 1
        if count == 1 || count == wanted { condition.signal() }
        return true
    }

    var depth: Int {
        condition.lock()
        defer { condition.unlock() }
        return count
    }

    /// Waits up to `idle` seconds for a first event, then up to `fill` seconds more for a full batch
    /// of `max`, and takes at most `max`. Returns early when a flush or stop is requested. `last` is
    /// true when stopping and nothing is left: the writer's final call.
    func take(max: Int, idle: Double, fill: Double) -> (events: [AuditEvent], last: Bool) {
        condition.lock()
        defer { condition.unlock() }
        wanted = max
        var deadline = Date(timeIntervalSinceNow: idle)
        while count == 0, !stopping, !urgent {
            if !condition.wait(until: deadline) { break }
        }
        if count > 0 && count < max {
            deadline = Date(timeIntervalSinceNow: fill)
            while count < max, !stopping, !urgent {
                if !condition.wait(until: deadline) { break }
            }
        }
        urgent = false
        let taken = min(max, count)
        var events: [AuditEvent] = []
        events.reserveCapacity(taken)
        for _ in 0..<taken {
            if let event = ring[head] { events.append(event) }
            ring[head] = nil
            head = (head + 1) % capacity
        }
        count -= taken
        if stopping && count == 0 { closed = true }
        return (events, closed)
    }

    /// Records that `n` taken events are durable (in the store or the spool) and wakes flushers.
    func complete(_ n: Int) {
        condition.lock()
        completed += UInt64(n)
        let ready = flushWaiters.filter { $0.target <= completed }
        flushWaiters.removeAll { $0.target <= completed }
        condition.unlock()
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Suspends until every event offered before the call is durable.
    func waitForFlush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            if completed >= offered || finished {
                condition.unlock()
                continuation.resume()
                return
            }
            flushWaiters.append((offered, continuation))
            urgent = true
            condition.signal()
            condition.unlock()
        }
    }

    /// Asks the writer to drain and stop.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    /// Called by the writer thread as it exits; releases everyone waiting.
    func markFinished() {
        condition.lock()
        finished = true
        let flushers = flushWaiters
        let finishers = finishWaiters
        flushWaiters = []
        finishWaiters = []
        condition.unlock()
        for waiter in flushers { waiter.continuation.resume() }
        for waiter in finishers { waiter.resume() }
    }

    /// Suspends until the writer thread has exited.
    func waitForFinish() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            if finished {
                condition.unlock()
                continuation.resume()
                return
            }
            finishWaiters.append(continuation)
            condition.unlock()
        }
    }

    /// Removes everything queued (used when no writer runs, to spool it).
    func drainAll() -> [AuditEvent] {
        condition.lock()
        defer { condition.unlock() }
        var events: [AuditEvent] = []
        for _ in 0..<count {
            if let event = ring[head] { events.append(event) }
            ring[head] = nil
            head = (head + 1) % capacity
        }
        count = 0
        return events
    }
}
