// SPDX-License-Identifier: Apache-2.0
import TokenGateAudit

/// The filters every review list takes from its query string: cluster, namespace, ServiceAccount,
/// a time range, and the page. Values are bound as SQL parameters, never spliced into the text.
public struct ReviewFilter: Sendable, Equatable {
    public var cluster: String?
    public var namespace: String?
    public var serviceAccount: String?
    /// Inclusive lower bound on the event time.
    public var since: AuditTime?
    /// Exclusive upper bound on the event time.
    public var until: AuditTime?
    /// 0-based page of a list.
    public var page = 0
    /// The text of `since`/`until` as given (an age like `7d`, a date, RFC 3339), echoed in the form.
    public var sinceText = ""
    public var untilText = ""
    /// Problems with the query string, shown on the page rather than failing it.
    public var problems: [String] = []

    public static let pageSize = 100

    public init() {}

    /// Parses `cluster=…&namespace=…&sa=…&since=…&until=…&page=…` (unknown keys are kept in `rest`).
    public init(query: String?) {
        let form = FormQuery(query)
        func value(_ key: String) -> String? { form[key].flatMap { $0.isEmpty ? nil : $0 } }
        cluster = value("cluster")
        namespace = value("namespace")
        serviceAccount = value("sa")
        if let text = value("since") {
            sinceText = text
            since = AuditTime.parse(text)
            if since == nil { problems.append("since: '\(text)' is not a time (use 2h, 7d, 2026-12-01 or RFC 3339)") }
        }
        if let text = value("until") {
            untilText = text
            until = AuditTime.parse(text)
            if until == nil { problems.append("until: '\(text)' is not a time (use 2h, 7d, 2026-12-01 or RFC 3339)") }
        }
        if let text = value("page") {
            if let number = Int(text), number >= 0, number < 1_000_000 { page = number } else {
                problems.append("page: '\(text)' is not a page number")
            }
        }
    }

    /// The WHERE conditions for these filters (without the page), appending their values to `arguments`.
    func conditions(_ dialect: AuditSQLDialect, _ arguments: inout [AuditValue]) -> [String] {
        var conditions: [String] = []
        func bind(_ value: AuditValue) -> String {
            arguments.append(value)
            return dialect.placeholder(arguments.count)
        }
        if let cluster { conditions.append("cluster = \(bind(.text(cluster)))") }
        if let namespace { conditions.append("namespace = \(bind(.text(namespace)))") }
        if let serviceAccount { conditions.append("service_account = \(bind(.text(serviceAccount)))") }
        if let since { conditions.append("ts_us >= \(bind(.integer(since.microseconds)))") }
        if let until { conditions.append("ts_us < \(bind(.integer(until.microseconds)))") }
        return conditions
    }

    /// `LIMIT n OFFSET m` for this page, one row more than a page so the view knows if there is a next one.
    var pageClause: String { " LIMIT \(Self.pageSize + 1) OFFSET \(page * Self.pageSize)" }

    /// The query string that reproduces these filters, with `changes` applied (nil removes a key).
    public func queryString(_ changes: [String: String?] = [:]) -> String {
        var pairs: [(String, String)] = []
        func add(_ key: String, _ value: String?) {
            if let change = changes[key] {
                if let change, !change.isEmpty, !(key == "page" && change == "0") { pairs.append((key, change)) }
            } else if let value, !value.isEmpty {
                pairs.append((key, value))
            }
        }
        add("cluster", cluster)
        add("namespace", namespace)
        add("sa", serviceAccount)
        add("since", sinceText)
        add("until", untilText)
        add("page", page == 0 ? nil : String(page))
        for (key, value) in changes.sorted(by: { $0.key < $1.key })
        where !["cluster", "namespace", "sa", "since", "until", "page"].contains(key) {
            if let value { pairs.append((key, value)) }
        }
        return pairs.map { FormQuery.encode($0.0) + "=" + FormQuery.encode($0.1) }.joined(separator: "&")
    }
}
