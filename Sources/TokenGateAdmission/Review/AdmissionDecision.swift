// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// What a rule decided about one request, before it is wrapped into an AdmissionReview response.
///
/// Denials are values, not thrown errors: a denial is an expected outcome that must reach the user
/// with its message, while errors are reserved for bodies that are not AdmissionReviews at all.
public struct AdmissionDecision: Sendable {
    /// nil when allowed.
    public var denial: AdmissionStatus?
    /// Empty when nothing changes; never sent on /validate.
    public var patch: JSONPatch
    public var warnings: [String]
    /// Keys without `/`, at most 63 characters (the API server prefixes them with the webhook name).
    public var auditAnnotations: [(key: String, value: String)]
    /// One short sentence for the log line: why this decision.
    public var reason: String

    public init(
        denial: AdmissionStatus? = nil, patch: JSONPatch = JSONPatch(), warnings: [String] = [],
        auditAnnotations: [(key: String, value: String)] = [], reason: String
    ) {
        self.denial = denial
        self.patch = patch
        self.warnings = warnings
        self.auditAnnotations = auditAnnotations
        self.reason = reason
    }

    /// Allowed, unchanged, for `reason`.
    public static func allow(_ reason: String, warnings: [String] = []) -> AdmissionDecision {
        AdmissionDecision(warnings: warnings, reason: reason)
    }

    public static func deny(_ status: AdmissionStatus) -> AdmissionDecision {
        AdmissionDecision(denial: status, reason: status.message)
    }

    public var isAllowed: Bool { denial == nil }

    public var recordDecision: AdmissionRecord.Decision {
        denial != nil ? .denied : (patch.isEmpty ? .allowed : .patched)
    }
}
