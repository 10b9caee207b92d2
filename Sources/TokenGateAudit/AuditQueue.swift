// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The bounded hand-off between request paths and the writer thread.
///
/// `offer` takes a lock for a few instructions and never waits, so it is safe on an event loop.
/// The writer thread blocks in `take` on a condition variable and leaves with everything queued in
/// one swap of arrays: no event is copied, moved or released one at a time under the lock, so the
/// lock is held as briefly when ten thousand events wait as when one does. Completion is counted
/// in sequence numbers so `flush()` can wait for exactly the events offered before it was called.
final class AuditQueue: @unchecked Sendable {
    /// Events that may wait to be taken. The writer holds at most one hand-off besides (what it
    /// took last, up to `capacity` events), so at most twice this many are in memory.
    let capacity: Int
    // All fields below are guarded by `condition`.
    private let condition = NSCondition()
    /// Offered and not yet taken, oldest first.
    private var pending: [AuditEvent] = []
    /// An empty array with the capacity of an earlier hand-off (see ``recycle(_:)``): the next
    /// `take` puts it in place of `pending`, so neither side grows a buffer from scratch each batch.
    private var spare: [AuditEvent] = []
    private var offered: UInt64 = 0
    private var completed: UInt64 = 0
    private var stopping = false
    private var urgent = false
    /// Set by ``wake()``: the writer has work besides events (cluster checks) and must recompute
    /// how long it may sleep.
    private var woken = false
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
    }

    /// Adds the event if there is room; false when full (the caller spools it instead).
    func offer(_ event: AuditEvent) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard pending.count < capacity, !closed else { return false }
        pending.append(event)
        offered += 1
        if pending.count == 1 || pending.count == wanted { condition.signal() }
        return true
    }

    /// Events waiting to be taken.
    var depth: Int {
        condition.lock()
        defer { condition.unlock() }
        return pending.count
    }

    /// Waits up to `idle` seconds for a first event, then up to `fill` seconds more for `max` of
    /// them, and takes every queued event (possibly more than `max`: the writer splits them into
    /// batches). Returns early when a flush or stop is requested. `last` is true when stopping and
    /// nothing is left: the writer's final call. Give the array back with ``recycle(_:)``.
    func take(max: Int, idle: Double, fill: Double) -> (events: [AuditEvent], last: Bool) {
        condition.lock()
        defer { condition.unlock() }
        wanted = max
        var deadline = Date(timeIntervalSinceNow: idle)
        while pending.isEmpty, !stopping, !urgent, !woken {
            if !condition.wait(until: deadline) { break }
        }
        woken = false
        if !pending.isEmpty && pending.count < max {
            deadline = Date(timeIntervalSinceNow: fill)
            while pending.count < max, !stopping, !urgent {
                if !condition.wait(until: deadline) { break }
            }
        }
        urgent = false
        var events = spare
        spare = []
        swap(&events, &pending)
        if stopping && pending.isEmpty { closed = true }
        return (events, closed)
    }

    /// Takes back an array `take` handed out, once its events are completed, to be filled again.
    /// Its events are released here, before the lock is taken.
    func recycle(_ events: consuming [AuditEvent]) {
        var buffer = events
        buffer.removeAll(keepingCapacity: true)
        condition.lock()
        if buffer.capacity > spare.capacity { swap(&buffer, &spare) }
        condition.unlock()
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

    /// Wakes a writer waiting for a first event, without an event: it has other work now.
    func wake() {
        condition.lock()
        woken = true
        condition.signal()
        condition.unlock()
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
        swap(&events, &pending)
        return events
    }
}
