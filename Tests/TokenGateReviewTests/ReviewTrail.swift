// SPDX-License-Identifier: Apache-2.0
import Foundation
import TokenGateAudit

/// A real SQLite trail in a temporary directory, removed when released.
final class ReviewTrail {
    let directory: String
    let store: SQLiteAuditStore

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/tokengate-review-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw AuditError(.io, "mkdtemp failed") }
        directory = String(cString: made)
        store = try SQLiteAuditStore(path: directory + "/audit.db")
    }

    deinit {
        store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static let base = AuditTime.parseRFC3339("2026-12-01T00:00:00Z")!
    static func at(hours: Double) -> AuditTime {
        AuditTime(microseconds: base.microseconds + Int64(hours * 3_600_000_000))
    }

    func exchange(_ decision: AuditEvent.Decision, hours: Double, pod: String, uid: String, namespace: String = "apps",
                  sa: String = "builder", cluster: String = "prod", audience: String? = "https://vault",
                  reason: String? = nil, subject: String = "src-1", issued: String? = nil) -> AuditEvent {
        AuditEvent.tokenExchange(
            time: Self.at(hours: hours), decision: decision, reason: reason ?? (decision == .granted ? "issued" : "invalid_target"),
            cluster: cluster, namespace: namespace, podName: pod, podUID: uid, nodeName: "node-a", serviceAccountName: sa,
            subjectJTI: subject, issuedJTI: decision == .granted ? (issued ?? UUID().uuidString) : nil,
            audience: audience)
    }

    func admission(_ decision: AuditEvent.Decision, hours: Double, kind: String, name: String, namespace: String = "apps",
                   reason: String, cluster: String = "prod") -> AuditEvent {
        AuditEvent.admission(
            time: Self.at(hours: hours), decision: decision, reason: reason, requestUID: UUID().uuidString,
            resourceKind: kind, namespace: namespace, objectName: name, operation: "CREATE", cluster: cluster)
    }
}
