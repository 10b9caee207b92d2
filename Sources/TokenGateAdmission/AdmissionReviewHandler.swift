// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

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
    /// JSON bytes of the response body, written in one pass (``AdmissionResponse``). Bytes rather
    /// than a deferred write: copying the ~1.4 KB answer into the server's buffer measured about
    /// 0.1 µs of an 11 µs review (hack/bench-admission.sh), not worth a second API. A caller that
    /// wants no copy at all can use ``AdmissionResponse/write(_:uid:version:at:into:)`` itself.
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
///
/// A handler is `Sendable` and shared by every event loop; the parser is not: simdjson's buffers
/// are reused from one parse to the next, so each event loop (or thread) owns one
/// ``JSONViewParser`` and passes it with each body. The body is borrowed for the call only, so a
/// server hands over its buffer's bytes (`request.body.readableBytesSpan`) without copying them.
public protocol AdmissionReviewHandler: Sendable {
    func review(_ body: RawSpan, at endpoint: AdmissionEndpoint, parser: JSONViewParser) -> AdmissionOutcome
}

extension AdmissionReviewHandler {
    /// For tools and tests: one review with a parser made for it (a server never does this:
    /// making a parser allocates simdjson's buffers).
    public func review(_ body: [UInt8], at endpoint: AdmissionEndpoint) -> AdmissionOutcome {
        review(body.span.bytes, at: endpoint, parser: JSONViewParser())
    }
}
