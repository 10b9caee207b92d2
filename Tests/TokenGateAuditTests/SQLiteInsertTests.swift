// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import TokenGateAudit

/// The SQLite store inserts a batch through statements of several rows each, binding every text in
/// place from one buffer. These check the edges of that: batches that do not fill the last
/// statement, values a buffer could lose (empty text against NULL, multi-byte text, NUL), known ids.
@Suite struct SQLiteInsertTests {
    /// Ids in the store, read with the sqlite3 CLI.
    func storedIDs(_ path: String) throws -> [String] {
        try run("/usr/bin/sqlite3", [path, "SELECT id FROM tokengate_audit_events ORDER BY id"])
            .split(separator: "\n").map(String.init)
    }

    @Test(arguments: [1, 15, 16, 17, 31, 32, 33, 100, 1001])
    func everyEventOfABatchIsStoredOnce(count: Int) throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteAuditStore(path: dir.file("audit.db"))
        let events = TrailGenerator.make(count: count, seed: UInt64(count))
        #expect(try store.insert(events) == count)
        #expect(try storedIDs(dir.file("audit.db")) == events.map(\.id.text).sorted())
        #expect(Set(try store.query(AuditQuery(limit: nil)).map(\.id)) == Set(events.map(\.id)))
    }

    @Test func knownIDsInsideAStatementAreIgnoredAndNotCounted() throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteAuditStore(path: dir.file("audit.db"))
        let events = TrailGenerator.make(count: 50)
        // Every other event known: each multi-row statement mixes new and known ids.
        let known = events.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        #expect(try store.insert(known) == 25)
        #expect(try store.insert(events) == 25)
        #expect(try store.insert(events + events) == 0)
        let fresh = TrailGenerator.make(count: 10, seed: 7)
        #expect(try store.insert(fresh + fresh) == 10, "an id twice in one batch is stored once")
        #expect(try store.count() == 60)
    }

    @Test func valuesAreStoredExactlyInEveryRowOfAStatement() throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteAuditStore(path: dir.file("audit.db"))
        var events: [AuditEvent] = []
        for index in 0..<40 {
            var event = AuditEventTests.fullExchange()
            event.id = AuditEventID()
            event.time = AuditTime(microseconds: 1_760_000_000_000_000 + Int64(index))
            switch index % 4 {
            case 0: event.reason = ""  // empty text, not NULL
            case 1: event.reason = "ünïcödé ✓ 日本 \(index)"
            case 2: event.reason = "NUL \0 inside, quote ' too"
            default: event.reason = nil
            }
            event.audience = index % 3 == 0 ? "" : event.audience
            event.issuedJTI = index % 5 == 0 ? nil : "issued-\(index)"
            events.append(event)
        }
        #expect(try store.insert(events) == events.count)
        let stored = try store.query(AuditQuery(limit: nil))
        #expect(stored.sorted { $0.time < $1.time } == events)
        let nulls = try run("/usr/bin/sqlite3", [dir.file("audit.db"),
            "SELECT count(*) FROM tokengate_audit_events WHERE reason IS NULL"])
        #expect(nulls == "10", "an empty reason is stored as '', only nil as NULL")
    }
}
