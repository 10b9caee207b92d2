// SPDX-License-Identifier: Apache-2.0

/// One public signing key in the ledger: the broker `issuer` whose `/keys` must publish it, its
/// `kid`, the public JWK as JSON text, and until when (Unix seconds) tokens it signed may be alive.
public struct PublishedKeyEntry: Sendable, Equatable {
    public var issuer: String
    public var keyID: String
    public var jwk: String
    public var publishUntil: Int64

    public init(issuer: String, keyID: String, jwk: String, publishUntil: Int64) {
        self.issuer = issuer
        self.keyID = keyID
        self.jwk = jwk
        self.publishUntil = publishUntil
    }
}

/// The broker's durable memory of the keys it signed with, so `/keys` keeps a retired key after
/// a restart and every replica publishes the keys the others sign with.
///
/// Each replica, while a key signs, calls ``publish(_:)`` with `publishUntil` = now + the longest
/// lifetime it can issue + a margin, on start and on every reload tick; a row's `publishUntil`
/// only ever grows, so a replica with a shorter policy cannot cut short what another promised.
/// `/keys` is then the key files plus ``entries(issuer:liveAt:)``. The table lives in the audit
/// database (SQLite on a volume for one replica, PostgreSQL shared by replicas) or in a file of
/// its own, and is created on first use, apart from the audit schema's numbered migrations: it
/// holds no audit events and audit retention never touches it. Beside it, the key history
/// (``AuditTables/keyHistory``) keeps each kid's first publication for good: the rotations.
///
/// Every method BLOCKS on disk or network I/O: call them off the event loops and the cooperative pool.
public protocol PublishedKeyLedger: AnyObject, Sendable {
    /// `sqlite` or `postgresql`, for logs.
    var kindName: String { get }

    /// Adds the key, or extends its `publishUntil` (never shortens it; the stored JWK of a kid stays).
    /// The first publication of a kid is also recorded, with its time, in the key history.
    /// - Throws: ``AuditError``; `.unavailable` when the database cannot be reached now.
    func publish(_ entry: PublishedKeyEntry) throws

    /// The keys of `issuer` whose `publishUntil` is after `now`, by kid.
    func entries(issuer: String, liveAt now: Int64) throws -> [PublishedKeyEntry]

    /// Deletes every row whose `publishUntil` is at or before `now`.
    /// - Returns: how many rows were deleted.
    @discardableResult
    func prune(expiredAt now: Int64) throws -> Int

    /// Closes the connection; later calls reopen it.
    func close()
}

extension AuditStoreLocation {
    /// The ledger in the same database as the audit trail. SQLite is opened and its table created
    /// now; PostgreSQL connects on first use, so a server starts while the database is down.
    public func openKeyLedger() throws -> any PublishedKeyLedger {
        switch self {
        case .sqlite(let path): return try SQLitePublishedKeyLedger(path: path)
        case .postgres(let dsn): return PostgresPublishedKeyLedger(dsn: dsn)
        }
    }

    /// Where an open audit store keeps its data, so the ledger can share its database.
    public init?(store: any AuditStore) {
        if let sqlite = store as? SQLiteAuditStore {
            self = .sqlite(path: sqlite.path)
        } else if let postgres = store as? PostgresAuditStore {
            self = .postgres(dsn: postgres.dsn)
        } else {
            return nil
        }
    }
}
