// SPDX-License-Identifier: Apache-2.0
import TokenGateAudit

extension ReviewReader {
    /// Every workload admission saw, with its newest decision, by namespace.
    /// - Parameter status: only workloads whose newest decision is this one.
    public func coverage(_ filter: ReviewFilter, status: ReviewWorkload.Status? = nil) throws -> ReviewPage<ReviewWorkload> {
        var filter = filter
        filter.serviceAccount = nil  // admissions of workloads carry no ServiceAccount (their pods do)
        let rows = try store.read { dialect in
            var arguments: [AuditValue] = []
            let clause = whereClause(filter, dialect, &arguments, extra: ["kind = 'admission'", "resource_kind <> 'ServiceAccount'"])
            var outer = "rn = 1"
            if let status {
                let decision = switch status {
                case .projected: "patched"
                case .skipped: "allowed"
                case .denied: "denied"
                }
                arguments.append(.text(decision))
                outer += " AND decision = \(dialect.placeholder(arguments.count))"
            }
            return ("""
                SELECT cluster, namespace, resource_kind, name, decision, reason, ts_us, n FROM (
                  SELECT coalesce(cluster, '') AS cluster, coalesce(namespace, '') AS namespace,
                    coalesce(resource_kind, '') AS resource_kind,
                    coalesce(nullif(object_name, ''), pod_name, '') AS name, decision, coalesce(reason, '') AS reason, ts_us,
                    row_number() OVER (PARTITION BY cluster, namespace, resource_kind, coalesce(nullif(object_name, ''), pod_name, '')
                                       ORDER BY ts_us DESC, id DESC) AS rn,
                    count(*) OVER (PARTITION BY cluster, namespace, resource_kind, coalesce(nullif(object_name, ''), pod_name, '')) AS n
                  FROM \(Self.events)\(clause)) latest
                WHERE \(outer) ORDER BY namespace, resource_kind, name, cluster\(filter.pageClause)
                """, arguments)
        }
        return ReviewPage(rows.compactMap { row in
            guard row.count == 8, let decision = row[4].text, let ts = row[6].integer else { return nil }
            let status: ReviewWorkload.Status = switch decision {
            case "patched": .projected
            case "denied": .denied
            default: .skipped
            }
            return ReviewWorkload(
                cluster: row[0].text ?? "", namespace: row[1].text ?? "", kind: row[2].text ?? "", name: row[3].text ?? "",
                status: status, reason: row[5].text ?? "", lastSeen: AuditTime(microseconds: ts), decisions: Int(row[7].integer ?? 0))
        })
    }

    // MARK: Pods

    /// Pods that exchanged tokens, the most recently active first.
    public func pods(_ filter: ReviewFilter) throws -> ReviewPage<ReviewPod> {
        let rows = try store.read { dialect in
            var arguments: [AuditValue] = []
            let clause = whereClause(filter, dialect, &arguments, extra: ["kind = 'token_exchange'", "pod_name IS NOT NULL"])
            return ("""
                SELECT coalesce(cluster, ''), coalesce(namespace, ''), pod_name, coalesce(pod_uid, ''), max(node_name),
                  max(service_account),
                  CAST(sum(CASE WHEN decision = 'granted' THEN 1 ELSE 0 END) AS BIGINT),
                  CAST(sum(CASE WHEN decision = 'denied' THEN 1 ELSE 0 END) AS BIGINT),
                  \(dialect.joinDistinct("CASE WHEN decision = 'granted' THEN audience END")),
                  max(CASE WHEN decision = 'granted' THEN ts_us END), max(ts_us)
                FROM \(Self.events)\(clause) GROUP BY 1, 2, 3, 4 ORDER BY 11 DESC, 3\(filter.pageClause)
                """, arguments)
        }
        return ReviewPage(rows.compactMap { row in
            guard row.count == 11, let name = row[2].text else { return nil }
            let audiences = (row[8].text ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            return ReviewPod(
                cluster: row[0].text ?? "", namespace: row[1].text ?? "", name: name, uid: row[3].text ?? "",
                node: row[4].text ?? "", serviceAccount: row[5].text ?? "", issued: Int(row[6].integer ?? 0),
                denied: Int(row[7].integer ?? 0), audiences: Array(Set(audiences)).sorted(),
                lastIssued: row[9].integer.map { AuditTime(microseconds: $0) })
        })
    }

    /// One pod's events (admission and exchanges), newest first: by uid, or by name when it has none.
    public func timeline(podUID: String?, podName: String?, filter: ReviewFilter) throws -> ReviewPage<AuditEvent> {
        var query = AuditQuery(limit: (filter.page + 1) * ReviewFilter.pageSize + 1)
        if let podUID, !podUID.isEmpty { query.podUID = podUID } else { query.podName = podName ?? "" }
        query.namespace = filter.namespace
        query.cluster = filter.cluster
        query.since = filter.since
        query.until = filter.until
        let events = try store.query(query)
        return ReviewPage(Array(events.dropFirst(filter.page * ReviewFilter.pageSize)))
    }

    // MARK: Denials

    /// Denials grouped by kind, reason and ServiceAccount, the newest group first.
    public func denialGroups(_ filter: ReviewFilter) throws -> ReviewPage<ReviewDenialGroup> {
        let rows = try store.read { dialect in
            var arguments: [AuditValue] = []
            let clause = whereClause(filter, dialect, &arguments, extra: ["decision = 'denied'"])
            return ("""
                SELECT kind, CASE WHEN kind = 'admission' THEN coalesce(reason, '') ELSE \(dialect.firstWord("reason")) END,
                  coalesce(namespace, ''), coalesce(service_account, ''), count(*), max(ts_us)
                FROM \(Self.events)\(clause) GROUP BY 1, 2, 3, 4 ORDER BY 6 DESC\(filter.pageClause)
                """, arguments)
        }
        return ReviewPage(rows.compactMap { row in
            guard row.count == 6, let kind = row[0].text, let count = row[4].integer, let last = row[5].integer else { return nil }
            return ReviewDenialGroup(
                kind: kind, reason: row[1].text ?? "", namespace: row[2].text ?? "", serviceAccount: row[3].text ?? "",
                count: Int(count), last: AuditTime(microseconds: last))
        })
    }

    /// Denied events themselves, newest first, with their full detail.
    public func denials(_ filter: ReviewFilter) throws -> ReviewPage<AuditEvent> {
        var query = AuditQuery(limit: (filter.page + 1) * ReviewFilter.pageSize + 1)
        query.decision = AuditEvent.Decision.denied.rawValue
        query.namespace = filter.namespace
        query.cluster = filter.cluster
        query.serviceAccount = filter.serviceAccount
        query.since = filter.since
        query.until = filter.until
        let events = try store.query(query)
        return ReviewPage(Array(events.dropFirst(filter.page * ReviewFilter.pageSize)))
    }
}
