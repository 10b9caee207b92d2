// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// A read view over `request` of a parsed AdmissionReview. Nothing is copied: every accessor
/// reads the simdjson view of the body in place, and ``object`` hands out the object as it
/// arrived so patches can be computed against exactly what the API server will patch.
///
/// Decoding checks only what a response needs (the version, `kind: AdmissionReview`, a
/// `request` object with a `uid`) and the types of keys that are present. Every other key may be
/// missing or `null`, as the API server omits empty ones; unknown keys are ignored.
public struct AdmissionRequest: Sendable {
    public let version: AdmissionReviewVersion
    /// The `request` object.
    public let node: JSONView.Value
    public let uid: String

    init(version: AdmissionReviewVersion, node: JSONView.Value, uid: String) {
        self.version = version
        self.node = node
        self.uid = uid
    }

    private func stringMember(_ key: String) -> String? {
        guard let value = node[key]?.string, !value.isEmpty else { return nil }
        return value
    }

    /// GVK of the object as converted for this webhook.
    public var kind: GroupVersionKind? { GroupVersionKind(node["kind"]) }
    public var resource: GroupVersionResource? { GroupVersionResource(node["resource"]) }
    /// `status`, `scale`, … ; nil for the main resource.
    public var subResource: String? { stringMember("subResource") }
    /// Empty on CREATE with `generateName`.
    public var name: String? { stringMember("name") }
    public var namespace: String? { stringMember("namespace") }
    /// `CREATE`, `UPDATE`, `DELETE`, `CONNECT`; nil when absent.
    public var operation: String? { stringMember("operation") }
    public var userInfo: JSONView.Value? { nonNull("userInfo") }
    public var username: String? { userInfo?["username"]?.string }
    /// The new object; nil for DELETE (sent as `null`).
    public var object: JSONView.Value? { nonNull("object") }
    /// The old object; nil for CREATE and CONNECT.
    public var oldObject: JSONView.Value? { nonNull("oldObject") }
    /// Absent reads as false.
    public var dryRun: Bool { node["dryRun"]?.bool ?? false }
    public var options: JSONView.Value? { nonNull("options") }

    private func nonNull(_ key: String) -> JSONView.Value? {
        guard let value = node[key], !value.isNull else { return nil }
        return value
    }

    /// The GVK from `request.kind`, or from the object's own `apiVersion`/`kind` when absent.
    public var effectiveKind: GroupVersionKind? {
        if let kind, !kind.kind.isEmpty { return kind }
        guard let object, let apiVersion = object["apiVersion"]?.string, let kind = object["kind"]?.string else {
            return nil
        }
        return GroupVersionKind(apiVersion: apiVersion, kind: kind)
    }

    /// `request.namespace`, or the object's `metadata.namespace`.
    public var effectiveNamespace: String? {
        namespace ?? (object?["metadata"]?["namespace"]?.string).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `request.name`, or the object's `metadata.name`, or its `generateName` followed by `*`.
    public var displayName: String? {
        if let name { return name }
        let metadata = object?["metadata"]
        if let name = metadata?["name"]?.string, !name.isEmpty { return name }
        if let prefix = metadata?["generateName"]?.string, !prefix.isEmpty { return prefix + "*" }
        return nil
    }
}
