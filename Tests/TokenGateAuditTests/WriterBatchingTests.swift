// SPDX-License-Identifier: Apache-2.0
import Foundation
import Synchronization
import Testing
import TokenGateAudit

/// A real SQLite store that records the size of every insert it is asked for, and answers as an
/// unreachable database does once `budget` inserts have been made (until the test raises it).
final class BatchRecordingStore: AuditStore {
    let inner: SQLiteAuditStore
    let sizes = Mutex<[Int]>([])
    let budget = Atomic<Int>(.max)
    var kindName: String { "recording-sqlite" }

    init(_ inner: SQLiteAuditStore) { self.inner = inner }

    var insertSizes: [Int] { sizes.withLock { $0 } }

    func migrate() throws { try inner.migrate() }
    func schemaVersion() throws -> Int { try inner.schemaVersion() }
    func insert(_ events: [AuditEvent]) throws -> Int {
        sizes.withLock { $0.append(events.count) }
        if budget.load(ordering: .relaxed) <= 0 { throw AuditError(.unavailable, "injected: database unreachable") }
        budget.subtract(1, ordering: .relaxed)
        return try inner.insert(events)
    }
    func record(_ checks: [ClusterCheck]) throws { try inner.record(checks) }
    func clusterChecks() throws -> [ClusterCheck] { try inner.clusterChecks() }
    func query(_ query: AuditQuery) throws -> [AuditEvent] { try inner.query(query) }
    func explain(_ query: AuditQuery) throws -> [String] { try inner.explain(query) }
    func prune(olderThan cutoff: AuditTime) throws -> Int { try inner.prune(olderThan: cutoff) }
    func count() throws -> Int { try inner.count() }
    func close() { inner.close() }
}

/// How the writer cuts what it takes into store transactions: it takes everything queued at once
/// and writes it in batches of at most `batchSize`, and a batch the store refuses is halved until
/// the bad events stand alone.
@Suite struct WriterBatchingTests {
    func configuration(_ dir: TemporaryDirectory, batchSize: Int) -> AuditWriterConfiguration {
        var configuration = AuditWriterConfiguration(spoolDirectory: dir.file("spool"))
        configuration.batchSize = batchSize
        configuration.queueCapacity = 100_000
        configuration.retryMinimum = 0.05
        configuration.retryMaximum = 0.2
        return configuration
    }

    func storedIDs(_ path: String) throws -> [String] {
        try run("/usr/bin/sqlite3", [path, "SELECT id FROM tokengate_audit_events ORDER BY id"])
            .split(separator: "\n").map(String.init)
    }

    @Test func aBacklogIsWrittenInBatchesOfAtMostTheBatchSize() async throws {
        let dir = try TemporaryDirectory()
        let store = BatchRecordingStore(try SQLiteAuditStore(path: dir.file("audit.db")))
        let writer = try AuditWriter(store: store, configuration: configuration(dir, batchSize: 100))
        let events = TrailGenerator.make(count: 1050)
        // Queued before the writer starts: its first take is all 1050 at once.
        for event in events { writer.enqueue(event) }
        writer.start()
        let running = Task { await writer.run() }
        await writer.flush()
        #expect(store.insertSizes == Array(repeating: 100, count: 10) + [50])
        #expect(try storedIDs(dir.file("audit.db")) == events.map(\.id.text).sorted())
        let metrics = writer.metrics
        #expect(metrics.stored == 1050 && metrics.batches == 11 && metrics.queueDepth == 0)
        await writer.shutdown()
        await running.value
    }

    @Test func aFlushWaitsForEveryBatchOfAHandOff() async throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteAuditStore(path: dir.file("audit.db"))
        let writer = try AuditWriter(store: store, configuration: configuration(dir, batchSize: 7))
        writer.start()
        let running = Task { await writer.run() }
        for round in 0..<5 {
            let events = TrailGenerator.make(count: 100, seed: UInt64(round))
            for event in events { writer.enqueue(event) }
            await writer.flush()
            #expect(try store.count() == 100 * (round + 1))
        }
        await writer.shutdown()
        await running.value
    }

    @Test func badEventsInALargeBatchAreIsolatedByHalving() async throws {
        let dir = try TemporaryDirectory()
        let sqlite = try SQLiteAuditStore(path: dir.file("audit.db"))
        let events = TrailGenerator.make(count: 1000)
        let bad = [events[3], events[500], events[998]]
        // The database itself refuses them (a constraint error, as a malformed row would get), so
        // the refusal comes from inside one of SQLite's multi-row statements.
        try sqlite.execute("""
            CREATE TRIGGER refuse_bad BEFORE INSERT ON tokengate_audit_events
            WHEN NEW.id IN (\(bad.map { "'\($0.id.text)'" }.joined(separator: ", ")))
            BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END
            """)
        let store = BatchRecordingStore(sqlite)
        let writer = try AuditWriter(store: store, configuration: configuration(dir, batchSize: 1000))
        for event in events { writer.enqueue(event) }
        writer.start()
        let running = Task { await writer.run() }
        await writer.flush()
        let good = events.filter { event in !bad.contains { $0.id == event.id } }
        #expect(try storedIDs(dir.file("audit.db")) == good.map(\.id.text).sorted())
        let metrics = writer.metrics
        #expect(metrics.rejected == 3 && metrics.writeErrors == 1 && metrics.dropped == 0 && metrics.stored == 997)
        // One try of the whole batch, then about two per halving level per bad event (log2 1000 ≈ 10),
        // where retrying event by event would take 1000.
        let attempts = store.insertSizes.count
        #expect(attempts <= 1 + 3 * 2 * 10, "\(attempts) inserts to isolate 3 bad events among 1000")
        let rejected = try String(contentsOfFile: dir.file("spool/rejected/current.jsonl"), encoding: .utf8)
        let rejectedIDs = try rejected.split(separator: "\n").map { try AuditEvent.parse(line: Array($0.utf8)).id }
        #expect(rejectedIDs == bad.map(\.id))
        await writer.shutdown()
        await running.value
    }

    @Test func anOutageInsideAHandOffSpoolsTheRestAndReplaysItExactlyOnce() async throws {
        let dir = try TemporaryDirectory()
        let store = BatchRecordingStore(try SQLiteAuditStore(path: dir.file("audit.db")))
        // Two batches of 256 go in, then the database is gone for the other ten and a half.
        store.budget.store(2, ordering: .relaxed)
        let writer = try AuditWriter(store: store, configuration: configuration(dir, batchSize: 256))
        let events = TrailGenerator.make(count: 3200)
        for event in events { writer.enqueue(event) }
        writer.start()
        let running = Task { await writer.run() }
        await writer.flush()
        #expect(try store.count() == 512)
        #expect(writer.metrics.spooled == 3200 - 512 && writer.metrics.storeUp == false)
        store.budget.store(.max, ordering: .relaxed)
        // Replay runs in the background (in batches of 256 as well): wait, bounded, for the spool to empty.
        for _ in 0..<600 where writer.metrics.spoolBytes > 0 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(writer.metrics.spoolBytes == 0)
        #expect(try storedIDs(dir.file("audit.db")) == events.map(\.id.text).sorted())
        let metrics = writer.metrics
        #expect(metrics.replayed == 3200 - 512 && metrics.stored == 3200 && metrics.dropped == 0)
        await writer.shutdown()
        await running.value
    }
}
