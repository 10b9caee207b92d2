// SPDX-License-Identifier: Apache-2.0

/// Where the trail lives: one interface over the embedded SQLite file and a shared PostgreSQL.
///
/// Every method BLOCKS on disk or network I/O. Only ``AuditWriter``'s own thread and command-line
/// tools call them; request paths (event loops) never do — they call ``AuditWriter/enqueue(_:)``.
/// Implementations serialize their calls with a lock, so sharing one store between threads is safe
/// (merely not concurrent).
public protocol AuditStore: AnyObject, Sendable {
    /// A short name for logs and metrics: `sqlite` or `postgresql`.
    var kindName: String { get }

    /// Creates or migrates the schema to ``AuditSchema/currentVersion``. Safe to call repeatedly and
    /// from several processes at once.
    func migrate() throws

    /// The schema version the database is at (0 when empty).
    func schemaVersion() throws -> Int

    /// Inserts the events in one transaction, ignoring ids already present.
    /// - Returns: how many rows were new.
    /// - Throws: ``AuditError`` with code `.unavailable` when the database cannot be reached; the
    ///   caller keeps the batch (spool) and retries later. Nothing is half-written: it is one transaction.
    @discardableResult
    func insert(_ events: [AuditEvent]) throws -> Int

    /// Folds the checks into the cluster-checks table (one row per cluster and kind; each time only
    /// moves forward), in one transaction. ``AuditWriter`` calls it at most every
    /// ``AuditWriterConfiguration/clusterCheckInterval`` seconds with what it coalesced meanwhile.
    /// - Throws: ``AuditError``; `.unavailable` when the database cannot be reached (the writer
    ///   keeps the checks and tries again).
    func record(_ checks: [ClusterCheck]) throws

    /// The cluster-checks table, by cluster and kind.
    func clusterChecks() throws -> [ClusterCheck]

    /// The events matching `query`, newest first.
    func query(_ query: AuditQuery) throws -> [AuditEvent]

    /// The database's plan for `query` (EXPLAIN QUERY PLAN / EXPLAIN), one line per step.
    func explain(_ query: AuditQuery) throws -> [String]

    /// Deletes events older than `cutoff`, in bounded chunks so writers are never blocked for long.
    /// - Returns: how many rows were deleted.
    @discardableResult
    func prune(olderThan cutoff: AuditTime) throws -> Int

    /// Rows in the trail (for tests and `audit stats`).
    func count() throws -> Int

    /// Closes the connection; later calls reopen it.
    func close()
}

/// Which store to open, from `--db PATH` or `--dsn DSN` (or the server's config).
public enum AuditStoreLocation: Sendable, Equatable, CustomStringConvertible {
    /// An SQLite file, created if missing (WAL mode).
    case sqlite(path: String)
    /// A PostgreSQL connection string (`postgresql://…` URI or `host=… dbname=…` keywords).
    case postgres(dsn: String)

    /// Opens the store. SQLite is opened and migrated at once; PostgreSQL connects lazily, so a
    /// server can start while the database is down (events spool until it returns), but its
    /// connection string is parsed now: one libpq cannot parse would never connect.
    /// - Throws: ``AuditError``; `.configuration` for a connection string libpq cannot parse.
    public func open() throws -> any AuditStore {
        switch self {
        case .sqlite(let path): return try SQLiteAuditStore(path: path)
        case .postgres(let dsn):
            try PostgresConnectionString.check(dsn)
            return PostgresAuditStore(dsn: dsn)
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let dsn): "postgresql:\(PostgresAuditStore.redact(dsn))"
        }
    }
}
