// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import TokenGateAudit

/// The published-keys ledger on SQLite and on a REAL PostgreSQL server (hack/postgres-test.sh).
/// The same checks run on both, and each result is also read with the database's own CLI.
@Suite(.serialized) struct PublishedKeyLedgerTests {
    static let issuer = "https://tokengate.example.com"

    static func entry(_ kid: String, until: Int64, issuer: String = issuer) -> PublishedKeyEntry {
        PublishedKeyEntry(issuer: issuer, keyID: kid, jwk: #"{"kty":"EC","kid":"\#(kid)"}"#, publishUntil: until)
    }

    /// What every ledger must do, whatever the database: dates only grow, reads are per issuer and
    /// live, prune deletes what has expired. `replica` is a second ledger on the same database.
    static func checkSemantics(_ ledger: any PublishedKeyLedger, replica: any PublishedKeyLedger) throws {
        try ledger.publish(entry("old", until: 1_000))
        try ledger.publish(entry("new", until: 2_000))
        try replica.publish(entry("new", until: 1_500))  // a replica with a shorter policy cannot cut it short
        try replica.publish(entry("old", until: 1_200))  // ...but may extend it
        try ledger.publish(entry("elsewhere", until: 9_000, issuer: "https://other.example.com"))
        var changed = entry("new", until: 1_800)
        changed.jwk = #"{"kty":"EC","kid":"forged"}"#
        try replica.publish(changed)  // the stored JWK of a kid stays

        #expect(try replica.entries(issuer: issuer, liveAt: 999) == [entry("new", until: 2_000), entry("old", until: 1_200)])
        #expect(try ledger.entries(issuer: issuer, liveAt: 1_200) == [entry("new", until: 2_000)], "due means after now")
        #expect(try ledger.entries(issuer: "https://nobody.example.com", liveAt: 0).isEmpty)
        #expect(try ledger.prune(expiredAt: 1_200) == 1)
        #expect(try replica.entries(issuer: issuer, liveAt: 0) == [entry("new", until: 2_000)])
        #expect(try replica.prune(expiredAt: 2_000) == 1)
        #expect(try ledger.entries(issuer: "https://other.example.com", liveAt: 0).count == 1)
    }

    @Test func sqliteLedgerSharesTheAuditDatabaseWithoutTouchingItsSchema() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("audit.db")
        let store = try SQLiteAuditStore(path: path)
        try store.insert(TrailGenerator.make(count: 20))
        let location = try #require(AuditStoreLocation(store: store))
        #expect(location == .sqlite(path: path))
        let ledger = try location.openKeyLedger()
        try Self.checkSemantics(ledger, replica: try SQLitePublishedKeyLedger(path: path))
        #expect(try store.schemaVersion() == 3 && store.count() == 20, "the audit trail is untouched")
        #expect(try store.prune(olderThan: AuditTime(seconds: Int64.max / 2_000_000)) == 20)
        // Checked with the sqlite3 CLI: the row survives the audit prune and a reopen.
        ledger.close()
        #expect(try run("/usr/bin/sqlite3", [path, "SELECT issuer || ' ' || kid || ' ' || publish_until FROM tokengate_published_keys"])
            == "https://other.example.com elsewhere 9000")
        #expect(try SQLitePublishedKeyLedger(path: path).entries(issuer: "https://other.example.com", liveAt: 0).count == 1)
    }

    @Test func sqliteLedgerInAFileOfItsOwn() throws {
        let dir = try TemporaryDirectory()
        try Self.checkSemantics(try SQLitePublishedKeyLedger(path: dir.file("keys.db")),
                                replica: try SQLitePublishedKeyLedger(path: dir.file("keys.db")))
        #expect(throws: AuditError.self) { try SQLitePublishedKeyLedger(path: dir.file("missing/dir/keys.db")) }
    }

    @Test func postgresLedgerIsSharedByReplicasAndStartsWhileTheDatabaseIsDown() throws {
        let server = try PostgresTestServer()
        try server.stop()
        let ledger = try #require(AuditStoreLocation(store: PostgresAuditStore(dsn: server.dsn))).openKeyLedger()
        do {
            try ledger.publish(Self.entry("k", until: 1))
            Issue.record("publish succeeded with the database down")
        } catch let error as AuditError {
            #expect(error.code == .unavailable)
        }
        try server.start()
        // Replicas starting together: the table is created once, under the advisory lock; none fails.
        let replicas = (0..<4).map { _ in PostgresPublishedKeyLedger(dsn: server.dsn) }
        DispatchQueue.concurrentPerform(iterations: replicas.count) { index in
            #expect(throws: Never.self) { try replicas[index].publish(Self.entry("replica-\(index)", until: 50)) }
        }
        #expect(try ledger.prune(expiredAt: 50) == 4)
        try Self.checkSemantics(ledger, replica: replicas[0])
        #expect(try server.psql("SELECT issuer || ' ' || kid || ' ' || publish_until FROM tokengate_published_keys")
            == "https://other.example.com elsewhere 9000")
        // The key history keeps every kid published, with its first publication, after the prunes.
        #expect(try server.psql("SELECT string_agg(kid, ',' ORDER BY kid) FROM tokengate_published_key_history WHERE first_published_us IS NOT NULL")
            == "elsewhere,new,old,replica-0,replica-1,replica-2,replica-3", "k was never stored: the database was down")
        #expect(try server.psql("SELECT count(*) FROM tokengate_published_key_history WHERE first_published_us > (extract(epoch FROM now())::bigint - 600) * 1000000") == "7")
        // The audit schema is not moved by the ledger's table.
        #expect(try PostgresAuditStore(dsn: server.dsn).schemaVersion() == 0)
    }
}
