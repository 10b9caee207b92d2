// SPDX-License-Identifier: Apache-2.0

/// Which webhook path a review arrived on.
public enum AdmissionEndpoint: String, Sendable, CaseIterable {
    case mutate
    case validate
}

/// What the server sends back for one AdmissionReview body, plus what it logs about it.
///
/// The server layer stays ignorant of admission rules: it hands the raw body over and writes
/// `httpStatus` and `body` back (200 with an AdmissionReview, or 400 with a JSON error for a body
/// that is not a well-formed AdmissionReview).
public struct AdmissionOutcome: Sendable {
    public var httpStatus: Int
    /// JSON bytes of the response body.
    public var body: [UInt8]
    /// Facts for the one structured log line (and audit record) per request; nil when the body was
    /// not an AdmissionReview at all.
    public var record: AdmissionRecord?

    public init(httpStatus: Int, body: [UInt8], record: AdmissionRecord?) {
        self.httpStatus = httpStatus
        self.body = body
        self.record = record
    }
}

/// The facts about one admission decision that logs and the audit trail carry.
public struct AdmissionRecord: Sendable, Equatable {
    public enum Decision: String, Sendable {
        case allowed, patched, denied
    }
    public var uid: String
    /// `group/version/Kind` of the request (`apps/v1/Deployment`, `v1/Pod`).
    public var kind: String
    public var namespace: String?
    public var name: String?
    public var operation: String
    public var dryRun: Bool
    public var decision: Decision
    /// Why: the denial message, or a short description of the change, or why nothing was done.
    public var reason: String
    public var patchOperations: Int
    /// For a request about a Pod: its name and uid when known (see ``AdmissionRequest/podName`` and
    /// ``AdmissionRequest/podUID``), so the audit trail finds the admission by pod.
    public var podName: String?
    public var podUID: String?

    public init(
        uid: String, kind: String, namespace: String?, name: String?, operation: String, dryRun: Bool,
        decision: Decision, reason: String, patchOperations: Int, podName: String? = nil, podUID: String? = nil
    ) {
        self.uid = uid
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.operation = operation
        self.dryRun = dryRun
        self.decision = decision
        self.reason = reason
        self.patchOperations = patchOperations
        self.podName = podName
        self.podUID = podUID
    }
}

/// Decides AdmissionReviews. Implementations are pure (no I/O), cheap to call from any thread, and
/// never throw: malformed input becomes a 400 outcome, rule violations become denials.
public protocol AdmissionReviewHandler: Sendable {
    func review(_ body: UnsafeRawBufferPointer, at endpoint: AdmissionEndpoint) -> AdmissionOutcome
}
