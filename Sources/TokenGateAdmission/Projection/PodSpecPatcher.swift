// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// Builds the JSON Patch operations that give one pod spec the projected token, from the pod
/// spec exactly as it arrived.
///
/// Decisions are made on content, not names: a volume projecting the same audience, expiration
/// and file name counts as ours whatever it is called, and a container that mounts it at the
/// mount path is done. Every operation touches one element (append with `-`, remove by index,
/// set one member), so arrays and maps TokenGate does not own are never rewritten. Indices
/// refer to the spec as received; the operations are ordered so that every index is still
/// right when it is applied: the replacement of TokenGate's own volume first, then each
/// container's mount removals (descending) and its append, then volume removals (descending),
/// then the volume append.
struct PodSpecPatcher {
    let settings: ProjectionSettings
    let overrides: ProjectionOverrides
    /// Pods only: remove the ServiceAccount plugin's `kube-api-access-*` volume and its mounts.
    let removesDefaultTokenVolume: Bool
    let prebuilt: ProjectedVolume.Prebuilt

    struct Result {
        var operations: [JSONPatch.Operation] = []
        var warnings: [String] = []
        /// Containers that received a mount in this patch.
        var mounted: [String] = []
        /// The volume containers mount (existing equivalent one, or TokenGate's).
        var volumeName = ""
        var removedVolumes: [String] = []
    }

    static let defaultTokenVolumePrefix = "kube-api-access-"

    private struct Container {
        let field: String
        let index: Int
        let node: JSONView.Value
        var name: String { node["name"]?.string ?? "" }
    }

    func patch(spec: JSONView.Value, at specPointer: JSONPointer) -> Result {
        var result = Result()
        let projected = ProjectedVolume(
            audience: overrides.audience, expirationSeconds: overrides.expirationSeconds,
            tokenFileName: settings.tokenFileName)
        let mountPath = normalizedMountPath(settings.mountPath)
        let skip = Set(overrides.skipContainers)

        // Classify the volumes as received.
        let volumesNode = spec["volumes"]
        var equivalent: [String] = []
        var defaultToken: [(index: Int, name: String)] = []
        var ownIndex: Int?
        for (index, volume) in (volumesNode?.elements).enumeratedOrEmpty {
            let name = volume["name"]?.string ?? ""
            if projected.isEquivalent(volume) {
                equivalent.append(name)
            } else if removesDefaultTokenVolume && name.hasPrefix(Self.defaultTokenVolumePrefix) {
                defaultToken.append((index, name))
            } else if name == settings.volumeName {
                ownIndex = index
            }
        }
        let defaultTokenNames = Set(defaultToken.map(\.name))

        let containers = ["initContainers", "containers"].flatMap { field in
            (spec[field]?.elements).enumeratedOrEmpty.map { Container(field: field, index: $0, node: $1) }
        }
        func mountAtPath(_ container: Container) -> (index: Int, name: String)? {
            for (index, mount) in (container.node["volumeMounts"]?.elements).enumeratedOrEmpty {
                if let path = mount["mountPath"]?.string, normalizedMountPath(path) == mountPath {
                    return (index, mount["name"]?.string ?? "")
                }
            }
            return nil
        }

        // Which volume the containers should mount: an equivalent one already mounted, else any
        // equivalent one, else TokenGate's own.
        let mountedEquivalent = containers.lazy.compactMap { mountAtPath($0)?.name }.first { equivalent.contains($0) }
        let target = mountedEquivalent ?? equivalent.first ?? settings.volumeName
        result.volumeName = target

        var mountOperations: [JSONPatch.Operation] = []
        var targetInUse = false
        // A skipped container with nothing at the mount path would get the default, year-long
        // token from the ServiceAccount plugin unless automount is off.
        var leftForDefaultToken = false
        for container in containers {
            let mountsNode = container.node["volumeMounts"]
            let base = specPointer / container.field / container.index / "volumeMounts"
            let removals = (mountsNode?.elements).enumeratedOrEmpty
                .filter { defaultTokenNames.contains($0.element["name"]?.string ?? "") }.map(\.offset)
            var adds = false
            if skip.contains(container.name) {
                // Opted out: no token at all (its default-token mounts go with the volume).
                if mountAtPath(container) == nil || defaultTokenNames.contains(mountAtPath(container)?.name ?? "") {
                    leftForDefaultToken = true
                }
            } else if let existing = mountAtPath(container) {
                if existing.name == target || equivalent.contains(existing.name) {
                    targetInUse = targetInUse || existing.name == target
                } else if defaultTokenNames.contains(existing.name) {
                    adds = true
                } else {
                    result.warnings.append(
                        "container \"\(container.name)\" already mounts volume \"\(existing.name)\" at \(settings.mountPath); TokenGate left it as it is, without a projected token")
                }
            } else {
                adds = true
            }
            for index in removals.sorted(by: >) { mountOperations.append(.remove(base / index)) }
            if adds {
                let mount = prebuilt.mount(named: target) ?? ProjectedVolume.mount(named: target, at: settings.mountPath)
                mountOperations.append(mountsNode?.isArray == true ? .add(base.appendingEnd(), mount) : .add(base, [mount]))
                result.mounted.append(container.name)
                targetInUse = true
            }
        }
        for name in overrides.skipContainers where !containers.contains(where: { $0.name == name }) {
            result.warnings.append("\(ProjectionAnnotations.skipContainers) names \"\(name)\", which is not a container of this pod")
        }

        let volume = prebuilt.volume(named: target, projected) ?? projected.volume(named: target)
        let volumesPointer = specPointer / "volumes"
        if targetInUse && !equivalent.contains(target), let ownIndex {
            result.operations.append(.replace(volumesPointer / ownIndex, volume))
            result.warnings.append(
                "volume \"\(target)\" projected a different token; TokenGate replaced it (audience \(overrides.audience), \(overrides.expirationSeconds) s)")
        }
        result.operations += mountOperations
        for entry in defaultToken.sorted(by: { $0.index > $1.index }) {
            result.operations.append(.remove(volumesPointer / entry.index))
            result.removedVolumes.append(entry.name)
        }
        if targetInUse && !equivalent.contains(target) && ownIndex == nil {
            result.operations.append(volumesNode?.isArray == true ? .add(volumesPointer.appendingEnd(), volume) : .add(volumesPointer, [volume]))
        }
        // Only together with a change, or when a skipped container would otherwise fall back to the
        // default token: a spec whose every container already mounts an equivalent projection gets
        // no patch at all (the ServiceAccount plugin skips such containers anyway).
        if (!result.operations.isEmpty || leftForDefaultToken) && spec["automountServiceAccountToken"]?.bool != false {
            result.operations.insert(.add(specPointer / "automountServiceAccountToken", false), at: 0)
        }
        return result
    }
}

extension Optional where Wrapped == JSONView.Value.Elements {
    /// `(index, element)` pairs of an array that may be missing (`spec.volumes` of a pod without
    /// volumes): none then, as for an empty array.
    var enumeratedOrEmpty: [(offset: Int, element: JSONView.Value)] {
        guard let elements = self else { return [] }
        return Array(elements.enumerated())
    }
}
