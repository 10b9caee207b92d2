// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// Objects of a projected kind that TokenGate leaves alone because a patch would fight
/// Kubernetes instead of helping.
///
/// `manifests/base/mutatingwebhookconfiguration.yaml` makes the same choices (Jobs only on
/// CREATE; a matchCondition drops controller-owned ReplicaSets), so the API server normally
/// never sends these. The server still decides them the same way, because webhook
/// configurations are edited by people and an older configuration may send them anyway.
enum ControllerConflicts {
    /// Why `object` must not be patched on `operation`, or nil when it may be.
    static func reason(kind: GroupVersionKind, operation: String, object: JSONView.Value) -> String? {
        switch (kind.group, kind.kind) {
        case ("batch", "Job") where operation == "UPDATE":
            // spec.template of a Job is immutable: any pod-template patch would turn the user's
            // (or the Job controller's) update into "field is immutable".
            return "UPDATE of Job is never mutated: a Job's pod template is immutable after CREATE, so a patch could only make the update fail"
        case ("apps", "ReplicaSet"):
            // The Deployment controller finds "its" ReplicaSet by comparing pod templates; a
            // patched template looks foreign, and the controller creates a new ReplicaSet, over
            // and over. The pods are projected at Pod CREATE instead.
            guard let owner = controllingOwner(of: object) else { return nil }
            return "ReplicaSet is controlled by \(owner), so it is left alone (patching it would fight that controller); its pods are projected at Pod CREATE"
        default:
            return nil
        }
    }

    /// `Deployment payments-api` for the ownerReference with `controller: true`, if any.
    static func controllingOwner(of object: JSONView.Value) -> String? {
        guard let references = object["metadata"]?["ownerReferences"], references.isArray else { return nil }
        for reference in references.elements where reference["controller"]?.bool == true {
            let kind = reference["kind"]?.string ?? "a controller"
            return reference["name"]?.string.map { "\(kind) \($0)" } ?? kind
        }
        return nil
    }
}
