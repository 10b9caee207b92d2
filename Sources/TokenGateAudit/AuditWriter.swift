// SPDX-License-Identifier: Apache-2.0
import Foundation
import Logging
import Synchronization

/// Takes audit events from request paths and gets every one of them into the store.
///
/// `enqueue` never blocks on the database: it puts the event in a bounded in-memory queue (or, when
/// that is full, appends it to the local spool). A dedicated thread — not a Swift concurrency
/// executor and not an event loop, because SQLite and libpq calls block — writes batches in one
/// transaction each. When the store fails, batches go to the spool, and once it answers again the
/// spool is replayed; ids make that replay idempotent. Only when the spool cannot be written either
/// (a full disk) is an event dropped, counted in ``AuditMetrics/dropped`` and logged.
///
/// Lifecycle: the server calls ``run()`` in its service group (it returns after ``shutdown()`` or
/// when its task is cancelled, having drained the queue), ``flush()`` when it needs the trail
/// current, and ``shutdown()`` on SIGTERM.
public final class AuditWriter: Sendable {
    public let store: any AuditStore
    public let configuration: AuditWriterConfiguration
    let spool: AuditSpool
    let queue: AuditQueue
    let counters = AuditCounters()
    let clusterChecks = ClusterCheckBuffer()
    /// Times the writer thread came out of its wait: an idle writer must keep this still (tests).
    let loopPasses = Atomic<Int>(0)
    let logger: Logger
    private let started = Atomic<Bool>(false)
    private let lastDropLog = Atomic<Int64>(0)

    /// - Throws: ``AuditError`` when the spool directory cannot be created.
    public init(store: any AuditStore, configuration: AuditWriterConfiguration,
                logger: Logger = Logger(label: "tokengate.audit")) throws {
        self.store = store
        self.configuration = configuration
        self.spool = try AuditSpool(directory: configuration.spoolDirectory)
        self.queue = AuditQueue(capacity: configuration.queueCapacity)
        self.logger = logger
    }

    /// Records an event. Returns at once: never waits for the database, never throws.
    ///
    /// When the queue is full the event is appended to the spool file instead (one small local
    /// `write`, no fsync), so a slow database costs disk space, not requests and not events.
    public func enqueue(_ event: AuditEvent) {
        counters.enqueued.add(1)
        if queue.offer(event) { return }
        counters.overflowed.add(1)
        spoolOrDrop([event], sync: false)
    }

    /// Notes the outcome of a JWKS fetch or TokenReview. Returns at once, like ``enqueue(_:)``: the
    /// check is folded into an in-memory entry per cluster and kind, and the writer thread stores
    /// those at most every ``AuditWriterConfiguration/clusterCheckInterval`` seconds, in their own
    /// table (not the events table). Checks are not spooled: while the store is down they wait in
    /// memory, and a crash loses at most the latest interval's, which the next call replaces anyway.
    public func note(_ check: ClusterCheck) {
        if clusterChecks.note(check) { queue.wake() }
    }

    /// Writes events to the spool; if even that fails, counts and logs them as dropped.
    func spoolOrDrop(_ events: [AuditEvent], sync: Bool) {
        do {
            try spool.append(events, sync: sync)
            counters.spooled.add(events.count)
        } catch {
            counters.dropped.add(events.count)
            let now = AuditTime.now().seconds
            let last = lastDropLog.load(ordering: .relaxed)
            // At most one error line per 10 s: a full disk must not also flood the log.
            if now - last >= 10, lastDropLog.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged {
                logger.error("audit events dropped: the store is unavailable and the spool cannot be written",
                    metadata: ["error": "\(error)", "dropped_total": "\(counters.dropped.load(ordering: .relaxed))"])
            }
        }
    }

    /// Current counters and gauges.
    public var metrics: AuditMetrics {
        var snapshot = counters.snapshot()
        snapshot.queueDepth = queue.depth
        snapshot.queueCapacity = queue.capacity
        snapshot.spoolBytes = spool.bytes
        return snapshot
    }

    /// Starts the writer thread if it is not running yet, and returns at once.
    public func start() {
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return
        }
        let thread = Thread { [self] in
            self.writerLoop()
            self.queue.markFinished()
        }
        thread.name = "tokengate-audit-writer"
        thread.start()
    }

    /// Runs the writer (starting it if needed) until ``shutdown()`` is called or the calling task is
    /// cancelled, then returns once the queue is drained (into the store, or the spool if it is down).
    public func run() async {
        start()
        await withTaskCancellationHandler {
            await queue.waitForFinish()
        } onCancel: {
            queue.stop()
        }
    }

    /// Waits until every event enqueued before this call is in the store or the spool. Without a
    /// running writer it moves the queue to the spool instead.
    public func flush() async {
        if started.load(ordering: .acquiring) {
            await queue.waitForFlush()
        } else {
            drainToSpool()
        }
    }

    /// Stops the writer after it has drained the queue, and waits for that. Events enqueued after
    /// this go straight to the spool (nothing is lost during shutdown) and are stored on next start.
    public func shutdown() async {
        queue.stop()
        if started.load(ordering: .acquiring) {
            await queue.waitForFinish()
        } else {
            drainToSpool()
        }
    }

    private func drainToSpool() {
        let events = queue.drainAll()
        if !events.isEmpty { spoolOrDrop(events, sync: true) }
        queue.complete(events.count)
    }
}
