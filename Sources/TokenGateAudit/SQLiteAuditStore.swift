// SPDX-License-Identifier: Apache-2.0
import CSQLite
import Synchronization

/// The embedded store: one SQLite file in WAL mode, so `tokengate serve` needs nothing else and
/// `tokengate audit query` can read while the server writes.
///
/// `synchronous=FULL`: a committed batch survives a power cut. Batching makes that one fsync per
/// batch, not per event (see hack/bench-audit.sh for what it costs).
public final class SQLiteAuditStore: AuditReadableStore {
    public let path: String
    public var kindName: String { "sqlite" }

    /// Connection settings that make a batch cheaper and leave durability as it is: a commit is
    /// durable once SQLite has fsynced it to the WAL (`synchronous=FULL`), whatever these say.
    ///
    /// - `cache_size`: SQLite's default page cache is 2 MiB. The events table is eleven B-trees (the
    ///   rows, the id key, nine query indexes); past ~40,000 events they outgrow it and every batch
    ///   read about four pages per event back from the kernel. 32 MiB is a ceiling, filled only as used.
    /// - `wal_autocheckpoint`: the default checkpoints once the WAL holds 1,000 pages (4 MiB). A
    ///   batch dirties more than that, so every commit was followed by a checkpoint: its pages
    ///   copied into the database file and two more fsyncs. A checkpoint only copies pages that are
    ///   already durable in the WAL, so checkpointing every 16,384 pages (64 MiB) changes how large
    ///   the WAL grows, not what survives a crash or a power cut.
    /// - `journal_size_limit`: when a checkpoint resets the WAL, it is cut back to 64 MiB, so a
    ///   WAL that grew while a long `audit query` held back checkpoints does not keep its size.
    ///
    /// Public so that hack/bench-audit.sh can give its same-durability floor the same settings.
    public static let connectionSettings = [
        "cache_size=-32768", "wal_autocheckpoint=16384", "journal_size_limit=67108864",
    ]

    private struct State {
        var connection: SQLiteConnection?
        /// Prepared INSERTs by the number of rows they take.
        var inserts: [Int: SQLiteStatement] = [:]
        var rows = SQLiteRowBuffer()
    }
    private let state = Mutex(State())

    /// Opens (creating if needed) and migrates the database at `path`.
    /// - Parameter create: false to fail when the file does not exist (query tools).
    public init(path: String, create: Bool = true) throws {
        self.path = path
        try state.withLock { state in
            _ = try Self.connection(&state, path: path, create: create)
        }
        try migrate()
    }

    private static func connection(_ state: inout State, path: String, create: Bool = true) throws -> SQLiteConnection {
        if let connection = state.connection { return connection }
        let connection = try SQLiteConnection(path: path, create: create)
        let mode = try connection.rows("PRAGMA journal_mode=WAL").first?.first
        guard mode == .text("wal") else {
            throw AuditError(.io, "SQLite could not switch \(path) to WAL mode (got \(String(describing: mode))); "
                + "WAL needs a local file system that supports shared memory")
        }
        try connection.execute("PRAGMA synchronous=FULL")
        for setting in connectionSettings { _ = try connection.rows("PRAGMA " + setting) }
        state.connection = connection
        return connection
    }

    private func withConnection<T: Sendable>(_ body: (SQLiteConnection, inout State) throws -> T) throws -> T {
        try state.withLock { state in
            let connection = try Self.connection(&state, path: path)
            return try body(connection, &state)
        }
    }

