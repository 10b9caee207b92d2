// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// One structured record per exchange, granted or not: who asked (pod, node, ServiceAccount,
/// cluster), with which token (subject `jti`), for what (audience), what they got (issued `jti`,
/// expiry), from where, and why it was decided that way. The audit store and the log both take
/// this value; it never contains a token.
public struct ExchangeAuditRecord: Sendable, Equatable {
    public enum Decision: String, Sendable, Equatable {
        case granted, denied, unavailable, error
    }

    public var time: Int64
    public var decision: Decision
    /// `issued` when granted; otherwise the ``ExchangeError/reason``.
    public var reason: String
    /// The OAuth error code sent to the client, when not granted.
    public var error: String?
    /// Operator-only detail (API server message, failing URL); never sent to the client.
    public var detail: String?
    public var clientAddress: String
    public var cluster: String?
    public var namespace: String?
    public var serviceAccount: String?
    public var serviceAccountUID: String?
    public var podName: String?
    public var podUID: String?
    public var nodeName: String?
    public var nodeUID: String?
    public var subjectTokenID: String?
    public var issuedTokenID: String?
    public var audiences: [String]
    public var expiresAt: Int64?
    public var policyRule: String?
    /// Whether the exchange made no TokenReview of its own: the answer came from the broker's short
    /// cache, or from the review a concurrent exchange of the same token was already making.
    public var tokenReviewCached: Bool?

    public init(time: Int64, clientAddress: String) {
        self.time = time
        self.decision = .error
        self.reason = "unknown"
        self.clientAddress = clientAddress
        self.audiences = []
    }

    /// The record as a flat JSON object with snake_case keys; absent values are omitted.
    public func json() -> JSON {
        var members: [(String, JSON)] = [
            ("time", .int(time)), ("decision", .string(decision.rawValue)), ("reason", .string(reason)),
        ]
        func add(_ key: String, _ value: String?) { if let value { members.append((key, .string(value))) } }
        add("error", error)
        add("detail", detail)
        add("client_address", clientAddress)
        add("cluster", cluster)
        add("namespace", namespace)
        add("service_account", serviceAccount)
        add("service_account_uid", serviceAccountUID)
        add("pod_name", podName)
        add("pod_uid", podUID)
        add("node_name", nodeName)
        add("node_uid", nodeUID)
        add("subject_jti", subjectTokenID)
        add("issued_jti", issuedTokenID)
        if !audiences.isEmpty { members.append(("audience", .array(audiences.map { .string($0) }))) }
        if let expiresAt { members.append(("expires_at", .int(expiresAt))) }
        add("policy_rule", policyRule)
        if let tokenReviewCached { members.append(("tokenreview_cached", .bool(tokenReviewCached))) }
        return .object(members)
    }
}
