// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// The `/mutate` rules: give OpenUnison-managed workloads, Pods and ServiceAccounts short-lived
/// projected tokens instead of the default year-long one (issue 3, "Behaviour" 1–8).
///
/// Pure and synchronous: the decision depends only on the request and the settings, so a
/// dry-run gets the same answer and the offline `tokengate mutate` runs the same code.
public struct ProjectionMutator: Sendable {
    public let settings: ProjectionSettings
    /// The volume and mount most patches add, built once.
    let prebuilt: ProjectedVolume.Prebuilt

    public init(settings: ProjectionSettings) {
        self.settings = settings
        self.prebuilt = ProjectedVolume.Prebuilt(settings: settings)
    }

    public func decide(_ request: AdmissionRequest) -> AdmissionDecision {
        guard settings.enabled else { return .allow("enable_tokenrequest is false") }
        guard let kind = request.effectiveKind, let target = ProjectionTarget(kind) else {
            return .allow("kind \(request.effectiveKind?.description ?? "unknown") is not projected")
        }
        if let subResource = request.subResource { return .allow("subresource \(subResource) is never mutated") }
        let operation = request.operation ?? ""
        guard target.mutates(operation: operation) else {
            return .allow("\(operation.isEmpty ? "missing operation" : operation) of \(kind.kind) is never mutated")
        }
        guard let object = request.object, object.isObject else { return .allow("the request has no object") }
        if let reason = ControllerConflicts.reason(kind: kind, operation: operation, object: object) { return .allow(reason) }
        if let reason = settings.skipReason(namespace: request.effectiveNamespace) { return .allow(reason) }

        let objectLabels = StringMapView(map: object["metadata"]?["labels"])
        let objectAnnotations = StringMapView(map: object["metadata"]?["annotations"])
        let podMetadata = target.podMetadata.flatMap { object.at($0) }
        let podLabels = StringMapView(map: podMetadata?["labels"])
        let podAnnotations = StringMapView(map: podMetadata?["annotations"])

        guard settings.selects(labels: objectLabels) || settings.selects(labels: podLabels) else {
            return .allow("labels match no selector")
        }
        if objectAnnotations.has(ProjectionAnnotations.inject, "false") || podAnnotations.has(ProjectionAnnotations.inject, "false") {
            return .allow("opted out with \(ProjectionAnnotations.inject): \"false\"")
        }
        // The API server forbids mirror pods (static pods) from using service account tokens.
        if target == .pod, objectAnnotations.has("kubernetes.io/config.mirror") {
            return .allow("mirror pods cannot use service account tokens")
        }
        let overrides: ProjectionOverrides
        // The pod template's annotations win over the object's.
        switch ProjectionOverrides.read({ podAnnotations[$0] ?? objectAnnotations[$0] }, settings: settings) {
        case .read(let value): overrides = value
        case .denied(let status): return .deny(status)
        }

        if let problem = ObjectShape.metadataProblem(object) { return Self.leftUnchanged(problem) }
        let subject = "\(kind.kind) \(request.effectiveNamespace.map { "\($0)/" } ?? "")\(request.displayName ?? "")"
        if target == .serviceAccount {
            return serviceAccountDecision(object, overrides: overrides, subject: subject)
        }
        guard let specPointer = target.podSpec, let spec = object.at(specPointer), spec.isObject else {
            return .allow("\(kind.kind) has no pod spec")
        }
        if let problem = ObjectShape.podSpecProblem(spec) { return Self.leftUnchanged(problem) }
        let result = PodSpecPatcher(
            settings: settings, overrides: overrides, removesDefaultTokenVolume: target == .pod, prebuilt: prebuilt)
            .patch(spec: spec, at: specPointer)
        guard !result.operations.isEmpty else {
            return .allow("already projected (volume \(result.volumeName))", warnings: result.warnings)
        }
        var patch = JSONPatch(result.operations)
        if let marker = markerOperation(object, value: overrides.marker) { patch.append(marker) }
        var change = "audience=\(overrides.audience) expirationSeconds=\(overrides.expirationSeconds) volume=\(result.volumeName)"
        if !result.mounted.isEmpty { change += " mounted=\(result.mounted.joined(separator: ","))" }
        if !result.removedVolumes.isEmpty { change += " removed=\(result.removedVolumes.joined(separator: ","))" }
        return AdmissionDecision(
            patch: patch, warnings: result.warnings,
            auditAnnotations: [(ProjectionAnnotations.auditKey, "\(subject): \(change)")],
            reason: "projected token: \(change)")
    }

    /// Allowed without a patch, for an object no API server would send (see ``ObjectShape``); the
    /// warning tells whoever sent it why nothing was projected.
    private static func leftUnchanged(_ problem: String) -> AdmissionDecision {
        let reason = "left unchanged: \(problem), which is not an object the API server sends"
        return .allow(reason, warnings: [reason])
    }

    /// ServiceAccounts: `automountServiceAccountToken: false` so no pod silently falls back to the
    /// default token, plus the marker.
    private func serviceAccountDecision(_ object: JSONView.Value, overrides: ProjectionOverrides, subject: String) -> AdmissionDecision {
        var patch = JSONPatch()
        if object["automountServiceAccountToken"]?.bool != false {
            patch.append(.add("/automountServiceAccountToken", false))
        }
        if let marker = markerOperation(object, value: overrides.marker) { patch.append(marker) }
        guard !patch.isEmpty else { return .allow("ServiceAccount already has automount off and the marker") }
        let change = "automountServiceAccountToken=false \(ProjectionAnnotations.projected)=\(overrides.marker)"
        return AdmissionDecision(
            patch: patch, auditAnnotations: [(ProjectionAnnotations.auditKey, "\(subject): \(change)")], reason: change)
    }

    /// Sets `tokengate.io/projected` without touching other annotations: one key when the map
    /// exists, the whole map only when there is none. nil when the value is already there.
    private func markerOperation(_ object: JSONView.Value, value: String) -> JSONPatch.Operation? {
        let metadata = object["metadata"]
        let annotations = metadata?["annotations"]
        if annotations?[ProjectionAnnotations.projected]?.string == value { return nil }
        if annotations?.isObject == true {
            return .add(JSONPointer(tokens: ["metadata", "annotations", ProjectionAnnotations.projected]), .string(value))
        }
        if metadata?.isObject == true {
            return .add("/metadata/annotations", [ProjectionAnnotations.projected: .string(value)])
        }
        return .add("/metadata", ["annotations": [ProjectionAnnotations.projected: .string(value)]])
    }
}
