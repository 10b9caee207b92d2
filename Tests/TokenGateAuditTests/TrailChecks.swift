// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAudit

/// The checks both stores must pass on a generated trail: exact rows for every filter, and plans
/// that use the indexes. `usesIndex(plan, name)` reads the store's own EXPLAIN output.
enum TrailChecks {
    static let trailSize = 100_000

    static func load(_ store: any AuditStore, _ events: [AuditEvent]) throws {
        var start = 0
        while start < events.count {
            let end = min(events.count, start + 5000)
            #expect(try store.insert(Array(events[start..<end])) == end - start)
            start = end
        }
        #expect(try store.count() == events.count)
    }

    /// Queries that each name one value picked from the trail, so each has a known, small answer.
    static func queries(_ events: [AuditEvent]) -> [(String, AuditQuery, String?)] {
        let exchange = events.first { $0.kind == .tokenExchange && $0.issuedJTI != nil && $0.time > TrailGenerator.base.adding(seconds: 86400) }!
        var queries: [(String, AuditQuery, String?)] = []
        func add(_ name: String, _ index: String?, _ edit: (inout AuditQuery) -> Void) {
            var query = AuditQuery(limit: nil)
            edit(&query)
            queries.append((name, query, index))
        }
        add("pod name", "idx_tg_audit_pod_name") { $0.podName = exchange.podName }
        add("pod uid", "idx_tg_audit_pod_uid") { $0.podUID = exchange.podUID }
        add("issued jti", "idx_tg_audit_issued_jti") { $0.jti = exchange.issuedJTI }
        add("source jti", "idx_tg_audit_subject_jti") { $0.jti = exchange.subjectJTI }
        add("trace by source", "idx_tg_audit_subject_jti") { $0.subjectJTI = exchange.subjectJTI }
        add("service account in namespace", nil) {
            $0.serviceAccount = exchange.serviceAccountName
            $0.namespace = exchange.namespace
        }
        add("one hour", "idx_tg_audit_ts") {
            $0.since = exchange.time
            $0.until = exchange.time.adding(seconds: 3600)
        }
        add("audience, denied, one day", nil) {
            $0.audience = exchange.audience
            $0.decision = "denied"
            $0.since = exchange.time
            $0.until = exchange.time.adding(seconds: 86400)
        }
        add("namespace admissions", nil) {
            $0.namespace = exchange.namespace
            $0.kind = "admission"
        }
        add("pod, limited", "idx_tg_audit_pod_name") {
            $0.podName = exchange.podName
            $0.limit = 2
        }
        add("nothing", "idx_tg_audit_pod_name") { $0.podName = "no-such-pod" }
        return queries
    }

    static func checkQueries(_ store: any AuditStore, _ events: [AuditEvent]) throws {
        for (name, query, _) in queries(events) {
            let expected = TrailGenerator.expected(events, query)
            let got = try store.query(query)
            #expect(got.map(\.id) == expected, "query '\(name)' returned other rows")
            if name != "nothing" { #expect(!expected.isEmpty, "query '\(name)' should match something") }
            // Rows come back whole, not just their ids.
            for event in got.prefix(3) {
                #expect(events.first { $0.id == event.id } == event)
            }
        }
    }

    static func checkPlans(_ store: any AuditStore, _ events: [AuditEvent], usesIndex: ([String], String) -> Bool,
                           usesAnyIndex: ([String]) -> Bool) throws {
        for (name, query, index) in queries(events) {
            let plan = try store.explain(query)
            if let index {
                #expect(usesIndex(plan, index), "query '\(name)' should use \(index); plan: \(plan)")
            } else {
                #expect(usesAnyIndex(plan), "query '\(name)' should use an index; plan: \(plan)")
            }
        }
        // `--jti` is an OR over two columns: both indexes take part.
        let jti = queries(events).first { $0.0 == "issued jti" }!.1
        let plan = try store.explain(jti)
        #expect(usesIndex(plan, "idx_tg_audit_issued_jti") && usesIndex(plan, "idx_tg_audit_subject_jti"), "\(plan)")
    }
}
