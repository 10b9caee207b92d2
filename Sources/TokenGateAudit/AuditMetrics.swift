// SPDX-License-Identifier: Apache-2.0
import Synchronization

/// A snapshot of the writer's counters and gauges, for the server's `/metrics`.
public struct AuditMetrics: Sendable, Equatable {
    /// Events waiting in memory.
    public var queueDepth = 0
    public var queueCapacity = 0
    /// Events accepted by `enqueue` (into the queue or, when it was full, straight into the spool).
    public var enqueued: UInt64 = 0
    /// Events that went to the spool because the queue was full.
    public var overflowed: UInt64 = 0
    /// Rows newly inserted into the store (replays of known ids are not counted).
    public var stored: UInt64 = 0
    /// Events written to the spool (database down or queue full).
    public var spooled: UInt64 = 0
    /// Events read back from the spool and handed to the store.
    public var replayed: UInt64 = 0
    /// Events lost because neither the store nor the spool could take them (a full disk).
    public var dropped: UInt64 = 0
    /// Store writes that failed (each is retried or spooled; nothing is lost by one).
    public var writeErrors: UInt64 = 0
    /// Events the store refused as malformed, kept in `rejected.jsonl` in the spool directory.
    public var rejected: UInt64 = 0
    /// Unreadable spool lines skipped during replay.
    public var badSpoolLines: UInt64 = 0
    /// Bytes waiting in the spool.
    public var spoolBytes = 0
    /// Successful store batches and their total and latest duration.
    public var batches: UInt64 = 0
    public var batchSecondsTotal: Double = 0
    public var lastBatchSeconds: Double = 0
    /// Rows deleted by retention.
    public var pruned: UInt64 = 0
    /// Cluster-check row updates written (at most one per cluster and kind per interval).
    public var clusterChecks: UInt64 = 0
    /// Whether the last store operation succeeded.
    public var storeUp = true

    public init() {}

    /// Prometheus text exposition, ready to append to `/metrics`.
    public func prometheusText(prefix: String = "tokengate_audit") -> String {
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ value: String) {
            lines.append("# HELP \(prefix)_\(name) \(help)")
            lines.append("# TYPE \(prefix)_\(name) \(type)")
            lines.append("\(prefix)_\(name) \(value)")
        }
        metric("queue_depth", "gauge", "Audit events waiting in memory.", "\(queueDepth)")
        metric("queue_capacity", "gauge", "Capacity of the in-memory audit queue.", "\(queueCapacity)")
        metric("events_enqueued_total", "counter", "Audit events accepted.", "\(enqueued)")
        metric("events_overflowed_total", "counter", "Audit events spooled because the queue was full.", "\(overflowed)")
        metric("events_stored_total", "counter", "Audit events newly stored.", "\(stored)")
        metric("events_spooled_total", "counter", "Audit events written to the local spool.", "\(spooled)")
        metric("events_replayed_total", "counter", "Audit events replayed from the spool.", "\(replayed)")
        metric("events_dropped_total", "counter", "Audit events lost (disk full).", "\(dropped)")
        metric("events_rejected_total", "counter", "Audit events the store refused.", "\(rejected)")
        metric("write_errors_total", "counter", "Failed audit store writes.", "\(writeErrors)")
        metric("spool_bad_lines_total", "counter", "Unreadable spool lines skipped.", "\(badSpoolLines)")
        metric("spool_bytes", "gauge", "Bytes waiting in the audit spool.", "\(spoolBytes)")
        metric("batch_seconds_sum", "counter", "Total time spent in audit store batches.", "\(batchSecondsTotal)")
        metric("batch_seconds_count", "counter", "Audit store batches written.", "\(batches)")
        metric("last_batch_seconds", "gauge", "Duration of the latest audit store batch.", "\(lastBatchSeconds)")
        metric("pruned_total", "counter", "Audit events deleted by retention.", "\(pruned)")
        metric("cluster_check_updates_total", "counter", "Cluster JWKS/TokenReview check rows written.", "\(clusterChecks)")
        metric("store_up", "gauge", "1 when the audit store accepted the latest write.", storeUp ? "1" : "0")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The live counters behind ``AuditMetrics``; atomics so any thread can bump or read them.
final class AuditCounters: Sendable {
    let enqueued = Atomic<UInt64>(0)
    let overflowed = Atomic<UInt64>(0)
    let stored = Atomic<UInt64>(0)
    let spooled = Atomic<UInt64>(0)
    let replayed = Atomic<UInt64>(0)
    let dropped = Atomic<UInt64>(0)
    let writeErrors = Atomic<UInt64>(0)
    let rejected = Atomic<UInt64>(0)
    let badSpoolLines = Atomic<UInt64>(0)
    let batches = Atomic<UInt64>(0)
    let batchNanosTotal = Atomic<UInt64>(0)
    let lastBatchNanos = Atomic<UInt64>(0)
    let pruned = Atomic<UInt64>(0)
    let clusterChecks = Atomic<UInt64>(0)
    let storeUp = Atomic<Bool>(true)

    func snapshot() -> AuditMetrics {
        var m = AuditMetrics()
        m.enqueued = enqueued.load(ordering: .relaxed)
        m.overflowed = overflowed.load(ordering: .relaxed)
        m.stored = stored.load(ordering: .relaxed)
        m.spooled = spooled.load(ordering: .relaxed)
        m.replayed = replayed.load(ordering: .relaxed)
        m.dropped = dropped.load(ordering: .relaxed)
        m.writeErrors = writeErrors.load(ordering: .relaxed)
        m.rejected = rejected.load(ordering: .relaxed)
        m.badSpoolLines = badSpoolLines.load(ordering: .relaxed)
        m.batches = batches.load(ordering: .relaxed)
        m.batchSecondsTotal = Double(batchNanosTotal.load(ordering: .relaxed)) / 1e9
        m.lastBatchSeconds = Double(lastBatchNanos.load(ordering: .relaxed)) / 1e9
        m.pruned = pruned.load(ordering: .relaxed)
        m.clusterChecks = clusterChecks.load(ordering: .relaxed)
        m.storeUp = storeUp.load(ordering: .relaxed)
        return m
    }
}

extension Atomic where Value == UInt64 {
    func add(_ n: Int) {
        guard n > 0 else { return }
        wrappingAdd(UInt64(n), ordering: .relaxed)
    }
}
