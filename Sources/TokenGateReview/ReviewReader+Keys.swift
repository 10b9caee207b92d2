// SPDX-License-Identifier: Apache-2.0
import TokenGateAudit

/// The overview's signing keys and their rotations: the published-keys ledger (live keys) and the
/// key history beside it (every kid's first publication, never pruned).
extension ReviewReader {
    /// One row of the key history: a kid and when it was first published (nil: before the history).
    struct HistoryRow: Sendable, Equatable {
        var issuer: String
        var keyID: String
        var firstPublished: AuditTime?
    }

    /// The ledger's keys, the rotations, and a note when this database holds no ledger.
    func signingKeys() -> ([ReviewKey], [ReviewRotation], String?) {
        let history: [HistoryRow]
        do {
            history = try store.read { _ in
                ("SELECT issuer, kid, first_published_us FROM \(AuditTables.keyHistory)", [])
            }.compactMap { row in
                guard row.count == 3, let issuer = row[0].text, let kid = row[1].text else { return nil }
                return HistoryRow(issuer: issuer, keyID: kid, firstPublished: row[2].integer.map { AuditTime(microseconds: $0) })
            }
        } catch {
            history = []  // a ledger written before the history existed: keys without rotations
        }
        let keys: [ReviewKey]
        do {
            let first = Dictionary(history.map { ("\($0.issuer) \($0.keyID)", $0.firstPublished) }, uniquingKeysWith: { a, _ in a })
            keys = try store.read { _ in
                ("SELECT issuer, kid, publish_until, updated_at FROM \(AuditTables.publishedKeys) ORDER BY updated_at DESC, kid", [])
            }.compactMap { row -> ReviewKey? in
                guard row.count == 4, let issuer = row[0].text, let kid = row[1].text, let until = row[2].integer,
                      let updated = row[3].integer else { return nil }
                return ReviewKey(issuer: issuer, keyID: kid, publishUntil: AuditTime(seconds: until),
                                 refreshedAt: AuditTime(seconds: updated), firstPublished: first["\(issuer) \(kid)"] ?? nil)
            }
        } catch {
            return ([], Self.rotations(history), "this database has no published-keys ledger (the broker keeps it beside the trail when it signs)")
        }
        return (keys, Self.rotations(history), nil)
    }

    /// Rotations from the key history: per issuer, kids in the order they were first published;
    /// each kid with a time, after another kid, is a rotation from that kid. Newest first.
    ///
    /// Kids without a time (in the ledger before the history was kept) come first in their
    /// issuer's order, so the first rotation recorded after an upgrade names the key it replaced.
    static func rotations(_ history: [HistoryRow]) -> [ReviewRotation] {
        var rotations: [ReviewRotation] = []
        for (issuer, rows) in Dictionary(grouping: history, by: \.issuer) {
            let ordered = rows.sorted {
                ($0.firstPublished?.microseconds ?? .min, $0.keyID) < ($1.firstPublished?.microseconds ?? .min, $1.keyID)
            }
            for (index, row) in ordered.enumerated() {
                guard let time = row.firstPublished, index > 0 else { continue }
                rotations.append(ReviewRotation(issuer: issuer, time: time, fromKeyID: ordered[index - 1].keyID, toKeyID: row.keyID))
            }
        }
        return rotations.sorted { ($0.time, $0.issuer, $0.toKeyID) > ($1.time, $1.issuer, $1.toKeyID) }
    }

    /// Adds each cluster's stored JWKS and TokenReview outcomes (only `cluster` when the filter
    /// names one). Returns a note when the table cannot be read (a trail from before schema 3,
    /// opened without migrating).
    func addClusterChecks(to clusters: inout [String: ReviewCluster], only cluster: String?) -> String? {
        let rows: [[AuditValue]]
        do {
            rows = try store.read { dialect in
                var arguments: [AuditValue] = []
                var clause = ""
                if let cluster {
                    arguments.append(.text(cluster))
                    clause = " WHERE cluster = \(dialect.placeholder(1))"
                }
                return ("SELECT cluster, kind, last_success_us, last_failure_us, last_failure FROM \(AuditTables.clusterChecks)\(clause)",
                        arguments)
            }
        } catch {
            return "this trail has no record of JWKS fetches and TokenReviews (schema older than version 3)"
        }
        for row in rows {
            guard row.count == 5, let name = row[0].text, let kindText = row[1].text, let kind = ClusterCheck.Kind(rawValue: kindText)
            else { continue }
            let check = ClusterCheck(
                cluster: name, kind: kind, succeededAt: row[2].integer.map(AuditTime.init(microseconds:)),
                failedAt: row[3].integer.map(AuditTime.init(microseconds:)), failure: row[4].text)
            switch kind {
            case .jwks: clusters[name, default: ReviewCluster(name: name)].jwks = check
            case .tokenReview: clusters[name, default: ReviewCluster(name: name)].tokenReview = check
            }
        }
        return nil
    }
}
