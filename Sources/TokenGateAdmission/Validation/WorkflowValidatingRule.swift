// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON
import TokenGateWorkflow

/// `POST /validate` for OpenUnison `Workflow` (v1, v2) and `Target` (v1) objects.
///
/// Denies, on CREATE and UPDATE, what would stop OpenUnison from loading the object (status 422,
/// reason `Invalid`, every problem listed with its path and its line inside `spec.tasks`), and
/// passes on the rules' warnings either way. Every other object, operation or subresource is
/// allowed unchanged: the rule never blocks what it does not understand.
public struct WorkflowValidatingRule: ValidatingRule {
    public let name = "workflow"
    public let validator: WorkflowValidator

    public init(validator: WorkflowValidator = WorkflowValidator()) {
        self.validator = validator
    }

    public func validate(_ request: AdmissionRequest) -> ValidationVerdict {
        guard request.operation == "CREATE" || request.operation == "UPDATE",
              request.subResource == nil || request.subResource == "",
              let object = request.object,
              let apiVersion = object["apiVersion"]?.string, let kindName = object["kind"]?.string,
              let kind = WorkflowValidator.Kind(apiVersion: apiVersion, kind: kindName)
        else { return .allow }

        let spec = object["spec"].map { SpecValue($0) } ?? .null
        let report = validator.validate(kind, spec: spec, apiVersion: apiVersion)
        let warnings = DenialMessage.warnings(report)
        guard !report.isAllowed else { return ValidationVerdict(warnings: warnings) }

        let metadata = object["metadata"]
        let message = DenialMessage.message(
            kind: kind.rawValue, namespace: metadata?["namespace"]?.string ?? request.namespace,
            name: metadata?["name"]?.string ?? request.name, report: report)
        return ValidationVerdict(
            denial: .invalid(message), warnings: warnings,
            auditAnnotations: [(key: "workflow-errors", value: String(report.errors.count))])
    }
}
