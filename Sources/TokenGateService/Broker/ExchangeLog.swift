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
        // Keys in ascending order: the JSON handler writes the line as they come (OrderedLogFields).
        logger.log(level: level, "token exchange") { fields in
            if !record.audiences.isEmpty {
                fields.add("audience", record.audiences.count == 1 ? record.audiences[0] : record.audiences.joined(separator: " "))
            }
            fields.add("client", record.clientAddress)
            fields.add("cluster", record.cluster)
            fields.add("decision", record.decision.rawValue)
            fields.add("detail", record.detail)
            fields.add("error", record.error)
            fields.add("expires_at", record.expiresAt.map { String($0) })
            fields.add("http.status", String(status))
            fields.add("issued_jti", record.issuedTokenID)
            fields.add("latency_ms", String(format: latency.inSeconds * 1000))
            fields.add("namespace", record.namespace)
            fields.add("node_name", record.nodeName)
            fields.add("node_uid", record.nodeUID)
            fields.add("pod_name", record.podName)
            fields.add("pod_uid", record.podUID)
            fields.add("policy_rule", record.policyRule)
            fields.add("reason", record.reason)
            fields.add("service_account", record.serviceAccount)
            fields.add("service_account_uid", record.serviceAccountUID)
            fields.add("subject_jti", record.subjectTokenID)
            fields.add("tokenreview_cached", record.tokenReviewCached.map { $0 ? "true" : "false" })
        }
    }
}
