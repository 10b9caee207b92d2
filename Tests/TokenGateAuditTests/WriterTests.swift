// SPDX-License-Identifier: Apache-2.0
import Foundation
import Synchronization
import Testing
import TokenGateAudit

/// Fault injection around a REAL SQLite store: while `down`, every call fails as an unreachable
/// database does; ids in `poison` fail as a malformed row does. Everything else goes to SQLite.
/// (The real-database outage test is PostgresTests.stopAndRestartLosesAndDuplicatesNothing.)
final class FaultyStore: AuditStore {
    let inner: SQLiteAuditStore
    let down = Atomic<Bool>(false)
    let poison: Set<AuditEventID>
    let attempts = Atomic<Int>(0)
    var kindName: String { "faulty-sqlite" }

    init(_ inner: SQLiteAuditStore, poison: Set<AuditEventID> = []) {
        self.inner = inner
        self.poison = poison
    }

    func migrate() throws { try inner.migrate() }
    func schemaVersion() throws -> Int { try inner.schemaVersion() }
    func insert(_ events: [AuditEvent]) throws -> Int {
        attempts.add(1, ordering: .relaxed)
        if down.load(ordering: .relaxed) { throw AuditError(.unavailable, "injected: database unreachable") }
        if events.contains(where: { poison.contains($0.id) }) { throw AuditError(.statement, "injected: bad row") }
        return try inner.insert(events)
    }
    func record(_ checks: [ClusterCheck]) throws {
        if down.load(ordering: .relaxed) { throw AuditError(.unavailable, "injected: database unreachable") }
        try inner.record(checks)
    }
    func clusterChecks() throws -> [ClusterCheck] { try inner.clusterChecks() }
    func query(_ query: AuditQuery) throws -> [AuditEvent] { try inner.query(query) }
    func explain(_ query: AuditQuery) throws -> [String] { try inner.explain(query) }
    func prune(olderThan cutoff: AuditTime) throws -> Int { try inner.prune(olderThan: cutoff) }
    func count() throws -> Int { try inner.count() }
    func close() { inner.close() }
}

@Suite struct WriterTests {
    func configuration(_ dir: TemporaryDirectory) -> AuditWriterConfiguration {
        var configuration = AuditWriterConfiguration(spoolDirectory: dir.file("spool"))
        configuration.retryMinimum = 0.05
        configuration.retryMaximum = 0.2
        return configuration
    }

    /// Ids in the store, read with the sqlite3 CLI.
    func storedIDs(_ path: String) throws -> [String] {
        try run("/usr/bin/sqlite3", [path, "SELECT id FROM tokengate_audit_events ORDER BY id"])
            .split(separator: "\n").map(String.init)
    }

