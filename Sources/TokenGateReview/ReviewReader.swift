// SPDX-License-Identifier: Apache-2.0
import TokenGateAudit

/// The review page's questions, asked of the trail: pure query → view-model code over
/// ``AuditReadableStore``. Every call blocks on the database (run it off the event loops).
///
/// Each list is one aggregate query that SQLite and PostgreSQL plan on the trail's existing indexes
/// (the time index for the range, `decision` for denials, `pod_uid` for a pod's timeline).
public struct ReviewReader: Sendable {
    public let store: any AuditReadableStore

    public init(store: any AuditReadableStore) { self.store = store }

    static let hour: Int64 = 3_600_000_000
    static let day: Int64 = 24 * hour
    /// Without `since`, the overview shows the last seven days.
    static let defaultRange: Int64 = 7 * day
    static let events = AuditTables.events

    func whereClause(_ filter: ReviewFilter, _ dialect: AuditSQLDialect, _ arguments: inout [AuditValue],
                             extra: [String] = []) -> String {
        let all = extra + filter.conditions(dialect, &arguments)
        return all.isEmpty ? "" : " WHERE " + all.joined(separator: " AND ")
    }

    // MARK: Overview

    public func overview(_ filter: ReviewFilter, now: AuditTime = .now()) throws -> ReviewOverview {
        var filter = filter
        let to = filter.until ?? now
        let from = filter.since ?? AuditTime(microseconds: to.microseconds - Self.defaultRange)
        filter.since = from
        let bucket = to.microseconds - from.microseconds > 8 * Self.day ? Self.day : Self.hour
        let start = from.microseconds
        // 1. Issued tokens and projected workloads per bucket: the bulk of a trail, counted from the
        //    (decision, ts_us) index alone, without reading a row.
        let bulk = try store.read { dialect in
            var arguments: [AuditValue] = []
            let clause = whereClause(filter, dialect, &arguments, extra: ["decision IN ('granted', 'patched')"])
            return ("SELECT decision, (ts_us - \(start)) / \(bucket), count(*) FROM \(Self.events)\(clause) GROUP BY 1, 2",
                    arguments)
        }
        // 2. Everything else (denials, skips, outages) with its short reason and cluster: found by the
        //    same index, each row read. An exchange's reason starts with its RFC 8693 error or policy
        //    word; the rest is per-request detail.
        let rest = try store.read { dialect in
            var arguments: [AuditValue] = []
            let others = Self.otherDecisions.map { "'\($0)'" }.joined(separator: ", ")
            let clause = whereClause(filter, dialect, &arguments, extra: ["decision IN (\(others))"])
            return ("""
                SELECT decision, (ts_us - \(start)) / \(bucket), kind,
                  CASE WHEN kind = 'admission' THEN reason ELSE \(dialect.firstWord("reason")) END,
                  coalesce(cluster, ''), count(*), max(ts_us) FROM \(Self.events)\(clause) GROUP BY 1, 2, 3, 4, 5
                """, arguments)
        }
        var exchanges: [Int64: [String: Int]] = [:]
        var admissions: [Int64: [String: Int]] = [:]
        for row in bulk {
            guard row.count == 3, let decision = row[0].text, let index = row[1].integer, let count = row[2].integer else { continue }
            if decision == AuditEvent.Decision.patched.rawValue {
                admissions[index, default: [:]]["projected", default: 0] += Int(count)
            } else {
                exchanges[index, default: [:]]["issued", default: 0] += Int(count)
            }
        }
        var clusters: [String: ReviewCluster] = [:]
        for row in rest {
            guard row.count == 7, let decision = row[0].text, let index = row[1].integer, let kind = row[2].text,
                  let count = row[5].integer, let last = row[6].integer.map(AuditTime.init(microseconds:)) else { continue }
            let why = row[3].text ?? ""
            if kind == AuditEvent.Kind.admission.rawValue {
                admissions[index, default: [:]][Self.admissionSeries(decision: decision, reason: why), default: 0] += Int(count)
                continue
            }
            exchanges[index, default: [:]][Self.exchangeSeries(decision: decision, reason: why), default: 0] += Int(count)
            let name = row[4].text ?? ""
            var cluster = clusters[name] ?? ReviewCluster(name: name, lastRefused: last)
            cluster.refused += Int(count)
            cluster.lastRefused = max(cluster.lastRefused ?? last, last)
            clusters[name] = cluster
        }
        // 3. Each cluster's last granted exchange, among the range's newest grants (newest first on
        //    the same index, so this reads a bounded number of rows however large the trail).
        let granted = try store.read { dialect in
            var arguments: [AuditValue] = []
            let clause = whereClause(filter, dialect, &arguments, extra: ["decision = 'granted'", "kind = 'token_exchange'"])
            return ("""
                SELECT c, max(ts_us) FROM (SELECT coalesce(cluster, '') AS c, ts_us FROM \(Self.events)\(clause)
                  ORDER BY ts_us DESC LIMIT \(Self.grantWindow)) newest GROUP BY 1
                """, arguments)
        }
        for row in granted {
            guard row.count == 2, let name = row[0].text, let last = row[1].integer.map(AuditTime.init(microseconds:)) else { continue }
            clusters[name, default: ReviewCluster(name: name)].lastGranted = last
        }
        let buckets = Int((to.microseconds - from.microseconds + bucket - 1) / bucket)
        func series(_ counts: [Int64: [String: Int]]) -> [ReviewBucket] {
            (0..<Int64(max(buckets, 1))).map {
                ReviewBucket(start: AuditTime(microseconds: from.microseconds + $0 * bucket), counts: counts[$0] ?? [:])
            }
        }
        let (keys, rotations, keysNote) = signingKeys()
        let checksNote = addClusterChecks(to: &clusters, only: filter.cluster)
        return ReviewOverview(
            bucketMicros: bucket, from: from, to: to, exchanges: series(exchanges), admissions: series(admissions),
            keys: keys, keysNote: keysNote, rotations: rotations, clusters: clusters.values.sorted { $0.name < $1.name },
            checksNote: checksNote)
    }

    /// Decisions other than `granted` and `patched` that the broker and the webhook record.
    static let otherDecisions = ["denied", "allowed", "unavailable", "error"]
    /// How many of the range's newest grants the clusters table looks at for "last granted".
    public static let grantWindow = 20_000

    static func exchangeSeries(decision: String, reason: String) -> String {
        switch decision {
        case AuditEvent.Decision.granted.rawValue: "issued"
        case AuditEvent.Decision.denied.rawValue: "denied: " + (reason.isEmpty ? "no reason" : reason)
        default: decision
        }
    }

    /// Skips are grouped by their reason with names and parentheses cut off ("already projected").
    static func admissionSeries(decision: String, reason: String) -> String {
        switch decision {
        case AuditEvent.Decision.patched.rawValue: return "projected"
        case AuditEvent.Decision.denied.rawValue: return "denied"
        default:
            var short = Substring(reason)
            if let cut = short.firstIndex(where: { $0 == "(" || $0 == ":" }) { short = short[..<cut] }
            let words = short.split(separator: " ").prefix(4).joined(separator: " ")
            return "skipped: " + (words.isEmpty ? "no reason" : words)
        }
    }
}

extension AuditSQLDialect {
    /// The text up to the first space of a nullable column ('' for NULL).
    func firstWord(_ column: String) -> String {
        switch self {
        case .sqlite: "substr(coalesce(\(column), ''), 1, instr(coalesce(\(column), '') || ' ', ' ') - 1)"
        case .postgres: "split_part(coalesce(\(column), ''), ' ', 1)"
        }
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
