// SPDX-License-Identifier: Apache-2.0

/// The SQL of the published-keys ledger, for SQLite and PostgreSQL alike except for the parameter
/// markers (`?1` / `$1`) and the name of the two-argument maximum (`max` / `GREATEST`).
///
/// Created with `IF NOT EXISTS` on first use rather than as an audit schema migration, so it does
/// not move the audit schema version. Only ever add to it (`ADD COLUMN IF NOT EXISTS`); replicas
/// of different versions share it.
enum PublishedKeysTable {
    static let name = "tokengate_published_keys"

    /// Times are Unix seconds, like the JWT `exp` they are computed from.
    static let create = """
        CREATE TABLE IF NOT EXISTS \(name) (
            issuer TEXT NOT NULL,
            kid TEXT NOT NULL,
            jwk TEXT NOT NULL,
            publish_until BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (issuer, kid)
        )
        """

    /// Every kid the ledger has held and when it was first published: the key rotations. Unlike
    /// the ledger's rows these are never pruned (a few rows a year), so a rotation stays on record
    /// after the old key's tokens have expired and its ledger row is gone.
    static let historyName = "tokengate_published_key_history"

    /// `first_published_us` is Unix microseconds (the order of two rotations within a second
    /// matters); NULL for a key already in the ledger when the history began (an upgrade), whose
    /// first publication nobody recorded.
    static let createHistory = """
        CREATE TABLE IF NOT EXISTS \(historyName) (
            issuer TEXT NOT NULL,
            kid TEXT NOT NULL,
            first_published_us BIGINT,
            PRIMARY KEY (issuer, kid)
        )
        """

    /// Keys in the ledger but not in the history (written before it existed) enter it with no
    /// time. `WHERE true` lets SQLite parse `ON CONFLICT` after a SELECT.
    static let seedHistory = """
        INSERT INTO \(historyName) (issuer, kid, first_published_us) SELECT issuer, kid, NULL FROM \(name) WHERE true
        ON CONFLICT (issuer, kid) DO NOTHING
        """

    /// Parameters: issuer, kid, now (microseconds). The first publication of a kid is kept; later ones change nothing.
    static func recordFirst(_ d: Dialect) -> String {
        "INSERT INTO \(historyName) (issuer, kid, first_published_us) VALUES (\(d.marker(1)), \(d.marker(2)), \(d.marker(3))) "
            + "ON CONFLICT (issuer, kid) DO NOTHING"
    }

    /// Every statement that makes the ledger's tables, in order.
    static let createAll = [create, createHistory, seedHistory]

    enum Dialect {
        case sqlite, postgres

        func marker(_ index: Int) -> String { self == .sqlite ? "?\(index)" : "$\(index)" }
        var greatest: String { self == .sqlite ? "max" : "GREATEST" }
    }

    /// Parameters: issuer, kid, jwk, publish_until, updated_at.
    static func upsert(_ d: Dialect) -> String {
        """
        INSERT INTO \(name) (issuer, kid, jwk, publish_until, updated_at)
        VALUES (\(d.marker(1)), \(d.marker(2)), \(d.marker(3)), \(d.marker(4)), \(d.marker(5)))
        ON CONFLICT (issuer, kid) DO UPDATE SET
            publish_until = \(d.greatest)(\(name).publish_until, excluded.publish_until),
            updated_at = excluded.updated_at
        """
    }

    /// Parameters: issuer, now. Columns: issuer, kid, jwk, publish_until.
    static func live(_ d: Dialect) -> String {
        "SELECT issuer, kid, jwk, publish_until FROM \(name) WHERE issuer = \(d.marker(1)) AND publish_until > \(d.marker(2)) ORDER BY kid"
    }

    /// Parameter: now.
    static func prune(_ d: Dialect) -> String {
        "DELETE FROM \(name) WHERE publish_until <= \(d.marker(1))"
    }

    static func arguments(_ entry: PublishedKeyEntry, now: Int64) -> [AuditValue] {
        [.text(entry.issuer), .text(entry.keyID), .text(entry.jwk), .integer(entry.publishUntil), .integer(now)]
    }

    /// A row of ``live(_:)``, or nil when a column is not what the table says.
    static func entry(_ row: [AuditValue]) -> PublishedKeyEntry? {
        guard row.count == 4, case .text(let issuer) = row[0], case .text(let kid) = row[1], case .text(let jwk) = row[2],
            case .integer(let until) = row[3]
        else { return nil }
        return PublishedKeyEntry(issuer: issuer, keyID: kid, jwk: jwk, publishUntil: until)
    }
}
