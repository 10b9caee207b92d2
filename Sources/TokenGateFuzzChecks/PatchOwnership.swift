// SPDX-License-Identifier: Apache-2.0
import TokenGateAdmission
import TokenGateJSON

/// The paths TokenGate's projection patch may touch, derived from `ProjectionMutator` and
/// `PodSpecPatcher`, checked one operation at a time against the object as it stands when that
/// operation applies:
///
/// | operation | path (S = the pod spec) | only when |
/// |---|---|---|
/// | add | S/automountServiceAccountToken (ServiceAccount: /automountServiceAccountToken) | value false |
/// | add | S/volumes/- , S/volumes | the latter only where there is no array |
/// | replace | S/volumes/i | volume i is TokenGate's own (named `volumeName`) |
/// | remove | S/volumes/i | Pods, volume i is a `kube-api-access-*` one |
/// | add | S/{initContainers,containers}/i/volumeMounts/- , …/volumeMounts | the latter only where there is no array |
/// | remove | S/{initContainers,containers}/i/volumeMounts/j | Pods, mount j is of a `kube-api-access-*` volume |
/// | add | /metadata/annotations/tokengate.io~1projected, /metadata/annotations, /metadata | the last two only where there is no map |
///
/// Any add or replace whose target already holds an array or a map is a violation unless the row
/// says so (replacing TokenGate's own volume), as is every other path or operation.
struct PatchOwnership {
    static let target = AdmissionCheck.target
    static let defaultTokenPrefix = "kube-api-access-"

    let settings: ProjectionSettings
    /// Tokens of the pod spec pointer; nil for a ServiceAccount.
    let spec: [String]?
    let isPod: Bool

    init(settings: ProjectionSettings, request: AdmissionRequest) throws(FuzzCheckFailure) {
        self.settings = settings
        guard let kind = request.effectiveKind, let projection = ProjectionTarget(kind) else {
            throw FuzzCheckFailure(Self.target, "a patch for kind \(request.effectiveKind?.description ?? "unknown"), which is not projected")
        }
        switch projection {
        case .workload(let template): spec = template.tokens + ["spec"]
        case .pod: spec = ["spec"]
        case .serviceAccount: spec = nil
        }
        isPod = projection == .pod
    }

    /// Applies `patch` to `object` one operation at a time, checking each against the object as it
    /// is at that point; returns the patched object.
    func applyCheckingEachOperation(_ patch: JSONPatch, to object: JSONNode) throws(FuzzCheckFailure) -> JSONDocument {
        var current: JSONDocument?
        for (index, operation) in patch.operations.enumerated() {
            let root = current?.rootNode ?? object
            if let problem = violation(operation, in: root) {
                throw FuzzCheckFailure(Self.target, "operation \(index) \(describe(operation)): \(problem)")
            }
            do {
                current = try JSONPatch([operation]).apply(to: root)
            } catch {
                throw FuzzCheckFailure(Self.target, "operation \(index) \(describe(operation)) does not apply: \(error)")
            }
        }
        guard let current else { throw FuzzCheckFailure(Self.target, "an empty patch") }
        return current
    }

    /// Why `operation` is not one TokenGate owns, or nil when it is.
    func violation(_ operation: JSONPatch.Operation, in root: JSONNode) -> String? {
        let tokens = operation.path.tokens
        let existing = root.at(operation.path)
        let replacesContainer = existing.map { $0.isArray || $0.isObject } ?? false
        switch operation {
        case .add(_, let value):
            if replacesContainer { return "replaces \(existing!.isArray ? "an array" : "a map") TokenGate does not own" }
            return addViolation(tokens, value: value, root: root)
        case .replace:
            guard let spec, tokens.count == spec.count + 2, Array(tokens.prefix(spec.count)) == spec,
                  tokens[spec.count] == "volumes", let volume = existing
            else { return "replace outside TokenGate's own volume" }
            return volume["name"]?.string == settings.volumeName ? nil : "replaces a volume that is not TokenGate's own"
        case .remove:
            guard isPod, let spec, let removed = existing, Array(tokens.prefix(spec.count)) == spec else {
                return "remove outside a Pod's default-token volume and mounts"
            }
            let rest = Array(tokens.dropFirst(spec.count))
            let isVolume = rest.count == 2 && rest[0] == "volumes"
            let isMount = rest.count == 4 && ["initContainers", "containers"].contains(rest[0]) && rest[2] == "volumeMounts"
            guard isVolume || isMount else { return "remove of something other than a volume or a mount" }
            return (removed["name"]?.string ?? "").hasPrefix(Self.defaultTokenPrefix)
                ? nil : "removes a volume or mount that is not the default token's"
        case .test:
            return "TokenGate never sends test operations"
        }
    }

    private func addViolation(_ tokens: [String], value: JSON, root: JSONNode) -> String? {
        let marker = ProjectionAnnotations.projected
        switch tokens {
        case ["metadata", "annotations", marker], ["metadata", "annotations"], ["metadata"]:
            return nil
        default:
            break
        }
        guard let spec else {
            return tokens == ["automountServiceAccountToken"] ? falseValue(value) : "add outside a ServiceAccount's automount and marker"
        }
        guard Array(tokens.prefix(spec.count)) == spec else { return "add outside the pod spec and the marker" }
        let rest = Array(tokens.dropFirst(spec.count))
        switch rest.count {
        case 1 where rest[0] == "automountServiceAccountToken":
            return falseValue(value)
        case 1 where rest[0] == "volumes", 2 where rest[0] == "volumes" && rest[1] == "-":
            return nil
        case 3 where ["initContainers", "containers"].contains(rest[0]) && rest[2] == "volumeMounts",
             4 where ["initContainers", "containers"].contains(rest[0]) && rest[2] == "volumeMounts" && rest[3] == "-":
            return nil
        default:
            return "add of a pod spec field TokenGate does not own"
        }
    }

    private func falseValue(_ value: JSON) -> String? {
        if case .node(let node) = value, node.bool == false { return nil }
        if case .bool(false) = value { return nil }
        return "automountServiceAccountToken set to something other than false"
    }

    private func describe(_ operation: JSONPatch.Operation) -> String {
        switch operation {
        case .add(let path, _): "add \(path)"
        case .remove(let path): "remove \(path)"
        case .replace(let path, _): "replace \(path)"
        case .test(let path, _): "test \(path)"
        }
    }
}