    @Test func concurrentProducersAllArriveOnce() async throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteAuditStore(path: dir.file("audit.db"))
        let writer = try AuditWriter(store: store, configuration: configuration(dir))
        writer.start()
        let running = Task { await writer.run() }
        let events = TrailGenerator.make(count: 20_000)
        await withTaskGroup(of: Void.self) { group in
            for part in 0..<8 {
                group.addTask {
                    for event in events[(part * 2500)..<((part + 1) * 2500)] { writer.enqueue(event) }
                }
            }
        }
        await writer.flush()
        #expect(try storedIDs(dir.file("audit.db")) == events.map(\.id.text).sorted())
        let metrics = writer.metrics
        #expect(metrics.enqueued == 20_000 && metrics.stored + metrics.spooled >= 20_000)
        #expect(metrics.dropped == 0 && metrics.writeErrors == 0)
        #expect(metrics.batches > 0 && metrics.batchSecondsTotal > 0)
        await writer.shutdown()
        await running.value
        #expect(writer.metrics.spoolBytes == 0)
        #expect(writer.metrics.prometheusText().contains("tokengate_audit_queue_depth 0\n"))
    }

    @Test func enqueueNeverWaitsForTheDatabase() throws {
        // No writer runs at all: the queue fills, then events spill to the spool; nothing is lost.
        let dir = try TemporaryDirectory()
        var config = configuration(dir)
        config.queueCapacity = 100
        let writer = try AuditWriter(store: try SQLiteAuditStore(path: dir.file("audit.db")), configuration: config)
        for event in TrailGenerator.make(count: 1000) { writer.enqueue(event) }
        let metrics = writer.metrics
        #expect(metrics.queueDepth == 100 && metrics.overflowed == 900 && metrics.spooled == 900)
        #expect(metrics.spoolBytes > 900 * 100)
    }

    @Test func outageSpoolsAndReplaysExactlyOnce() async throws {
        let dir = try TemporaryDirectory()
        let store = FaultyStore(try SQLiteAuditStore(path: dir.file("audit.db")))
        let writer = try AuditWriter(store: store, configuration: configuration(dir))
        writer.start()
        let running = Task { await writer.run() }
        let events = TrailGenerator.make(count: 6000)
        for event in events[0..<2000] { writer.enqueue(event) }
        await writer.flush()
        store.down.store(true, ordering: .relaxed)
        for event in events[2000..<4000] { writer.enqueue(event) }
        await writer.flush()
        #expect(writer.metrics.storeUp == false)
        #expect(writer.metrics.spoolBytes > 0)
        #expect(try store.count() == 2000)
        store.down.store(false, ordering: .relaxed)
        for event in events[4000..<6000] { writer.enqueue(event) }
        await writer.flush()
        // Replay runs in the background: wait (bounded) for the spool to empty.
        for _ in 0..<600 where writer.metrics.spoolBytes > 0 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(writer.metrics.spoolBytes == 0)
        #expect(try storedIDs(dir.file("audit.db")) == events.map(\.id.text).sorted())
        #expect(writer.metrics.replayed >= 2000 && writer.metrics.writeErrors > 0 && writer.metrics.dropped == 0)
        await writer.shutdown()
        await running.value
    }

    @Test func spoolLeftByACrashIsReplayedOnStartAndTornLinesAreSkipped() async throws {
        let dir = try TemporaryDirectory()
        let events = TrailGenerator.make(count: 50)
        let spool = try AuditSpool(directory: dir.file("spool"))
        try spool.append(Array(events[0..<30]))
        // A crash in the middle of a write leaves half a line; then the next run appends more.
        let handle = FileHandle(forWritingAtPath: dir.file("spool/current.jsonl"))!
        handle.seekToEndOfFile()
        handle.write(Data(#"{"id":"0b6e3c52-8f7a-4b1e-9c7d-2f1e0a9b8c"#.utf8) + Data("\n".utf8))
        try handle.close()
        try spool.append(Array(events[30..<50]))
        // One of them is already stored (its batch committed just before the crash).
        let store = try SQLiteAuditStore(path: dir.file("audit.db"))
        try store.insert([events[3]])

        let writer = try AuditWriter(store: store, configuration: configuration(dir))
        writer.start()
        let running = Task { await writer.run() }
        for _ in 0..<600 where writer.metrics.spoolBytes > 0 { try await Task.sleep(for: .milliseconds(25)) }
        #expect(try storedIDs(dir.file("audit.db")) == events.map(\.id.text).sorted())
        #expect(writer.metrics.badSpoolLines == 1)
        #expect(writer.metrics.replayed == 50 && writer.metrics.stored == 49)
        await writer.shutdown()
        await running.value
    }

    @Test func aRowTheStoreRefusesIsSetAsideNotRetriedForever() async throws {
        let dir = try TemporaryDirectory()
        let events = TrailGenerator.make(count: 100)
        let store = FaultyStore(try SQLiteAuditStore(path: dir.file("audit.db")), poison: [events[42].id])
        let writer = try AuditWriter(store: store, configuration: configuration(dir))
        writer.start()
        let running = Task { await writer.run() }
        for event in events { writer.enqueue(event) }
        await writer.flush()
        #expect(try store.count() == 99)
        #expect(writer.metrics.rejected == 1)
        let rejected = try String(contentsOfFile: dir.file("spool/rejected/current.jsonl"), encoding: .utf8)
        #expect(rejected.contains(events[42].id.text))
        await writer.shutdown()
        await running.value
    }

    @Test func onlyAFullDiskDropsEventsAndTheyAreCounted() async throws {
        let dir = try TemporaryDirectory()
        let store = FaultyStore(try SQLiteAuditStore(path: dir.file("audit.db")))
        store.down.store(true, ordering: .relaxed)
        try FileManager.default.createDirectory(atPath: dir.file("spool"), withIntermediateDirectories: true)
        // /dev/full answers every write with ENOSPC, exactly as a full disk does.
        try FileManager.default.createSymbolicLink(atPath: dir.file("spool/current.jsonl"), withDestinationPath: "/dev/full")
        let writer = try AuditWriter(store: store, configuration: configuration(dir))
        writer.start()
        let running = Task { await writer.run() }
        for event in TrailGenerator.make(count: 10) { writer.enqueue(event) }
        await writer.flush()
        #expect(writer.metrics.dropped == 10)
        #expect(writer.metrics.prometheusText().contains("tokengate_audit_events_dropped_total 10\n"))
        await writer.shutdown()
        await running.value
    }

    @Test func shutdownDrainsTheQueueAndLaterEventsStillSpool() async throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteAuditStore(path: dir.file("audit.db"))
        var config = configuration(dir)
        // A partial batch would be held for two minutes; shutdown must not wait for that. The bound
        // below is only there so a regression fails instead of hanging the suite.
        config.maxBatchDelay = 120
        let writer = try AuditWriter(store: store, configuration: config)
        writer.start()
        let running = Task { await writer.run() }
        let events = TrailGenerator.make(count: 120)
        for event in events[0..<100] { writer.enqueue(event) }
        let finishedFirst = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await writer.shutdown()
                await running.value
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(60))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(finishedFirst, "shutdown waited for the batch delay instead of draining at once")
        #expect(try store.count() == 100)
        for event in events[100...] { writer.enqueue(event) }
        #expect(writer.metrics.spooled == 20, "after shutdown, events go to the spool for the next start")
    }

    @Test func retentionPrunesOldEvents() async throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteAuditStore(path: dir.file("audit.db"))
        var old = TrailGenerator.make(count: 100)  // October 2025
        for index in old.indices where index >= 60 { old[index].time = .now() }
        try store.insert(old)
        var config = configuration(dir)
        config.retentionDays = 30
        let writer = try AuditWriter(store: store, configuration: config)
        writer.start()
        let running = Task { await writer.run() }
        // The first pruning runs a few seconds after start.
        for _ in 0..<600 where writer.metrics.pruned < 60 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(writer.metrics.pruned == 60)
        #expect(try store.count() == 40)
        await writer.shutdown()
        await running.value
    }
}
