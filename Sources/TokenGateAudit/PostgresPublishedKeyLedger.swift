// SPDX-License-Identifier: Apache-2.0
import Synchronization

/// The published-keys ledger in the shared PostgreSQL audit database: what lets every replica
/// publish the keys the others sign with.
///
/// Like ``PostgresAuditStore`` it connects on first use and again after a lost connection, so a
/// replica starts while the database is down and catches up when it returns. The table is created
/// under an advisory lock, so replicas starting together do not race on `CREATE TABLE`.
public final class PostgresPublishedKeyLedger: PublishedKeyLedger {
    public let dsn: String
    public var kindName: String { "postgresql" }

    /// Arbitrary constant naming the ledger's table-creation lock ("TGKEYS01").
    static let createLockKey: Int64 = 0x5447_4B45_5953_3031

    private let connection = Mutex<PostgresConnection?>(nil)

    public init(dsn: String) { self.dsn = dsn }

    private func withConnection<T: Sendable>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try connection.withLock { slot in
            if let open = slot, open.isBroken { slot = nil }
            do {
                if let open = slot { return try body(open) }
                let open = try PostgresConnection(dsn: dsn)
                try Self.createTable(open)
                slot = open
                return try body(open)
            } catch let error as AuditError where error.code == .unavailable {
                slot = nil  // the next call dials again
                throw error
            }
        }
    }

    private static func createTable(_ connection: PostgresConnection) throws {
        try connection.execute("BEGIN")
        do {
            try connection.execute("SELECT pg_advisory_xact_lock($1)", [.integer(createLockKey)])
            for statement in PublishedKeysTable.createAll { try connection.execute(statement) }
            try connection.execute("COMMIT")
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    public func publish(_ entry: PublishedKeyEntry) throws {
        let now = AuditTime.now()
        try withConnection { connection in
            _ = try connection.execute(PublishedKeysTable.upsert(.postgres), PublishedKeysTable.arguments(entry, now: now.seconds))
            _ = try connection.execute(PublishedKeysTable.recordFirst(.postgres), [.text(entry.issuer), .text(entry.keyID), .integer(now.microseconds)])
        }
    }

    public func entries(issuer: String, liveAt now: Int64) throws -> [PublishedKeyEntry] {
        try withConnection { connection in
            try connection.execute(PublishedKeysTable.live(.postgres), [.text(issuer), .integer(now)]).rows.compactMap(PublishedKeysTable.entry)
        }
    }

    @discardableResult
    public func prune(expiredAt now: Int64) throws -> Int {
        try withConnection { connection in
            try connection.execute(PublishedKeysTable.prune(.postgres), [.integer(now)]).affected
        }
    }

    public func close() {
        connection.withLock { $0 = nil }
    }
}
