// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// Where the pod template of a kind lives, or that the kind is a ServiceAccount.
///
/// Kinds are matched on group and kind only, so every served version (e.g. `batch/v1beta1`
/// CronJob) is handled the same way.
public enum ProjectionTarget: Sendable, Equatable {
    /// A workload whose pod template is at `template` (`/spec/template`).
    case workload(template: JSONPointer)
    /// A Pod: metadata and spec at the top level; mutated on CREATE only.
    case pod
    case serviceAccount

    public init?(_ kind: GroupVersionKind) {
        switch (kind.group, kind.kind) {
        case ("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet"), ("apps", "ReplicaSet"),
             ("batch", "Job"):
            self = .workload(template: JSONPointer(tokens: ["spec", "template"]))
        case ("batch", "CronJob"):
            self = .workload(template: JSONPointer(tokens: ["spec", "jobTemplate", "spec", "template"]))
        case ("", "Pod"):
            self = .pod
        case ("", "ServiceAccount"):
            self = .serviceAccount
        default:
            return nil
        }
    }

    /// The operations this kind is mutated on. Pods only at CREATE: a running pod's volumes are immutable.
    public func mutates(operation: String) -> Bool {
        switch self {
        case .pod: operation == "CREATE"
        case .workload, .serviceAccount: operation == "CREATE" || operation == "UPDATE"
        }
    }

    /// Pointer to the pod metadata (labels and annotations of the pods that will run).
    var podMetadata: JSONPointer? {
        switch self {
        case .workload(let template): template / "metadata"
        case .pod: JSONPointer(tokens: ["metadata"])
        case .serviceAccount: nil
        }
    }

    /// Pointer to the pod spec.
    var podSpec: JSONPointer? {
        switch self {
        case .workload(let template): template / "spec"
        case .pod: JSONPointer(tokens: ["spec"])
        case .serviceAccount: nil
        }
    }
}
