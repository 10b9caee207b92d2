// SPDX-License-Identifier: Apache-2.0

/// The trail's tables and their history, the same SQL for SQLite and PostgreSQL.
///
/// TokenGate creates and migrates its own schema: `tokengate_schema_version` holds one row per
/// applied migration, and opening a store applies the missing ones in order, in one transaction
/// each, so several replicas starting against one PostgreSQL database cannot race (the store takes
/// an advisory lock) and a failure leaves the previous version intact. Only ever append migrations;
/// never edit one that has shipped.
enum AuditSchema {
    static let table = "tokengate_audit_events"
    static let versionTable = "tokengate_schema_version"

    struct Migration: Sendable {
        let version: Int
        let summary: String
        let statements: [String]
    }

    static var currentVersion: Int { migrations.last?.version ?? 0 }

    static let migrations: [Migration] = [
        Migration(version: 1, summary: "events table with a time index", statements: [
            """
            CREATE TABLE \(table) (
                id TEXT PRIMARY KEY,
                ts_us BIGINT NOT NULL,
                kind TEXT NOT NULL,
                decision TEXT NOT NULL,
                reason TEXT,
                cluster TEXT,
                namespace TEXT,
                pod_name TEXT,
                pod_uid TEXT,
                node_name TEXT,
                service_account TEXT,
                subject_jti TEXT,
                issued_jti TEXT,
                audience TEXT,
                issued_at_us BIGINT,
                expires_at_us BIGINT,
                client_address TEXT,
                request_uid TEXT,
                resource_kind TEXT,
                object_name TEXT,
                operation TEXT,
                patch_summary TEXT
            )
            """,
            "CREATE INDEX idx_tg_audit_ts ON \(table) (ts_us)",
        ]),
        Migration(version: 2, summary: "node and ServiceAccount UIDs; an index per query filter", statements: [
            "ALTER TABLE \(table) ADD COLUMN node_uid TEXT",
            "ALTER TABLE \(table) ADD COLUMN service_account_uid TEXT",
            // Each filter of `tokengate audit query` has an index that also yields newest-first order.
            "CREATE INDEX idx_tg_audit_pod_name ON \(table) (pod_name, ts_us)",
            "CREATE INDEX idx_tg_audit_pod_uid ON \(table) (pod_uid, ts_us)",
            "CREATE INDEX idx_tg_audit_namespace ON \(table) (namespace, ts_us)",
            "CREATE INDEX idx_tg_audit_service_account ON \(table) (service_account, ts_us)",
            "CREATE INDEX idx_tg_audit_audience ON \(table) (audience, ts_us)",
            "CREATE INDEX idx_tg_audit_decision ON \(table) (decision, ts_us)",
            // `--jti` matches the issued or the source token: two indexes, combined by OR.
            "CREATE INDEX idx_tg_audit_issued_jti ON \(table) (issued_jti)",
            "CREATE INDEX idx_tg_audit_subject_jti ON \(table) (subject_jti)",
        ]),
        // Not events: the latest outcome of each cluster's JWKS fetches and TokenReviews, one row
        // per cluster and kind, so the events table still holds exactly exchanges + admissions.
        Migration(version: 3, summary: "each cluster's last JWKS fetch and TokenReview", statements: [
            ClusterChecksTable.create,
        ]),
    ]

    /// `CREATE TABLE` for the version table (same in both dialects).
    static let createVersionTable =
        "CREATE TABLE IF NOT EXISTS \(versionTable) (version INTEGER PRIMARY KEY, applied_at_us BIGINT NOT NULL)"

    /// The column list of SELECT and INSERT, in ``AuditField`` order.
    static let columnList = AuditField.allCases.map(\.column).joined(separator: ", ")

    static func newerSchemaError(found: Int) -> AuditError {
        AuditError(.schema, "the audit database has schema version \(found), newer than this tokengate knows "
            + "(\(currentVersion)); upgrade tokengate, or point it at another database")
    }
}
