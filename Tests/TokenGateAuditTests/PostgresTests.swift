// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import TokenGateAudit

/// Against a REAL PostgreSQL server started for each test by hack/postgres-test.sh (initdb into a
/// temporary directory, a free loopback port, run as the `postgres` user when the tests run as root).
/// Serialized: each test owns a server, and two at once would only compete for the 2 cores.
@Suite(.serialized) struct PostgresTests {
    @Test func storeCreatesSchemaAndInsertsIdempotently() throws {
        let server = try PostgresTestServer()
        let store = PostgresAuditStore(dsn: server.dsn)
        #expect(try store.schemaVersion() == 0)
        let events = TrailGenerator.make(count: 1200)
        #expect(try store.insert(Array(events[0..<800])) == 800)
        #expect(try store.insert(events) == 400, "known ids are ignored (ON CONFLICT DO NOTHING)")
        #expect(try store.schemaVersion() == 3)
        // Checked with psql, the independent client.
        #expect(try server.psql("SELECT count(*), count(DISTINCT id) FROM tokengate_audit_events") == "1200|1200")
        #expect(try server.psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM tokengate_schema_version") == "1,2,3")
        #expect(try server.psql("SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'idx_tg_audit_%'") == "9")
        var odd = AuditEventTests.fullExchange()
        odd.reason = "quote ' backslash \\ ünïcödé"
        odd.time = events[1199].time.adding(seconds: 60)
        try store.insert([odd])
        var query = AuditQuery()
        query.podUID = odd.podUID
        #expect(try store.query(query) == [odd])
        // Retention.
        #expect(try store.prune(olderThan: events[600].time) == 600)
        #expect(try store.count() == 601)
    }

    @Test func version1DatabaseMigratesAndKeepsItsRows() throws {
        let server = try PostgresTestServer()
        _ = try server.psql(MigrationTests.version1.joined(separator: "\n"))
        let store = PostgresAuditStore(dsn: server.dsn)
        #expect(try store.schemaVersion() == 1)
        try MigrationTests.checkMigrated(store)
        #expect(try server.psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM tokengate_schema_version") == "1,2,3")
        #expect(try server.psql("SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'idx_tg_audit_%'") == "9")
        // Several replicas starting together: the advisory lock makes them take turns; none fails.
        let replicas = (0..<4).map { _ in PostgresAuditStore(dsn: server.dsn) }
        DispatchQueue.concurrentPerform(iterations: replicas.count) { index in
            #expect(throws: Never.self) { try replicas[index].migrate() }
        }
    }

    @Test func trailOf100kEventsAnswersExactlyAndUsesIndexes() throws {
        let server = try PostgresTestServer()
        let store = PostgresAuditStore(dsn: server.dsn)
        let events = TrailGenerator.make(count: TrailChecks.trailSize)
        try TrailChecks.load(store, events)
        // What autovacuum would do shortly after a bulk load; the planner needs statistics.
        try store.execute("ANALYZE tokengate_audit_events")
        try TrailChecks.checkQueries(store, events)
        // PostgreSQL's EXPLAIN names the index in "Index Scan using <name>", "Index Only Scan using
        // <name>" or "Bitmap Index Scan on <name>", and says "Seq Scan" for a full table scan.
        try TrailChecks.checkPlans(store, events,
            usesIndex: { plan, index in plan.contains { $0.contains("using \(index)") || $0.contains("on \(index)") } },
            usesAnyIndex: { plan in plan.contains { $0.contains("idx_tg_audit_") } && !plan.contains { $0.contains("Seq Scan") } })
    }

    /// The fault test: PostgreSQL is stopped twice (a fast shutdown, then an immediate one, which is a
    /// crash) while events keep flowing; each time it comes back. Every event must be in the table
    /// exactly once, and the metrics must show the outage path was really taken.
    @Test func stopAndRestartLosesAndDuplicatesNothing() async throws {
        let server = try PostgresTestServer()
        let dir = try TemporaryDirectory()
        var config = AuditWriterConfiguration(spoolDirectory: dir.file("spool"))
        config.batchSize = 200
        config.retryMinimum = 0.1
        config.retryMaximum = 0.5
        let writer = try AuditWriter(store: PostgresAuditStore(dsn: server.dsn), configuration: config)
        writer.start()
        let running = Task { await writer.run() }
        let events = TrailGenerator.make(count: 30_000, seed: 7)

        // A producer at a steady rate (about 5 000 events/s) for about 6 s, as exchanges would arrive.
        let producer = Task {
            for (index, event) in events.enumerated() {
                writer.enqueue(event)
                if index % 100 == 99 { try? await Task.sleep(for: .milliseconds(20)) }
            }
        }
        try await Task.sleep(for: .seconds(1))
        try server.stop(mode: "fast")
        try await Task.sleep(for: .seconds(1.5))
        try server.start()
        try await Task.sleep(for: .seconds(1))
        try server.stop(mode: "immediate")
        try await Task.sleep(for: .seconds(1.5))
        try server.start()
        await producer.value
        await writer.flush()
        for _ in 0..<1200 where writer.metrics.spoolBytes > 0 { try await Task.sleep(for: .milliseconds(50)) }

        let metrics = writer.metrics
        #expect(metrics.spoolBytes == 0)
        #expect(metrics.writeErrors > 0 && metrics.spooled > 0 && metrics.replayed > 0,
                "the outage must have been seen: \(metrics)")
        #expect(metrics.dropped == 0)
        #expect(try server.psql("SELECT count(*), count(DISTINCT id) FROM tokengate_audit_events") == "30000|30000")
        let stored = try server.psql("SELECT id FROM tokengate_audit_events ORDER BY id").split(separator: "\n").map(String.init)
        #expect(stored == events.map(\.id.text).sorted())
        await writer.shutdown()
        await running.value
    }
}
