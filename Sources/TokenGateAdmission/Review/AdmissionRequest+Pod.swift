// SPDX-License-Identifier: Apache-2.0

/// Which Pod a request is about, so that the audit trail files a Pod's admission under that pod,
/// next to the token exchanges its containers make.
extension AdmissionRequest {
    /// Whether the request is about a Pod: the core `pods` resource (any subresource: `status`,
    /// `eviction`, `exec` all name their pod), or, without `request.resource`, a core `Pod` object.
    public var concernsPod: Bool {
        if let resource { return resource.group.isEmpty && resource.resource == "pods" }
        guard let kind = effectiveKind else { return false }
        return kind.group.isEmpty && kind.kind == "Pod"
    }

    /// The Pod's name when it has one: `request.name` or `metadata.name`. Never the `generateName`
    /// prefix: a ReplicaSet's pods reach mutating webhooks before the API server picks their name.
    public var podName: String? {
        guard concernsPod else { return nil }
        if let name { return name }
        for object in [object, oldObject] {
            if let name = object?.at("/metadata/name")?.string, !name.isEmpty { return name }
        }
        return nil
    }

    /// The Pod's `metadata.uid` (from `oldObject` for DELETE), when the object under review is the
    /// Pod itself. A CREATE reaches mutating webhooks before the API server assigns the uid, so it
    /// is there on UPDATE, DELETE and validating CREATE, not on mutating CREATE.
    public var podUID: String? {
        guard concernsPod else { return nil }
        for object in [object, oldObject] {
            guard let object, (object["kind"]?.string ?? kind?.kind) == "Pod" else { continue }
            if let uid = object.at("/metadata/uid")?.string, !uid.isEmpty { return uid }
        }
        return nil
    }
}
