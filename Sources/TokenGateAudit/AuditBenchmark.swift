// SPDX-License-Identifier: Apache-2.0

/// Measurements behind `tokengate audit bench` (driven by hack/bench-audit.sh): how many events per
/// second the batch writer sustains on a store, next to the store's plain one-row-per-transaction
/// insert path measured in the same run.
public enum AuditBenchmark {
    public struct WriterResult: Sendable {
        public var events: Int
        public var seconds: Double
        public var overflowed: UInt64
        public var stored: UInt64
        public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
    }

    /// Token-exchange events shaped like the broker's, with distinct ids.
    public static func events(count: Int) -> [AuditEvent] {
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
    public static func writer(store: any AuditStore, events: [AuditEvent], spoolDirectory: String,
                              batchSize: Int = 500) async throws -> WriterResult {
        var configuration = AuditWriterConfiguration(spoolDirectory: spoolDirectory)
        configuration.queueCapacity = events.count + 1
        configuration.batchSize = batchSize
        configuration.maxBatchDelay = 0.005
        let writer = try AuditWriter(store: store, configuration: configuration)
        writer.start()
        let clock = ContinuousClock()
        let start = clock.now
        for event in events { writer.enqueue(event) }
        await writer.flush()
        let elapsed = start.duration(to: clock.now)
        await writer.shutdown()
        let metrics = writer.metrics
        return WriterResult(events: events.count, seconds: seconds(elapsed), overflowed: metrics.overflowed,
                            stored: metrics.stored)
    }

    /// The raw path without the writer: one `insert([event])` (one transaction) per event.
    public static func singleRow(store: any AuditStore, events: [AuditEvent]) throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        for event in events { try store.insert([event]) }
        return seconds(start.duration(to: clock.now))
    }

    static func seconds(_ duration: Duration) -> Double {
        let (secs, attos) = duration.components
        return Double(secs) + Double(attos) / 1e18
    }
}
