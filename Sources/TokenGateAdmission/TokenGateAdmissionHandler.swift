// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// The concrete ``AdmissionReviewHandler``: `/mutate` runs the projection mutator, `/validate`
/// runs the ``ValidatingRule`` list (empty by default: everything is allowed unchanged).
public struct TokenGateAdmissionHandler: AdmissionReviewHandler {
    public let mutator: ProjectionMutator
    public let validatingRules: [any ValidatingRule]

    public init(settings: ProjectionSettings, validatingRules: [any ValidatingRule] = []) {
        self.mutator = ProjectionMutator(settings: settings)
        self.validatingRules = validatingRules
    }

    /// Parses `body` once with `parser` (simdjson; the caller's, reused), decides, and writes the
    /// answer in one pass. No Jansson tree is built.
    public func review(_ body: RawSpan, at endpoint: AdmissionEndpoint, parser: JSONViewParser) -> AdmissionOutcome {
        let request: AdmissionRequest
        do {
            request = try AdmissionRequest.decode(body, parser: parser)
        } catch {
            return AdmissionOutcome(httpStatus: error.httpStatus, body: error.body, record: nil)
        }
        let decision = decide(request, at: endpoint)
        let record = AdmissionRecord(
            uid: request.uid, kind: request.effectiveKind?.description ?? "unknown",
            namespace: request.effectiveNamespace, name: request.displayName,
            operation: request.operation ?? "", dryRun: request.dryRun, decision: decision.recordDecision,
            reason: decision.reason, patchOperations: endpoint == .mutate ? decision.patch.operations.count : 0,
            podName: request.podName, podUID: request.podUID)
        return AdmissionOutcome(
            httpStatus: 200, body: AdmissionResponse.encode(decision, for: request, at: endpoint), record: record)
    }

    /// The decision for an already decoded request; the offline `mutate` command uses this too,
    /// so it runs exactly the server's logic.
    public func decide(_ request: AdmissionRequest, at endpoint: AdmissionEndpoint) -> AdmissionDecision {
        switch endpoint {
        case .mutate:
            return mutator.decide(request)
        case .validate:
            var decision = AdmissionDecision.allow(validatingRules.isEmpty ? "no validating rules" : "all rules allow")
            for rule in validatingRules {
                let verdict = rule.validate(request)
                decision.warnings += verdict.warnings
                decision.auditAnnotations += verdict.auditAnnotations
                if let denial = verdict.denial, decision.denial == nil {
                    decision.denial = denial
                    decision.reason = "\(rule.name): \(denial.message)"
                }
            }
            return decision
        }
    }
}
