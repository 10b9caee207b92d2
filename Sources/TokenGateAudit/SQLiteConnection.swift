// SPDX-License-Identifier: Apache-2.0
import CSQLite

/// A thin, blocking wrapper over one `sqlite3` handle. Not thread-safe: ``SQLiteAuditStore`` owns
/// it behind a lock.
final class SQLiteConnection {
    let path: String
    private(set) var handle: OpaquePointer?

    init(path: String, create: Bool) throws {
        self.path = path
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db)
            throw AuditError(.io, "cannot open the SQLite audit database \(path): \(message)"
                + (create ? "; check that the directory exists and is writable" : "; does the file exist?"))
        }
        handle = db
        // Another process (a second `tokengate audit query`) may hold the write lock briefly.
        sqlite3_busy_timeout(db, 5000)
    }

    deinit { close() }

    func close() {
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    var lastError: String { handle.map { String(cString: sqlite3_errmsg($0)) } ?? "closed" }
    var changes: Int { handle.map { Int(sqlite3_changes($0)) } ?? 0 }

    /// Runs statements that return no rows we need.
    func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? lastError
            sqlite3_free(message)
            throw SQLiteConnection.error(rc, "\(text) (in: \(sql.prefix(80)))")
        }
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw SQLiteConnection.error(rc, "\(lastError) (in: \(sql.prefix(80)))")
        }
        return SQLiteStatement(statement, connection: self)
    }

    /// All rows of a query as ``AuditValue``s.
    func rows(_ sql: String, _ arguments: [AuditValue] = []) throws -> [[AuditValue]] {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        var rows: [[AuditValue]] = []
        while try statement.step() { rows.append(statement.row()) }
        return rows
    }

    /// Busy, locked, full, I/O and permission errors pass with time or an operator's fix: the writer
    /// spools and retries. Anything else is a bug in the statement or the data.
    static func error(_ rc: Int32, _ message: String) -> AuditError {
        switch rc & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED, SQLITE_FULL, SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_NOMEM:
            AuditError(.unavailable, "SQLite: \(message)")
        default:
            AuditError(.statement, "SQLite: \(message)")
        }
    }
}

/// One prepared statement; finalized when released.
final class SQLiteStatement {
    let handle: OpaquePointer
    let connection: SQLiteConnection

    init(_ statement: OpaquePointer, connection: SQLiteConnection) {
        self.handle = statement
        self.connection = connection
    }

    private var statement: OpaquePointer { handle }

    deinit { sqlite3_finalize(statement) }

    func bind(_ values: [AuditValue]) throws {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32 = switch value {
            case .null: sqlite3_bind_null(statement, index)
            case .integer(let number): sqlite3_bind_int64(statement, index, number)
            case .text(let text): sqlite3_bind_text(statement, index, text, Int32(text.utf8.count), tokengate_sqlite_transient())
            }
            guard rc == SQLITE_OK else { throw SQLiteConnection.error(rc, connection.lastError) }
        }
    }

    /// True when running the statement cannot change the database.
    var isReadOnly: Bool { sqlite3_stmt_readonly(statement) != 0 }

    /// Advances; true when a row is ready.
    func step() throws -> Bool {
        let rc = sqlite3_step(statement)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw SQLiteConnection.error(rc, connection.lastError)
        }
    }

    func row() -> [AuditValue] {
        (0..<sqlite3_column_count(statement)).map { column in
            switch sqlite3_column_type(statement, column) {
            case SQLITE_NULL: .null
            case SQLITE_INTEGER: .integer(sqlite3_column_int64(statement, column))
            default:
                if let text = sqlite3_column_text(statement, column) {
                    .text(String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column))),
                                 as: UTF8.self))
                } else {
                    .null
                }
            }
        }
    }
}
