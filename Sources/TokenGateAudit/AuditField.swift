// SPDX-License-Identifier: Apache-2.0

/// A value as the stores and the spool see it: text, a 64-bit integer, or nothing.
public enum AuditValue: Sendable, Equatable {
    case text(String)
    case integer(Int64)
    case null
}

/// Every field of ``AuditEvent`` with its SQL column and JSON key, in table order.
///
/// The stores, the spool lines and `--format json` all walk this one list, so a field added here
/// reaches every place at once and the column order of INSERT and SELECT can never disagree.
enum AuditField: CaseIterable {
    case id, time, kind, decision, reason
    case cluster, namespace, podName, podUID, nodeName, nodeUID, serviceAccountName, serviceAccountUID
    case subjectJTI, issuedJTI, audience, issuedAt, expiresAt, clientAddress
    case requestUID, resourceKind, objectName, operation, patchSummary

    /// `allCases`, made once: the synthesized property builds a new array on every call, and the
    /// stores and the spool walk the fields once per event.
    static let ordered = allCases

    var column: String {
        switch self {
        case .id: "id"
        case .time: "ts_us"
        case .kind: "kind"
        case .decision: "decision"
        case .reason: "reason"
        case .cluster: "cluster"
        case .namespace: "namespace"
        case .podName: "pod_name"
        case .podUID: "pod_uid"
        case .nodeName: "node_name"
        case .nodeUID: "node_uid"
        case .serviceAccountName: "service_account"
        case .serviceAccountUID: "service_account_uid"
        case .subjectJTI: "subject_jti"
        case .issuedJTI: "issued_jti"
        case .audience: "audience"
        case .issuedAt: "issued_at_us"
        case .expiresAt: "expires_at_us"
        case .clientAddress: "client_address"
        case .requestUID: "request_uid"
        case .resourceKind: "resource_kind"
        case .objectName: "object_name"
        case .operation: "operation"
        case .patchSummary: "patch_summary"
        }
    }

    /// The key in spool lines and `--format json` output (camelCase, like Kubernetes).
    var jsonKey: String {
        switch self {
        case .id: "id"
        case .time: "time"
        case .kind: "kind"
        case .decision: "decision"
        case .reason: "reason"
        case .cluster: "cluster"
        case .namespace: "namespace"
        case .podName: "podName"
        case .podUID: "podUID"
        case .nodeName: "nodeName"
        case .nodeUID: "nodeUID"
        case .serviceAccountName: "serviceAccount"
        case .serviceAccountUID: "serviceAccountUID"
        case .subjectJTI: "subjectJTI"
        case .issuedJTI: "issuedJTI"
        case .audience: "audience"
        case .issuedAt: "issuedAt"
        case .expiresAt: "expiresAt"
        case .clientAddress: "clientAddress"
        case .requestUID: "requestUID"
        case .resourceKind: "resourceKind"
        case .objectName: "name"
        case .operation: "operation"
        case .patchSummary: "patchSummary"
        }
    }

    /// Times are integers (microseconds since the epoch); everything else is text.
    var isTime: Bool { self == .time || self == .issuedAt || self == .expiresAt }

    func value(of event: AuditEvent) -> AuditValue {
        func text(_ value: String?) -> AuditValue { value.map { .text($0) } ?? .null }
        func time(_ value: AuditTime?) -> AuditValue { value.map { .integer($0.microseconds) } ?? .null }
        switch self {
        case .id: return .text(event.id.text)
        case .time: return .integer(event.time.microseconds)
        case .kind: return .text(event.kind.rawValue)
        case .decision: return .text(event.decision.rawValue)
        case .reason: return text(event.reason)
        case .cluster: return text(event.cluster)
        case .namespace: return text(event.namespace)
        case .podName: return text(event.podName)
        case .podUID: return text(event.podUID)
        case .nodeName: return text(event.nodeName)
        case .nodeUID: return text(event.nodeUID)
        case .serviceAccountName: return text(event.serviceAccountName)
        case .serviceAccountUID: return text(event.serviceAccountUID)
        case .subjectJTI: return text(event.subjectJTI)
        case .issuedJTI: return text(event.issuedJTI)
        case .audience: return text(event.audience)
        case .issuedAt: return time(event.issuedAt)
        case .expiresAt: return time(event.expiresAt)
        case .clientAddress: return text(event.clientAddress)
        case .requestUID: return text(event.requestUID)
        case .resourceKind: return text(event.resourceKind)
        case .objectName: return text(event.objectName)
        case .operation: return text(event.operation)
        case .patchSummary: return text(event.patchSummary)
        }
    }

    /// Sets an optional field; the four required ones (id, time, kind, decision) are handled by
    /// ``AuditEvent/init(values:)``.
    func set(_ value: AuditValue, in event: inout AuditEvent) {
        var string: String? { if case .text(let text) = value { text } else { nil } }
        var time: AuditTime? { if case .integer(let micros) = value { AuditTime(microseconds: micros) } else { nil } }
        switch self {
        case .id, .time, .kind, .decision: break
        case .reason: event.reason = string
        case .cluster: event.cluster = string
        case .namespace: event.namespace = string
        case .podName: event.podName = string
        case .podUID: event.podUID = string
        case .nodeName: event.nodeName = string
        case .nodeUID: event.nodeUID = string
        case .serviceAccountName: event.serviceAccountName = string
        case .serviceAccountUID: event.serviceAccountUID = string
        case .subjectJTI: event.subjectJTI = string
        case .issuedJTI: event.issuedJTI = string
        case .audience: event.audience = string
        case .issuedAt: event.issuedAt = time
        case .expiresAt: event.expiresAt = time
        case .clientAddress: event.clientAddress = string
        case .requestUID: event.requestUID = string
        case .resourceKind: event.resourceKind = string
        case .objectName: event.objectName = string
        case .operation: event.operation = string
        case .patchSummary: event.patchSummary = string
        }
    }
}

extension AuditEvent {
    /// Rebuilds an event from values in ``AuditField`` order (a database row), or nil when a
    /// required field is missing or malformed.
    init?(values: [AuditValue]) {
        let fields = AuditField.ordered
        guard values.count == fields.count,
              case .text(let idText) = values[0], let id = AuditEventID(idText),
              case .integer(let micros) = values[1],
              case .text(let kind) = values[2], case .text(let decision) = values[3]
        else { return nil }
        self.init(id: id, time: AuditTime(microseconds: micros), kind: Kind(rawValue: kind),
                  decision: Decision(rawValue: decision))
        for (field, value) in zip(fields, values).dropFirst(4) { field.set(value, in: &self) }
    }
}
