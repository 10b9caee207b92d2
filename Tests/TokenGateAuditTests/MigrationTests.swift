// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAudit

/// A database written by an older TokenGate (schema version 1, created here by hand exactly as
/// version 1 shipped) is opened by the current code: it must migrate in place and keep its rows.
@Suite struct MigrationTests {
    static let version1 = [
        """
        CREATE TABLE tokengate_schema_version (version INTEGER PRIMARY KEY, applied_at_us BIGINT NOT NULL);
        """,
        """
        CREATE TABLE tokengate_audit_events (id TEXT PRIMARY KEY, ts_us BIGINT NOT NULL, kind TEXT NOT NULL,
          decision TEXT NOT NULL, reason TEXT, cluster TEXT, namespace TEXT, pod_name TEXT, pod_uid TEXT,
          node_name TEXT, service_account TEXT, subject_jti TEXT, issued_jti TEXT, audience TEXT,
          issued_at_us BIGINT, expires_at_us BIGINT, client_address TEXT, request_uid TEXT, resource_kind TEXT,
          object_name TEXT, operation TEXT, patch_summary TEXT);
        """,
        "CREATE INDEX idx_tg_audit_ts ON tokengate_audit_events (ts_us);",
        "INSERT INTO tokengate_schema_version VALUES (1, 1700000000000000);",
        """
        INSERT INTO tokengate_audit_events (id, ts_us, kind, decision, namespace, pod_name, pod_uid, node_name,
          service_account, subject_jti, issued_jti, audience)
        VALUES ('0b6e3c52-8f7a-4b1e-9c7d-2f1e0a9b8c7d', 1700000000000000, 'token_exchange', 'granted', 'openunison',
          'orchestra-0', 'pod-uid-0', 'worker-1', 'orchestra', 'src-jti', 'issued-jti', 'https://vault');
        """,
    ]

    static func checkMigrated(_ store: any AuditStore) throws {
        try store.migrate()
        #expect(try store.schemaVersion() == 3)
        var query = AuditQuery()
        query.jti = "issued-jti"
        let old = try store.query(query)
        #expect(old.count == 1)
        #expect(old.first?.podName == "orchestra-0")
        #expect(old.first?.nodeUID == nil, "a v1 row has no node UID")
        #expect(old.first?.time == AuditTime(seconds: 1_700_000_000))
        // The new columns and indexes work.
        var event = AuditEventTests.fullExchange()
        event.podName = "orchestra-0"
        try store.insert([event])
        var byPod = AuditQuery()
        byPod.podName = "orchestra-0"
        #expect(try store.query(byPod).map(\.nodeUID) == ["node-uid-3", nil])
        // Version 3: the cluster-checks table, empty until the broker writes to it.
        #expect(try store.clusterChecks().isEmpty)
        try store.record([.success(.jwks, cluster: "prod", at: AuditTime(seconds: 1_700_000_100))])
        #expect(try store.clusterChecks().map(\.succeededAt) == [AuditTime(seconds: 1_700_000_100)])
        #expect(try store.count() == 2, "checks are not events")
    }

    @Test func sqliteVersion1MigratesAndKeepsItsRows() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("v1.db")
        try run("/usr/bin/sqlite3", [path, Self.version1.joined(separator: "\n")])
        let store = try SQLiteAuditStore(path: path)
        try Self.checkMigrated(store)
        #expect(try run("/usr/bin/sqlite3", [path, "SELECT group_concat(version) FROM tokengate_schema_version"]) == "1,2,3")
        #expect(try run("/usr/bin/sqlite3", [path,
            "SELECT count(*) FROM sqlite_master WHERE type='index' AND name LIKE 'idx_tg_audit_%'"]) == "9")
    }
}
