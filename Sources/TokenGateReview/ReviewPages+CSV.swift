// SPDX-License-Identifier: Apache-2.0
import TokenGateAudit

/// The lists as CSV downloads (see ``ReviewCSV``).
extension ReviewPages {
    public func coverageCSV(_ filter: ReviewFilter, status: ReviewWorkload.Status?) throws -> String {
        let rows = try reader.coverage(filter, status: status).rows
        return ReviewCSV.render(
            header: ["namespace", "kind", "name", "cluster", "status", "reason", "last_decision", "decisions"],
            rows: rows.map { [$0.namespace, $0.kind, $0.name, $0.cluster, $0.status.rawValue, $0.reason,
                              $0.lastSeen.rfc3339, String($0.decisions)] })
    }

    public func podsCSV(_ filter: ReviewFilter) throws -> String {
        let rows = try reader.pods(filter).rows
        return ReviewCSV.render(
            header: ["cluster", "namespace", "pod", "uid", "node", "service_account", "issued", "audiences", "last_issued", "denied"],
            rows: rows.map { [$0.cluster, $0.namespace, $0.name, $0.uid, $0.node, $0.serviceAccount, String($0.issued),
                              $0.audiences.joined(separator: " "), $0.lastIssued?.rfc3339 ?? "", String($0.denied)] })
    }

    public func timelineCSV(podUID: String?, podName: String?, _ filter: ReviewFilter) throws -> String {
        Self.eventsCSV(try reader.timeline(podUID: podUID, podName: podName, filter: filter).rows)
    }

    public func denialsCSV(_ filter: ReviewFilter) throws -> String {
        Self.eventsCSV(try reader.denials(filter).rows)
    }

    static func eventsCSV(_ events: [AuditEvent]) -> String {
        ReviewCSV.render(
            header: ["time", "kind", "decision", "cluster", "namespace", "pod_or_object", "pod_uid", "node", "service_account",
                     "audience", "issued_jti", "subject_jti", "reason", "id"],
            rows: events.map { event in
                [event.time.rfc3339, event.kind.rawValue, event.decision.rawValue, event.cluster ?? "", event.namespace ?? "",
                 objectName(event), event.podUID ?? "", event.nodeName ?? "", event.serviceAccountName ?? "",
                 event.audience ?? "", event.issuedJTI ?? "", event.subjectJTI ?? "", reason(event), event.id.text]
            })
    }
}
