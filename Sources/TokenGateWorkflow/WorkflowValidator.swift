// SPDX-License-Identifier: Apache-2.0

/// Checks OpenUnison `Workflow` and `Target` objects before they reach OpenUnison.
///
/// A bad Workflow is expensive: at startup one broken Workflow stops OpenUnison ("Could not load
/// CRDs"); while it runs, a broken change is skipped silently and the old definition stays.
/// OpenUnison's own webhook only runs its parser. These rules add what crashes the loader or the
/// workflow's initialisation, report every problem at once with its path and line, and say what to
/// write instead.
///
/// The validator is a value with no state: call it from any thread. Work is bounded by
/// ``ValidationLimits``; nothing a client sends can make it crash or run long.
public struct WorkflowValidator: Sendable {
    public var limits: ValidationLimits

    public init(limits: ValidationLimits = .default) {
        self.limits = limits
    }

    /// Validates a Workflow's `spec` for the webhook (`POST /validate`).
    ///
    /// The webhook has already parsed the AdmissionReview once with Jansson; do not serialise the
    /// object back to text. Convert `request.object.spec` into a ``SpecValue`` (strings, numbers,
    /// booleans, null, arrays and objects map one to one) and pass it with the object's
    /// `apiVersion`. `spec.tasks` stays a string member: it is the only YAML, and this function reads
    /// it exactly once.
    ///
    /// ```swift
    /// // In TokenGateAdmission (which sees both modules):
    /// extension SpecValue {
    ///     init(_ node: JSONNode) {
    ///         switch node.kind {
    ///         case .null: self = .null
    ///         case .bool: self = .bool(node.bool ?? false)
    ///         case .integer: self = .int(node.int ?? 0)
    ///         case .real: self = .float(node.double ?? 0)
    ///         case .string: self = .string(node.string ?? "")
    ///         case .array: self = .list(node.elements.map(SpecValue.init))
    ///         case .object: self = .map(node.members.map { SpecEntry(key: $0.key, value: SpecValue($0.value)) })
    ///         }
    ///     }
    /// }
    /// // CREATE and UPDATE only; any other object is allowed unchanged.
    /// guard let kind = WorkflowValidator.Kind(apiVersion: apiVersion, kind: kindName) else { return allow }
    /// let report = WorkflowValidator().validate(kind, spec: SpecValue(spec), apiVersion: apiVersion)
    /// // Deny (allowed: false, status 422, reason Invalid) when !report.isAllowed, with
    /// //   DenialMessage.message(kind: kind.rawValue, namespace: ns, name: name, report: report)
    /// // and return DenialMessage.warnings(report) as the response's `warnings` either way.
    /// ```
    ///
    /// Jansson bounds the JSON depth (64), so that recursion is bounded too.
    ///
    /// - Parameters:
    ///   - spec: The object's `spec`.
    ///   - apiVersion: `openunison.tremolo.io/v1` or `…/v2` (v2 adds `filterAnnotations`).
    /// - Returns: Every problem found; positions are lines inside `spec.tasks`.
    public func validateWorkflow(spec: SpecValue, apiVersion: String) -> ValidationReport {
        var rules = WorkflowSpecRules(limits: limits, version: Self.version(of: apiVersion))
        rules.check(spec)
        return ValidationReport(diagnostics: rules.findings.all)
    }

    /// Validates a Target's `spec` (`openunison.tremolo.io/v1`); call it like
    /// ``validateWorkflow(spec:apiVersion:)``.
    public func validateTarget(spec: SpecValue) -> ValidationReport {
        var rules = TargetRules()
        rules.check(spec)
        return ValidationReport(diagnostics: rules.findings.all)
    }

    /// Validates a Workflow whose `spec.tasks` is given as text and whose other spec fields (if any)
    /// are given separately; convenient for tests and tools that hold only the task list.
    public func validateWorkflow(tasks: String, otherSpecFields: [SpecEntry] = [], apiVersion: String = "openunison.tremolo.io/v2")
        -> ValidationReport
    {
        validateWorkflow(spec: .map(otherSpecFields + [SpecEntry(key: "tasks", value: .string(tasks))]),
                         apiVersion: apiVersion)
    }

    /// The objects these rules cover, recognised from `apiVersion` and `kind` (as in an
    /// AdmissionReview's `request.kind`): `Workflow` in `openunison.tremolo.io/v1` and `v2`,
    /// `Target` in `openunison.tremolo.io/v1`. Everything else is not ours and is allowed unchanged.
    public enum Kind: String, Sendable {
        case workflow = "Workflow"
        case target = "Target"

        public init?(apiVersion: String, kind: String) {
            switch (apiVersion, kind) {
            case ("openunison.tremolo.io/v1", "Workflow"), ("openunison.tremolo.io/v2", "Workflow"): self = .workflow
            case ("openunison.tremolo.io/v1", "Target"): self = .target
            default: return nil
            }
        }
    }

    /// Validates the `spec` of a recognised object; see ``validateWorkflow(spec:apiVersion:)``.
    public func validate(_ kind: Kind, spec: SpecValue, apiVersion: String) -> ValidationReport {
        switch kind {
        case .workflow: validateWorkflow(spec: spec, apiVersion: apiVersion)
        case .target: validateTarget(spec: spec)
        }
    }

    static func version(of apiVersion: String) -> String {
        apiVersion.split(separator: "/").last.map(String.init) ?? apiVersion
    }
}
