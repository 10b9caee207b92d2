// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import TokenGateAudit

@Suite struct SQLiteStoreTests {
    @Test func createsAWALDatabaseAtTheCurrentSchemaVersion() throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteAuditStore(path: dir.file("audit.db"))
        #expect(try store.schemaVersion() == 3)
        try store.insert([AuditEventTests.fullExchange()])
        // Checked with the sqlite3 CLI, not through our own connection.
        #expect(try run("/usr/bin/sqlite3", [dir.file("audit.db"), "PRAGMA journal_mode"]) == "wal")
        #expect(try run("/usr/bin/sqlite3", [dir.file("audit.db"), "SELECT group_concat(version) FROM tokengate_schema_version"]) == "1,2,3")
        let indexes = try run("/usr/bin/sqlite3", [dir.file("audit.db"),
            "SELECT count(*) FROM sqlite_master WHERE type='index' AND name LIKE 'idx_tg_audit_%'"])
        #expect(indexes == "9")
        // Opening again is a no-op migration.
        store.close()
        #expect(try SQLiteAuditStore(path: dir.file("audit.db")).count() == 1)
    }

    @Test func insertsAreIdempotentByID() throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteAuditStore(path: dir.file("audit.db"))
        let events = TrailGenerator.make(count: 300)
        #expect(try store.insert(Array(events[0..<200])) == 200)
        #expect(try store.insert(Array(events[100..<300])) == 100, "the 100 known ids are ignored")
        #expect(try store.insert(events) == 0)
        #expect(try store.count() == 300)
        #expect(try store.query(AuditQuery(limit: nil)).count == 300)
    }

    @Test func storesEveryFieldExactly() throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteAuditStore(path: dir.file("audit.db"))
        var odd = AuditEventTests.fullExchange()
        odd.reason = "quote ' and NUL \0 kept"
        odd.requestUID = "ünïcödé ✓"
        try store.insert([odd])
        var query = AuditQuery()
        query.podUID = odd.podUID
        #expect(try store.query(query) == [odd])
    }

    @Test func pruneDeletesOnlyOlderEvents() throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteAuditStore(path: dir.file("audit.db"))
        let events = TrailGenerator.make(count: 12_000)
        try store.insert(events)
        let cutoff = events[7_000].time
        #expect(try store.prune(olderThan: cutoff) == 7_000)
        #expect(try store.count() == 5_000)
        var old = AuditQuery(limit: nil)
        old.until = cutoff
        #expect(try store.query(old).isEmpty)
    }

    @Test func refusesASchemaNewerThanItKnows() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("audit.db")
        _ = try SQLiteAuditStore(path: path)
        try run("/usr/bin/sqlite3", [path, "INSERT INTO tokengate_schema_version VALUES (99, 0)"])
        #expect(throws: AuditError.self) { try SQLiteAuditStore(path: path) }
    }

    @Test func queryToolsDoNotCreateMissingDatabases() throws {
        let dir = try TemporaryDirectory()
        #expect(throws: AuditError.self) { try SQLiteAuditStore(path: dir.file("missing.db"), create: false) }
        #expect(!FileManager.default.fileExists(atPath: dir.file("missing.db")))
    }

    @Test func trailOf100kEventsAnswersExactlyAndUsesIndexes() throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteAuditStore(path: dir.file("audit.db"))
        let events = TrailGenerator.make(count: TrailChecks.trailSize)
        try TrailChecks.load(store, events)
        try TrailChecks.checkQueries(store, events)
        // SQLite's EXPLAIN QUERY PLAN says "SEARCH ... USING INDEX <name>" for an index lookup and
        // "SCAN <table>" for a full scan.
        try TrailChecks.checkPlans(store, events,
            usesIndex: { plan, index in plan.contains { $0.contains("USING INDEX \(index)") || $0.contains("USING COVERING INDEX \(index)") } },
            usesAnyIndex: { plan in plan.contains { $0.contains("USING INDEX idx_tg_audit_") }
                && !plan.contains { $0.hasPrefix("SCAN tokengate_audit_events") } })
    }
}
