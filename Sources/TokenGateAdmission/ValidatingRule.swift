// SPDX-License-Identifier: Apache-2.0

/// One check run on `POST /validate`. This is where the OpenUnison Workflow validator plugs in:
/// the CLI builds ``TokenGateAdmissionHandler`` with a list of rules, and every rule sees every
/// request. Rules are pure and fast (the API server calls validating webhooks in parallel and
/// waits for all of them).
public protocol ValidatingRule: Sendable {
    /// A short name for logs (`workflow`).
    var name: String { get }
    func validate(_ request: AdmissionRequest) -> ValidationVerdict
}

/// What one rule says. A request is denied when any rule denies it; warnings from all rules are shown.
public struct ValidationVerdict: Sendable {
    public var denial: AdmissionStatus?
    public var warnings: [String]
    public var auditAnnotations: [(key: String, value: String)]

    public init(denial: AdmissionStatus? = nil, warnings: [String] = [], auditAnnotations: [(key: String, value: String)] = []) {
        self.denial = denial
        self.warnings = warnings
        self.auditAnnotations = auditAnnotations
    }

    public static let allow = ValidationVerdict()

    public static func deny(_ status: AdmissionStatus) -> ValidationVerdict { ValidationVerdict(denial: status) }
}
