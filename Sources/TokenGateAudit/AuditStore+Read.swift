// SPDX-License-Identifier: Apache-2.0

/// SQL dialect of a store, for the few places where SQLite and PostgreSQL spell a thing differently.
public enum AuditSQLDialect: Sendable {
    case sqlite, postgres

    /// The marker of the `n`th (1-based) bound parameter: `?n` or `$n`.
    public func placeholder(_ n: Int) -> String { self == .sqlite ? "?\(n)" : "$\(n)" }

    /// The aggregate that joins distinct texts with a space (`group_concat` / `string_agg`).
    public func joinDistinct(_ column: String) -> String {
        self == .sqlite ? "group_concat(DISTINCT \(column))" : "string_agg(DISTINCT \(column), ',')"
    }
}

/// A store that answers read-only SQL over the trail's tables (the review page's aggregates).
///
/// Only statements that change nothing are run: SQLite checks each prepared statement
/// (`sqlite3_stmt_readonly`), PostgreSQL runs it in a `READ ONLY` transaction. Values are always
/// bound, never spliced into the text. Blocks like every other store call.
public protocol AuditReadableStore: AuditStore {
    var dialect: AuditSQLDialect { get }

    /// Rows of a read-only query. `build` gets the dialect and returns the SQL and its arguments.
    /// - Throws: ``AuditError``; `.badQuery` when the statement would write.
    func read(_ build: (AuditSQLDialect) -> (sql: String, arguments: [AuditValue])) throws -> [[AuditValue]]
}

/// Names the reader may put in its SQL.
public enum AuditTables {
    public static let events = AuditSchema.table
    public static let publishedKeys = PublishedKeysTable.name
    public static let keyHistory = PublishedKeysTable.historyName
    public static let clusterChecks = ClusterChecksTable.name
}
