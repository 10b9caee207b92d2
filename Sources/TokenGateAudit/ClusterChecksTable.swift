// SPDX-License-Identifier: Apache-2.0

/// The SQL of the cluster-checks table (schema version 3): one row per cluster and kind of call,
/// the same for SQLite and PostgreSQL but for the parameter markers and the two-argument maximum.
enum ClusterChecksTable {
    static let name = "tokengate_cluster_checks"

    /// Times are microseconds, like the events table's `ts_us`.
    static let create = """
        CREATE TABLE \(name) (
            cluster TEXT NOT NULL,
            kind TEXT NOT NULL,
            last_success_us BIGINT,
            last_failure_us BIGINT,
            last_failure TEXT,
            PRIMARY KEY (cluster, kind)
        )
        """

    /// Parameters: cluster, kind, success time, failure time, failure reason (NULLs for "none
    /// in this round"). Keeps the later of each time, as ``ClusterCheck/merged(with:)`` does, so
    /// replicas writing in any order never move a time back.
    static func upsert(_ dialect: AuditSQLDialect) -> String {
        let m = dialect.placeholder, greatest = dialect == .sqlite ? "max" : "GREATEST"
        func later(_ column: String) -> String {
            "NULLIF(\(greatest)(coalesce(\(name).\(column), 0), coalesce(excluded.\(column), 0)), 0)"
        }
        return """
            INSERT INTO \(name) (cluster, kind, last_success_us, last_failure_us, last_failure)
            VALUES (\(m(1)), \(m(2)), \(m(3)), \(m(4)), \(m(5)))
            ON CONFLICT (cluster, kind) DO UPDATE SET
                last_success_us = \(later("last_success_us")),
                last_failure = CASE WHEN excluded.last_failure_us >= coalesce(\(name).last_failure_us, 0)
                    THEN excluded.last_failure ELSE \(name).last_failure END,
                last_failure_us = \(later("last_failure_us"))
            """
    }

    static func arguments(_ check: ClusterCheck) -> [AuditValue] {
        [.text(check.cluster), .text(check.kind.rawValue), check.succeededAt.map { .integer($0.microseconds) } ?? .null,
         check.failedAt.map { .integer($0.microseconds) } ?? .null, check.failure.map { .text($0) } ?? .null]
    }

    /// Columns: cluster, kind, last_success_us, last_failure_us, last_failure.
    static let select = "SELECT cluster, kind, last_success_us, last_failure_us, last_failure FROM \(name)"

    /// A row of ``select``, or nil when a column is not what the table says.
    static func check(_ row: [AuditValue]) -> ClusterCheck? {
        guard row.count == 5, case .text(let cluster) = row[0], case .text(let kindText) = row[1],
              let kind = ClusterCheck.Kind(rawValue: kindText) else { return nil }
        func time(_ value: AuditValue) -> AuditTime? {
            if case .integer(let us) = value { AuditTime(microseconds: us) } else { nil }
        }
        var failure: String?
        if case .text(let text) = row[4] { failure = text }
        return ClusterCheck(cluster: cluster, kind: kind, succeededAt: time(row[2]), failedAt: time(row[3]), failure: failure)
    }
}
