// SPDX-License-Identifier: Apache-2.0
import TokenGateAdmission
import TokenGateAudit
import TokenGateBroker
import TokenGateHTTP

/// The server's side of the audit trail: turns exchange and admission records into
/// ``AuditEvent``s and enqueues them on the ``AuditWriter``.
///
/// `enqueue` never blocks (a bounded queue, then the spool), so this is safe on request paths;
/// the writer's own thread does every SQLite or PostgreSQL call.
public final class AuditTrail: Sendable {
    public let writer: AuditWriter
    /// The cluster name recorded with admission decisions (the cluster this webhook serves), if known.
    public let localCluster: String?

    public init(writer: AuditWriter, localCluster: String? = nil) {
        self.writer = writer
        self.localCluster = localCluster
    }

    public func record(exchange record: ExchangeAuditRecord) {
        writer.enqueue(Self.event(exchange: record))
    }

    public func record(admission record: AdmissionRecord) {
        writer.enqueue(Self.event(admission: record, cluster: localCluster))
    }

    /// A JWKS fetch's or TokenReview's outcome: folded in memory, stored every few seconds in the
    /// cluster-checks table (not as an event). Never blocks.
    public func record(check: ClusterCheck) {
        writer.note(check)
    }

    /// The exchange's audit record as a trail event. `decision` keeps the broker's four words
    /// (granted, denied, unavailable, error) so a query can tell a refusal from an outage.
    static func event(exchange record: ExchangeAuditRecord) -> AuditEvent {
        var reason = record.reason
        if let error = record.error { reason += " (\(error))" }
        if let rule = record.policyRule { reason += " by policy rule \(rule)" }
        if let detail = record.detail { reason += ": \(detail)" }
        var event = AuditEvent.tokenExchange(
            decision: AuditEvent.Decision(rawValue: record.decision.rawValue), reason: reason, cluster: record.cluster,
            namespace: record.namespace, podName: record.podName, podUID: record.podUID, nodeName: record.nodeName,
            nodeUID: record.nodeUID, serviceAccountName: record.serviceAccount, serviceAccountUID: record.serviceAccountUID,
            subjectJTI: record.subjectTokenID, issuedJTI: record.issuedTokenID,
            audience: record.audiences.isEmpty ? nil : record.audiences.joined(separator: " "),
            issuedAt: record.issuedTokenID == nil ? nil : AuditTime(seconds: record.time),
            expiresAt: record.expiresAt.map { AuditTime(seconds: $0) }, clientAddress: record.clientAddress)
        event.time = .now()
        return event
    }

    static func event(admission record: AdmissionRecord, cluster: String?) -> AuditEvent {
        let decision: AuditEvent.Decision = switch record.decision {
        case .allowed: .allowed
        case .patched: .patched
        case .denied: .denied
        }
        let kind = record.kind.split(separator: "/").last.map(String.init) ?? record.kind
        return AuditEvent.admission(
            decision: decision, reason: record.dryRun ? "\(record.reason) (dry run)" : record.reason, requestUID: record.uid,
            resourceKind: kind, namespace: record.namespace, objectName: record.name, operation: record.operation,
            patchSummary: record.patchOperations > 0 ? "\(record.patchOperations) patch operations: \(record.reason)" : nil,
            cluster: cluster, podName: record.podName, podUID: record.podUID)
    }
}
