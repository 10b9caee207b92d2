// SPDX-License-Identifier: Apache-2.0
import Logging
import TokenGateBroker
import TokenGateHTTP

/// One structured log line per exchange, granted or not, with the audit record's fields: the
/// log is the audit trail of last resort (and the only one when `--audit-db`/`--audit-dsn` is
/// not set). Never contains a token.
enum ExchangeLog {
    static func log(_ record: ExchangeAuditRecord, status: Int, latency: Duration, logger: Logger) {
        let level: Logger.Level = record.decision == .granted ? .info : .notice
        guard logger.logLevel <= level else { return }
        // Values as `.string` (no interpolation copies), in a table sized once.
        var metadata: Logger.Metadata = [:]
        metadata.reserveCapacity(20)
        metadata["decision"] = .string(record.decision.rawValue)
        metadata["reason"] = .string(record.reason)
        metadata["http.status"] = .string(String(status))
        metadata["latency_ms"] = .string(String(format: latency.inSeconds * 1000))
        metadata["client"] = .string(record.clientAddress)
        func add(_ key: String, _ value: String?) { if let value { metadata[key] = .string(value) } }
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
        if !record.audiences.isEmpty {
            metadata["audience"] = .string(record.audiences.count == 1 ? record.audiences[0] : record.audiences.joined(separator: " "))
        }
        if let expiresAt = record.expiresAt { metadata["expires_at"] = .string(String(expiresAt)) }
        add("policy_rule", record.policyRule)
        if let cached = record.tokenReviewCached { metadata["tokenreview_cached"] = .string(cached ? "true" : "false") }
        logger.log(level: level, "token exchange", metadata: metadata)
    }
}
