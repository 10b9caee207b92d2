// SPDX-License-Identifier: Apache-2.0

/// One audit record: a token exchange (granted or denied) or an admission decision.
///
/// One flat type serves both sources so that one table, one set of indexes and one query command
/// cover the whole trail ("what happened to pod X?" finds its admission and its tokens). Fields that
/// do not apply to a kind stay nil. The producer (broker, webhook) fills it and calls
/// ``AuditWriter/enqueue(_:)``; nothing here depends on those modules.
public struct AuditEvent: Sendable, Equatable {
    /// Where the event came from.
    public struct Kind: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// An RFC 8693 exchange at the broker.
        public static let tokenExchange = Kind(rawValue: "token_exchange")
        /// An AdmissionReview answered by the webhook.
        public static let admission = Kind(rawValue: "admission")
        public var description: String { rawValue }
    }

    /// What was decided. Open-ended so a producer can add a value without a schema change.
    public struct Decision: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// A token was issued.
        public static let granted = Decision(rawValue: "granted")
        /// A request (exchange or admission) was refused.
        public static let denied = Decision(rawValue: "denied")
        /// Admission allowed the object unchanged.
        public static let allowed = Decision(rawValue: "allowed")
        /// Admission allowed the object with a patch.
        public static let patched = Decision(rawValue: "patched")
        public var description: String { rawValue }
    }

    // Every event
    public var id: AuditEventID
    public var time: AuditTime
    public var kind: Kind
    public var decision: Decision
    /// Why: the RFC 8693 error and description, the policy rule, or the admission message.
    public var reason: String?

    // Who (pod identity, from the subject token's claims or the admitted object)
    public var cluster: String?
    public var namespace: String?
    public var podName: String?
    public var podUID: String?
    public var nodeName: String?
    public var nodeUID: String?
    public var serviceAccountName: String?
    public var serviceAccountUID: String?

    // Token exchange
    /// `jti` of the projected ServiceAccount token the pod presented.
    public var subjectJTI: String?
    /// `jti` of the token TokenGate issued (nil when denied).
    public var issuedJTI: String?
    public var audience: String?
    public var issuedAt: AuditTime?
    public var expiresAt: AuditTime?
    /// The peer address of the HTTP client (`ip:port`).
    public var clientAddress: String?

    // Admission
    /// `request.uid` of the AdmissionReview.
    public var requestUID: String?
    /// `request.kind.kind`, e.g. `Deployment`.
    public var resourceKind: String?
    /// `request.name` (may be empty on CREATE with generateName).
    public var objectName: String?
    /// CREATE, UPDATE, …
    public var operation: String?
    /// A short human summary of the patch, e.g. `projected volume tokengate-token into 3 containers`.
    public var patchSummary: String?

    public init(
        id: AuditEventID = AuditEventID(), time: AuditTime = .now(), kind: Kind, decision: Decision,
        reason: String? = nil
    ) {
        self.id = id
        self.time = time
        self.kind = kind
        self.decision = decision
        self.reason = reason
    }

    /// A token-exchange event with the broker's fields.
    public static func tokenExchange(
        id: AuditEventID = AuditEventID(), time: AuditTime = .now(), decision: Decision, reason: String? = nil,
        cluster: String? = nil, namespace: String? = nil, podName: String? = nil, podUID: String? = nil,
        nodeName: String? = nil, nodeUID: String? = nil, serviceAccountName: String? = nil,
        serviceAccountUID: String? = nil, subjectJTI: String? = nil, issuedJTI: String? = nil,
        audience: String? = nil, issuedAt: AuditTime? = nil, expiresAt: AuditTime? = nil,
        clientAddress: String? = nil
    ) -> AuditEvent {
        var event = AuditEvent(id: id, time: time, kind: .tokenExchange, decision: decision, reason: reason)
        event.cluster = cluster
        event.namespace = namespace
        event.podName = podName
        event.podUID = podUID
        event.nodeName = nodeName
        event.nodeUID = nodeUID
        event.serviceAccountName = serviceAccountName
        event.serviceAccountUID = serviceAccountUID
        event.subjectJTI = subjectJTI
        event.issuedJTI = issuedJTI
        event.audience = audience
        event.issuedAt = issuedAt
        event.expiresAt = expiresAt
        event.clientAddress = clientAddress
        return event
    }

    /// An admission event with the webhook's fields. A Pod's own admission also carries the pod's
    /// name and uid, so that queries by pod find it with the pod's exchanges.
    public static func admission(
        id: AuditEventID = AuditEventID(), time: AuditTime = .now(), decision: Decision, reason: String? = nil,
        requestUID: String? = nil, resourceKind: String? = nil, namespace: String? = nil,
        objectName: String? = nil, operation: String? = nil, patchSummary: String? = nil,
        serviceAccountName: String? = nil, cluster: String? = nil, podName: String? = nil, podUID: String? = nil
    ) -> AuditEvent {
        var event = AuditEvent(id: id, time: time, kind: .admission, decision: decision, reason: reason)
        event.requestUID = requestUID
        event.resourceKind = resourceKind
        event.namespace = namespace
        event.objectName = objectName
        event.operation = operation
        event.patchSummary = patchSummary
        event.serviceAccountName = serviceAccountName
        event.cluster = cluster
        event.podName = podName
        event.podUID = podUID
        return event
    }
}
