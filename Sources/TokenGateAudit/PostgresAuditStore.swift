// SPDX-License-Identifier: Apache-2.0
import Synchronization

/// The shared store: one PostgreSQL database that many replicas and clusters write to, through the
/// C client libpq (postgres-nio would bring a second TLS library into the binary).
///
/// The connection is opened lazily and reopened after any connection-level failure, so a server can
/// start while the database is down and recovers by itself when it returns. Schema migration runs
/// on the first connection, under an advisory lock so that replicas starting together take turns.
public final class PostgresAuditStore: AuditReadableStore {
    public let dsn: String
    public var kindName: String { "postgresql" }

    /// Rows per INSERT statement: 24 columns × 500 stays far below PostgreSQL's 65 535 parameters.
    static let rowsPerStatement = 500
    /// Arbitrary constant naming TokenGate's migration lock ("TGAUDIT1").
    static let migrationLockKey: Int64 = 0x5447_4155_4449_5431

    private struct State {
        var connection: PostgresConnection?
        var migrated = false
    }
    private let state = Mutex(State())

    public init(dsn: String) { self.dsn = dsn }

    private func withConnection<T: Sendable>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try state.withLock { state in
            if let connection = state.connection, connection.isBroken { state.connection = nil }
            let connection: PostgresConnection
            if let existing = state.connection {
                connection = existing
            } else {
                connection = try PostgresConnection(dsn: dsn)
                state.connection = connection
            }
            do {
                if !state.migrated {
                    try Self.migrate(connection)
                    state.migrated = true
                }
                return try body(connection)
            } catch let error as AuditError where error.code == .unavailable {
                // Drop the connection; the next call dials again.
                state.connection = nil
                throw error
            }
        }
    }

    public func migrate() throws {
        try withConnection { _ in () }
    }

    private static func migrate(_ connection: PostgresConnection) throws {
        try connection.execute("BEGIN")
        do {
            try connection.execute("SELECT pg_advisory_xact_lock($1)", [.integer(migrationLockKey)])
            try connection.execute(AuditSchema.createVersionTable)
            let current = try version(connection)
            if current > AuditSchema.currentVersion { throw AuditSchema.newerSchemaError(found: current) }
            for migration in AuditSchema.migrations where migration.version > current {
                for statement in migration.statements { try connection.execute(statement) }
                try connection.execute(
                    "INSERT INTO \(AuditSchema.versionTable) (version, applied_at_us) VALUES ($1, $2)",
                    [.integer(Int64(migration.version)), .integer(AuditTime.now().microseconds)])
            }
            try connection.execute("COMMIT")
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    private static func version(_ connection: PostgresConnection) throws -> Int {
        let result = try connection.execute("SELECT coalesce(max(version), 0)::bigint FROM \(AuditSchema.versionTable)")
        if case .integer(let version) = result.rows.first?.first { return Int(version) }
        return 0
    }

    public func schemaVersion() throws -> Int {
        // Reads without migrating, so it can report an old version.
        try state.withLock { state in
            let connection = try state.connection ?? PostgresConnection(dsn: dsn)
            state.connection = connection
            let exists = try connection.execute("SELECT to_regclass($1)::text", [.text(AuditSchema.versionTable)])
            guard exists.rows.first?.first != .null else { return 0 }
            return try Self.version(connection)
        }
    }

    @discardableResult
    public func insert(_ events: [AuditEvent]) throws -> Int {
        guard !events.isEmpty else { return 0 }
        let fields = AuditField.allCases
        return try withConnection { connection in
            try connection.execute("BEGIN")
            do {
                var inserted = 0
                var start = 0
                while start < events.count {
                    let chunk = events[start..<min(events.count, start + Self.rowsPerStatement)]
                    var arguments: [AuditValue] = []
                    arguments.reserveCapacity(chunk.count * fields.count)
                    var rows: [String] = []
                    for event in chunk {
                        let base = arguments.count
                        rows.append("(" + (1...fields.count).map { "$\(base + $0)" }.joined(separator: ",") + ")")
                        for field in fields { arguments.append(field.value(of: event)) }
                    }
                    let result = try connection.execute(
                        "INSERT INTO \(AuditSchema.table) (\(AuditSchema.columnList)) VALUES "
                            + rows.joined(separator: ",") + " ON CONFLICT (id) DO NOTHING", arguments)
                    inserted += result.affected
                    start += chunk.count
                }
                try connection.execute("COMMIT")
                return inserted
            } catch {
                _ = try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    public func record(_ checks: [ClusterCheck]) throws {
        guard !checks.isEmpty else { return }
        try withConnection { connection in
            try connection.execute("BEGIN")
            do {
                for check in checks { try connection.execute(ClusterChecksTable.upsert(.postgres), ClusterChecksTable.arguments(check)) }
                try connection.execute("COMMIT")
            } catch {
                _ = try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    public func clusterChecks() throws -> [ClusterCheck] {
        try withConnection { connection in
            try connection.execute(ClusterChecksTable.select + " ORDER BY cluster, kind").rows.compactMap(ClusterChecksTable.check)
        }
    }

    public func query(_ query: AuditQuery) throws -> [AuditEvent] {
        let (sql, arguments) = query.sql { "$\($0)" }
        return try withConnection { connection in
            try connection.execute(sql, arguments).rows.compactMap { AuditEvent(values: $0) }
        }
    }

    public func explain(_ query: AuditQuery) throws -> [String] {
        let (sql, arguments) = query.sql { "$\($0)" }
        return try withConnection { connection in
            try connection.execute("EXPLAIN " + sql, arguments).rows.compactMap { row in
                if case .text(let line) = row.first { line } else { nil }
            }
        }
    }

    @discardableResult
    public func prune(olderThan cutoff: AuditTime) throws -> Int {
        var total = 0
        while true {
            let deleted = try withConnection { connection in
                try connection.execute("""
                    DELETE FROM \(AuditSchema.table) WHERE id IN
                    (SELECT id FROM \(AuditSchema.table) WHERE ts_us < $1 LIMIT 5000)
                    """, [.integer(cutoff.microseconds)]).affected
            }
            total += deleted
            if deleted == 0 { return total }
        }
    }

    public func count() throws -> Int {
        try withConnection { connection in
            if case .integer(let count) = try connection.execute("SELECT count(*) FROM \(AuditSchema.table)").rows.first?.first {
                return Int(count)
            }
            return 0
        }
    }

    public var dialect: AuditSQLDialect { .postgres }

    public func read(_ build: (AuditSQLDialect) -> (sql: String, arguments: [AuditValue])) throws -> [[AuditValue]] {
        let (sql, arguments) = build(.postgres)
        return try withConnection { connection in
            // A READ ONLY transaction: PostgreSQL itself refuses anything that would write.
            try connection.execute("BEGIN READ ONLY")
            do {
                let rows = try connection.execute(sql, arguments).rows
                try connection.execute("COMMIT")
                return rows
            } catch {
                _ = try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs SQL directly (tests, `ANALYZE`).
    public func execute(_ sql: String) throws {
        try withConnection { connection in _ = try connection.execute(sql) }
    }

    public func close() {
        state.withLock { state in
            state.connection = nil
            state.migrated = false
        }
    }

    /// The DSN with every password replaced by `***`, for logs and errors
    /// (see ``PostgresConnectionString/redacted(_:)``).
    public static func redact(_ dsn: String) -> String { PostgresConnectionString.redacted(dsn) }
}
