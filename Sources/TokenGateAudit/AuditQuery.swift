// SPDX-License-Identifier: Apache-2.0

/// A filter over the trail, as `tokengate audit query` takes it. All set conditions must hold.
public struct AuditQuery: Sendable, Equatable {
    public var podName: String?
    public var podUID: String?
    public var namespace: String?
    /// The cluster the event names (no index of its own: combine it with an indexed filter).
    public var cluster: String?
    public var serviceAccount: String?
    /// Matches the issued token's `jti` or the source (subject) token's `jti`.
    public var jti: String?
    /// Matches only the issued token's `jti`.
    public var issuedJTI: String?
    /// Matches only the source token's `jti`.
    public var subjectJTI: String?
    public var audience: String?
    public var decision: String?
    public var kind: String?
    /// Inclusive lower bound on the event time.
    public var since: AuditTime?
    /// Exclusive upper bound on the event time.
    public var until: AuditTime?
    /// At most this many rows, newest first; nil for all.
    public var limit: Int?

    public init(limit: Int? = 1000) { self.limit = limit }

    /// The SELECT for this filter with numbered placeholders made by `placeholder(n)` (1-based):
    /// `?n` for SQLite, `$n` for PostgreSQL. Values are always bound, never spliced into the text.
    func sql(placeholder: (Int) -> String) -> (sql: String, arguments: [AuditValue]) {
        var conditions: [String] = []
        var arguments: [AuditValue] = []
        func bind(_ value: AuditValue) -> String {
            arguments.append(value)
            return placeholder(arguments.count)
        }
        let equalities: [(String, String?)] = [
            ("pod_name", podName), ("pod_uid", podUID), ("namespace", namespace), ("cluster", cluster),
            ("service_account", serviceAccount), ("issued_jti", issuedJTI), ("subject_jti", subjectJTI),
            ("audience", audience), ("decision", decision), ("kind", kind),
        ]
        for (column, value) in equalities {
            if let value { conditions.append("\(column) = \(bind(.text(value)))") }
        }
        if let jti {
            let marker = bind(.text(jti))
            conditions.append("(issued_jti = \(marker) OR subject_jti = \(marker))")
        }
        if let since { conditions.append("ts_us >= \(bind(.integer(since.microseconds)))") }
        if let until { conditions.append("ts_us < \(bind(.integer(until.microseconds)))") }
        var sql = "SELECT \(AuditSchema.columnList) FROM \(AuditSchema.table)"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY ts_us DESC, id DESC"
        if let limit { sql += " LIMIT \(max(0, limit))" }
        return (sql, arguments)
    }
}
