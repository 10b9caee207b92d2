// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import TokenGateAudit

extension AuditCommand {
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure the batch writer's sustained events/s against the single-row insert path (hack/bench-audit.sh).",
            shouldDisplay: false)

        @OptionGroup var store: AuditStoreOptions
        @Option(help: "Events through the writer (0: skip).") var events: Int = 100_000
        @Option(help: "Events through the single-row path (0: skip).") var single: Int = 2000
        @Option(help: "Writer batch size (default: the writer's own).") var batchSize: Int?
        @Option(help: "Spool directory for the writer.") var spool: String = NSTemporaryDirectory() + "/tokengate-bench-spool"
        @Option(help: "Events appended to a spool as the writer does while the store is down (0: skip).")
        var spoolEvents: Int = 0

        func run() async throws {
            let store = try store.open(create: true)
            let all = AuditBenchmark.events(count: events + single)
            let singleSeconds = try AuditBenchmark.singleRow(store: store, events: Array(all[events...]))
            let batch = batchSize ?? AuditWriterConfiguration(spoolDirectory: spool).batchSize
            let result = try await AuditBenchmark.writer(store: store, events: Array(all[..<events]),
                                                         spoolDirectory: spool, batchSize: batch)
            let singleRate = singleSeconds > 0 ? Double(single) / singleSeconds : 0
            let spoolSeconds = try AuditBenchmark.spool(events: AuditBenchmark.events(count: spoolEvents),
                                                        directory: spool + "/bench-spool-only", batchSize: batch)
            let spoolRate = spoolSeconds > 0 ? Double(spoolEvents) / spoolSeconds : 0
            print("store=\(store.kindName) writer_events=\(result.events) writer_seconds=\(fmt(result.seconds)) "
                + "writer_events_per_second=\(fmt(result.eventsPerSecond, 0)) overflowed=\(result.overflowed) "
                + "batch_size=\(batch) batches=\(result.batches) cpu_seconds=\(fmt(result.cpuSeconds)) "
                + "single_row_events=\(single) single_row_events_per_second=\(fmt(singleRate, 0)) "
                + "ratio=\(fmt(singleRate > 0 ? result.eventsPerSecond / singleRate : 0, 1)) "
                + "spool_events=\(spoolEvents) spool_events_per_second=\(fmt(spoolRate, 0))"
                + (store is SQLiteAuditStore ? " sqlite_settings=" + SQLiteAuditStore.connectionSettings.joined(separator: ",") : ""))
            if result.stored != UInt64(result.events) {
                throw ValidationError("the writer stored \(result.stored) of \(result.events) events")
            }
        }

        func fmt(_ value: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", value) }
    }
}

/// Measurements behind `tokengate audit bench` (driven by hack/bench-audit.sh): how many events per
/// second the batch writer sustains on a store, next to the store's plain one-row-per-transaction
/// insert path measured in the same run. It lives in the CLI, not in TokenGateAudit, so the library
/// that `serve` links carries no benchmark code; it reaches the writer only through its public API.
enum AuditBenchmark {
    struct WriterResult: Sendable {
        var events: Int
        var seconds: Double
        var overflowed: UInt64
        var stored: UInt64
        /// Store transactions the writer committed.
        var batches: UInt64
        /// CPU time of the whole process (user + system) while the writer ran: enqueueing and writing.
        /// Unlike events/s it hardly moves when other work shares the machine.
        var cpuSeconds: Double
        var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
    }

    /// Token-exchange events shaped like the broker's, with distinct ids.
    static func events(count: Int) -> [AuditEvent] {
        let now = AuditTime.now()
        return (0..<count).map { index in
            let pod = index % 5000
            return .tokenExchange(
                time: now.adding(seconds: Int64(index / 1000)), decision: index % 20 == 0 ? .denied : .granted,
                reason: index % 20 == 0 ? "invalid_target: audience not allowed" : nil,
                cluster: "bench", namespace: "ns-\(pod % 40)", podName: "pod-\(pod)", podUID: "uid-\(pod)-\(index / 50_000)",
                nodeName: "node-\(pod % 30)", nodeUID: "node-uid-\(pod % 30)", serviceAccountName: "sa-\(pod % 100)",
                serviceAccountUID: "sa-uid-\(pod % 100)", subjectJTI: "src-\(index / 3)", issuedJTI: "iss-\(index)",
                audience: "https://service-\(index % 8).example", issuedAt: now, expiresAt: now.adding(seconds: 600),
                clientAddress: "127.0.0.1:\(30000 + pod)")
        }
    }

    /// Enqueues all events as fast as possible and measures until the writer has stored them all.
    /// The queue is sized to hold them, so the number is the writer's drain rate, not the spool's.
    static func writer(store: any AuditStore, events: [AuditEvent], spoolDirectory: String,
                       batchSize: Int) async throws -> WriterResult {
        var configuration = AuditWriterConfiguration(spoolDirectory: spoolDirectory)
        configuration.queueCapacity = events.count + 1
        configuration.batchSize = batchSize
        configuration.maxBatchDelay = 0.005
        let writer = try AuditWriter(store: store, configuration: configuration)
        writer.start()
        let clock = ContinuousClock()
        let start = clock.now
        let cpuStart = cpuSeconds()
        for event in events { writer.enqueue(event) }
        await writer.flush()
        let elapsed = start.duration(to: clock.now)
        let cpu = cpuSeconds() - cpuStart
        await writer.shutdown()
        let metrics = writer.metrics
        return WriterResult(events: events.count, seconds: seconds(elapsed), overflowed: metrics.overflowed,
                            stored: metrics.stored, batches: metrics.batches, cpuSeconds: cpu)
    }

    /// The raw path without the writer: one `insert([event])` (one transaction) per event.
    static func singleRow(store: any AuditStore, events: [AuditEvent]) throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        for event in events { try store.insert([event]) }
        return seconds(start.duration(to: clock.now))
    }

    /// The writer's path while the store is down: batches appended to the spool as JSON lines,
    /// each batch fsynced. Returns the seconds it took.
    static func spool(events: [AuditEvent], directory: String, batchSize: Int) throws -> Double {
        guard !events.isEmpty else { return 0 }
        let spool = try AuditSpool(directory: directory)
        let clock = ContinuousClock()
        let start = clock.now
        var index = 0
        while index < events.count {
            let end = min(events.count, index + batchSize)
            try spool.append(Array(events[index..<end]), sync: true)
            index = end
        }
        return seconds(start.duration(to: clock.now))
    }

    /// User and system CPU time of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func secs(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return secs(usage.ru_utime) + secs(usage.ru_stime)
    }

    static func seconds(_ duration: Duration) -> Double {
        let (secs, attos) = duration.components
        return Double(secs) + Double(attos) / 1e18
    }
}
