// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// The shapes TokenGate's patch writes into, checked before any operation is built.
///
/// The API server sends only objects it has decoded into its own types, where `metadata`,
/// `annotations`, `volumes`, the container lists and `volumeMounts` are always maps, lists or
/// absent. A body that breaks this can only come from someone calling the webhook by hand; it is
/// allowed unchanged rather than patched, because the operations would otherwise replace a map or
/// list TokenGate does not own (`add /spec/volumes` over a map) or fail to apply at all (a mount
/// added inside a container that is a string). Found by the `admission` fuzz target's invariants.
enum ObjectShape {
    /// Why the object's metadata cannot take the marker annotation, or nil.
    static func metadataProblem(_ object: JSONView.Value) -> String? {
        guard let metadata = object["metadata"], !metadata.isNull else { return nil }
        guard metadata.isObject else { return "metadata is \(describe(metadata)), not a map" }
        if let annotations = metadata["annotations"], !annotations.isNull, !annotations.isObject {
            return "metadata.annotations is \(describe(annotations)), not a map"
        }
        return nil
    }

    /// Why the pod spec cannot take the volume and mounts, or nil.
    static func podSpecProblem(_ spec: JSONView.Value) -> String? {
        if let volumes = spec["volumes"], !volumes.isNull, !volumes.isArray {
            return "spec.volumes is \(describe(volumes)), not a list"
        }
        for field in ["initContainers", "containers"] {
            guard let containers = spec[field], !containers.isNull else { continue }
            guard containers.isArray else { return "spec.\(field) is \(describe(containers)), not a list" }
            for (index, container) in containers.elements.enumerated() {
                guard container.isObject else { return "spec.\(field)[\(index)] is \(describe(container)), not a map" }
                if let mounts = container["volumeMounts"], !mounts.isNull, !mounts.isArray {
                    return "spec.\(field)[\(index)].volumeMounts is \(describe(mounts)), not a list"
                }
            }
        }
        return nil
    }

    private static func describe(_ value: JSONView.Value) -> String {
        switch value.kind {
        case .object: "a map"
        case .array: "a list"
        case .string: "a string"
        case .integer, .real: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}
