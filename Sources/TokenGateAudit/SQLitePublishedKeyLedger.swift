// SPDX-License-Identifier: Apache-2.0
import Synchronization

/// The published-keys ledger in an SQLite file: the audit database (`--audit-db`), or a file of
/// its own. Its own connection, so the audit writer's thread and the broker's reload tick never
/// wait on each other's lock; SQLite's busy timeout orders their writes to the file.
public final class SQLitePublishedKeyLedger: PublishedKeyLedger {
    public let path: String
    public var kindName: String { "sqlite" }

    private let connection = Mutex<SQLiteConnection?>(nil)

    /// Opens (creating if needed) the file and the table, so a bad path stops the server at start.
    public init(path: String) throws {
        self.path = path
        try withConnection { _ in () }
    }

    private func withConnection<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try connection.withLock { slot in
            if let open = slot { return try body(open) }
            let open = try SQLiteConnection(path: path, create: true)
            // WAL, like the audit store, so readers never block the writer; a committed row survives a power cut.
            _ = try open.rows("PRAGMA journal_mode=WAL")
            try open.execute("PRAGMA synchronous=FULL")
            for statement in PublishedKeysTable.createAll { try open.execute(statement) }
            slot = open
            return try body(open)
        }
    }

    public func publish(_ entry: PublishedKeyEntry) throws {
        let now = AuditTime.now()
        try withConnection { connection in
            _ = try connection.rows(PublishedKeysTable.upsert(.sqlite), PublishedKeysTable.arguments(entry, now: now.seconds))
            _ = try connection.rows(PublishedKeysTable.recordFirst(.sqlite), [.text(entry.issuer), .text(entry.keyID), .integer(now.microseconds)])
        }
    }

    public func entries(issuer: String, liveAt now: Int64) throws -> [PublishedKeyEntry] {
        try withConnection { connection in
            try connection.rows(PublishedKeysTable.live(.sqlite), [.text(issuer), .integer(now)]).compactMap(PublishedKeysTable.entry)
        }
    }

    @discardableResult
    public func prune(expiredAt now: Int64) throws -> Int {
        try withConnection { connection in
            _ = try connection.rows(PublishedKeysTable.prune(.sqlite), [.integer(now)])
            return connection.changes
        }
    }

    public func close() {
        connection.withLock { slot in
            slot?.close()
            slot = nil
        }
    }
}
