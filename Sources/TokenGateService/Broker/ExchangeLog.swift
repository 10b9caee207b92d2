// SPDX-License-Identifier: Apache-2.0
import Logging
import TokenGateBroker
import TokenGateHTTP

/// One structured log line per exchange, granted or not, with the audit record's fields: the
/// log is the audit trail of last resort (and the only one when `--audit-db`/`--audit-dsn` is
/// not set). Never contains a token.
enum ExchangeLog {
    static func log(_ record: ExchangeAuditRecord, status: Int, latency: Duration, logger: Logger) {
        var metadata: Logger.Metadata = [
            "decision": "\(record.decision.rawValue)", "reason": "\(record.reason)", "http.status": "\(status)",
            "latency_ms": "\(String(format: latency.inSeconds * 1000))", "client": "\(record.clientAddress)",
        ]
        func add(_ key: String, _ value: String?) { if let value { metadata[key] = "\(value)" } }
        add("error", record.error)
        add("detail", record.detail)
        add("cluster", record.cluster)
        add("namespace", record.namespace)
        add("service_account", record.serviceAccount)
        add("service_account_uid", record.serviceAccountUID)
        add("pod_name", record.podName)
        add("pod_uid", record.podUID)
        add("node_name", record.nodeName)
        add("node_uid", record.nodeUID)
        add("subject_jti", record.subjectTokenID)
        add("issued_jti", record.issuedTokenID)
        if !record.audiences.isEmpty { metadata["audience"] = "\(record.audiences.joined(separator: " "))" }
        if let expiresAt = record.expiresAt { metadata["expires_at"] = "\(expiresAt)" }
        add("policy_rule", record.policyRule)
        if let cached = record.tokenReviewCached { metadata["tokenreview_cached"] = "\(cached)" }
        logger.log(level: record.decision == .granted ? .info : .notice, "token exchange", metadata: metadata)
    }
}
