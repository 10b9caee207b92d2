// SPDX-License-Identifier: Apache-2.0
import Foundation
import Synchronization
import Testing
@testable import TokenGateAudit

/// An idle writer must sleep until an event, a flush, a stop, a retry or a retention run is due.
/// A writer that wakes without cause burns a core on every replica (users saw 7–10 CPU-seconds
/// per 10 s), so these tests count the writer thread's passes through its loop while nothing
/// happens: a spinning loop makes millions in the second they watch, a sleeping one none or one.
@Suite struct WriterIdleTests {
    func configuration(_ dir: TemporaryDirectory) -> AuditWriterConfiguration {
        var configuration = AuditWriterConfiguration(spoolDirectory: dir.file("spool"))
        configuration.retryMinimum = 0.05
        configuration.retryMaximum = 0.2
        // Retention's first run would be due at once: with retention off, that must not matter.
        configuration.firstPruneDelay = 0
        return configuration
    }

    /// Passes the writer makes through its loop during one quiet second.
    func passesWhileIdle(_ writer: AuditWriter) async throws -> Int {
        let before = writer.loopPasses.load(ordering: .relaxed)
        try await Task.sleep(for: .seconds(1))
        return writer.loopPasses.load(ordering: .relaxed) - before
    }

    @Test func aWriterWithNothingToDoSleeps() async throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteAuditStore(path: dir.file("audit.db"))
        let writer = try AuditWriter(store: store, configuration: configuration(dir))
        writer.start()
        let running = Task { await writer.run() }
        writer.enqueue(TrailGenerator.make(count: 1)[0])
        await writer.flush()
        let passes = try await passesWhileIdle(writer)
        #expect(passes <= 2, "the writer woke \(passes) times in an idle second")
        #expect(try store.count() == 1)
        await writer.shutdown()
        await running.value
    }

    @Test func aWriterWhoseStoreAndSpoolAreBothDownSleeps() async throws {
        // Nothing waits in the spool (it cannot be written), so a retry is due only with new events.
        let dir = try TemporaryDirectory()
        let store = FaultyStore(try SQLiteAuditStore(path: dir.file("audit.db")))
        store.down.store(true, ordering: .relaxed)
        try FileManager.default.createDirectory(atPath: dir.file("spool"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.file("spool/current.jsonl"), withDestinationPath: "/dev/full")
        let writer = try AuditWriter(store: store, configuration: configuration(dir))
        writer.start()
        let running = Task { await writer.run() }
        writer.enqueue(TrailGenerator.make(count: 1)[0])
        await writer.flush()
        #expect(writer.metrics.storeUp == false && writer.metrics.dropped == 1)
        let passes = try await passesWhileIdle(writer)
        #expect(passes <= 2, "the writer woke \(passes) times in an idle second")
        await writer.shutdown()
        await running.value
    }

    @Test func aWriterWithASpoolToReplayWakesOnlyForItsRetries() async throws {
        let dir = try TemporaryDirectory()
        let store = FaultyStore(try SQLiteAuditStore(path: dir.file("audit.db")))
        store.down.store(true, ordering: .relaxed)
        var config = configuration(dir)
        config.retentionDays = 30  // and retention waits for the store, not in a loop
        let writer = try AuditWriter(store: store, configuration: config)
        writer.start()
        let running = Task { await writer.run() }
        var event = TrailGenerator.make(count: 1)[0]
        event.time = .now()  // inside the retention window
        writer.enqueue(event)
        await writer.flush()
        #expect(writer.metrics.spoolBytes > 0)
        let attemptsBefore = store.attempts.load(ordering: .relaxed)
        let passes = try await passesWhileIdle(writer)
        let retries = store.attempts.load(ordering: .relaxed) - attemptsBefore
        // Retries back off to one per 0.2 s here: about 5 in the second, each one pass.
        #expect(retries >= 2, "the spool must still be retried without new events")
        #expect(passes <= retries + 3, "the writer woke \(passes) times for \(retries) retries")
        store.down.store(false, ordering: .relaxed)
        for _ in 0..<600 where writer.metrics.spoolBytes > 0 { try await Task.sleep(for: .milliseconds(25)) }
        #expect(writer.metrics.spoolBytes == 0)
        #expect(try store.count() == 1)
        await writer.shutdown()
        await running.value
    }
}