    public func migrate() throws {
        try withConnection { connection, _ in
            // IMMEDIATE takes the write lock first, so two processes cannot both apply a migration.
            try connection.execute("BEGIN IMMEDIATE")
            do {
                try connection.execute(AuditSchema.createVersionTable)
                let current = try Self.version(connection)
                if current > AuditSchema.currentVersion { throw AuditSchema.newerSchemaError(found: current) }
                for migration in AuditSchema.migrations where migration.version > current {
                    for statement in migration.statements { try connection.execute(statement) }
                    try connection.execute("INSERT INTO \(AuditSchema.versionTable) (version, applied_at_us) "
                        + "VALUES (\(migration.version), \(AuditTime.now().microseconds))")
                }
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    private static func version(_ connection: SQLiteConnection) throws -> Int {
        let exists = try connection.rows(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", [.text(AuditSchema.versionTable)])
        guard exists.first?.first != .integer(0) else { return 0 }
        if case .integer(let version) = try connection.rows("SELECT max(version) FROM \(AuditSchema.versionTable)").first?.first {
            return Int(version)
        }
        return 0
    }

    public func schemaVersion() throws -> Int {
        try withConnection { connection, _ in try Self.version(connection) }
    }

    /// Rows per INSERT execution: one statement run inserts this many events, so SQLite runs its
    /// statement machinery once per 16 events rather than once per event (24 parameters a row,
    /// 384 a statement, far below SQLite's limit of 999 in its oldest supported versions).
    static let rowsPerStatement = 16

    @discardableResult
    public func insert(_ events: [AuditEvent]) throws -> Int {
        guard !events.isEmpty else { return 0 }
        return try withConnection { connection, state in
            try connection.execute("BEGIN IMMEDIATE")
            var inserted = 0
            do {
                var start = events.startIndex
                while start < events.endIndex {
                    let rows = min(Self.rowsPerStatement, events.endIndex - start)
                    let statement = try Self.insertStatement(rows: rows, connection, &state)
                    state.rows.encode(events[start..<(start + rows)])
                    try state.rows.execute(statement)
                    inserted += connection.changes
                    start += rows
                }
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
            return inserted
        }
    }

    /// The prepared `INSERT OR IGNORE` for `rows` events, prepared on first use and kept.
    private static func insertStatement(rows: Int, _ connection: SQLiteConnection, _ state: inout State) throws -> SQLiteStatement {
        if let cached = state.inserts[rows] { return cached }
        let row = "(" + Array(repeating: "?", count: SQLiteRowBuffer.fields.count).joined(separator: ", ") + ")"
        let statement = try connection.prepare("INSERT OR IGNORE INTO \(AuditSchema.table) (\(AuditSchema.columnList)) VALUES "
            + Array(repeating: row, count: rows).joined(separator: ", "))
        state.inserts[rows] = statement
        return statement
    }

    public func record(_ checks: [ClusterCheck]) throws {
        guard !checks.isEmpty else { return }
        try withConnection { connection, _ in
            try connection.execute("BEGIN IMMEDIATE")
            do {
                for check in checks { _ = try connection.rows(ClusterChecksTable.upsert(.sqlite), ClusterChecksTable.arguments(check)) }
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    public func clusterChecks() throws -> [ClusterCheck] {
        try withConnection { connection, _ in
            try connection.rows(ClusterChecksTable.select + " ORDER BY cluster, kind").compactMap(ClusterChecksTable.check)
        }
    }

    public func query(_ query: AuditQuery) throws -> [AuditEvent] {
        let (sql, arguments) = query.sql { "?\($0)" }
        return try withConnection { connection, _ in
            try connection.rows(sql, arguments).compactMap { AuditEvent(values: $0) }
        }
    }

    public func explain(_ query: AuditQuery) throws -> [String] {
        let (sql, arguments) = query.sql { "?\($0)" }
        return try withConnection { connection, _ in
            // Columns: id, parent, notused, detail.
            try connection.rows("EXPLAIN QUERY PLAN " + sql, arguments).compactMap { row in
                if case .text(let detail) = row.last { detail } else { nil }
            }
        }
    }

    @discardableResult
    public func prune(olderThan cutoff: AuditTime) throws -> Int {
        var total = 0
        while true {
            // One short transaction per chunk keeps the write lock free for the batch writer.
            let deleted = try withConnection { connection, _ in
                _ = try connection.rows("""
                    DELETE FROM \(AuditSchema.table) WHERE rowid IN
                    (SELECT rowid FROM \(AuditSchema.table) WHERE ts_us < ?1 LIMIT 5000)
                    """, [.integer(cutoff.microseconds)])
                return connection.changes
            }
            total += deleted
            if deleted == 0 { return total }
        }
    }

    public func count() throws -> Int {
        try withConnection { connection, _ in
            if case .integer(let count) = try connection.rows("SELECT count(*) FROM \(AuditSchema.table)").first?.first {
                return Int(count)
            }
            return 0
        }
    }

    public var dialect: AuditSQLDialect { .sqlite }

    public func read(_ build: (AuditSQLDialect) -> (sql: String, arguments: [AuditValue])) throws -> [[AuditValue]] {
        let (sql, arguments) = build(.sqlite)
        return try withConnection { connection, _ in
            let statement = try connection.prepare(sql)
            guard statement.isReadOnly else {
                throw AuditError(.badQuery, "refused a statement that would write to the audit trail: \(sql.prefix(80))")
            }
            try statement.bind(arguments)
            var rows: [[AuditValue]] = []
            while try statement.step() { rows.append(statement.row()) }
            return rows
        }
    }

    /// Runs SQL directly (tests, `ANALYZE`).
    public func execute(_ sql: String) throws {
        try withConnection { connection, _ in try connection.execute(sql) }
    }

    public func close() {
        state.withLock { state in
            state.inserts = [:]
            state.connection?.close()
            state.connection = nil
        }
    }
}
