// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// A read view over `request` of a parsed AdmissionReview. Nothing is copied: every accessor
/// reads the Jansson tree, and ``object`` hands out the object as it arrived so patches can be
/// computed against exactly what the API server will patch.
///
/// Decoding checks only what a response needs (the version, `kind: AdmissionReview`, a
/// `request` object with a `uid`) and the types of keys that are present. Every other key may be
/// missing or `null`, as the API server omits empty ones; unknown keys are ignored.
public struct AdmissionRequest: Sendable {
    public let version: AdmissionReviewVersion
    /// The `request` object.
    public let node: JSONNode
    public let uid: String

    /// Parses and checks one AdmissionReview body.
    /// - Throws: ``AdmissionReviewError`` saying what is wrong (and where, for JSON syntax errors).
    public static func decode(_ body: UnsafeRawBufferPointer) throws(AdmissionReviewError) -> AdmissionRequest {
        let document: JSONDocument
        do {
            document = try JSONDocument.parse(body)
        } catch let error as JSONError {
            throw AdmissionReviewError(error.message)
        } catch {
            throw AdmissionReviewError("\(error)")
        }
        return try decode(document.rootNode)
    }

    public static func decode(_ bytes: [UInt8]) throws(AdmissionReviewError) -> AdmissionRequest {
        do {
            return try bytes.withUnsafeBytes { raw in try decode(raw) }
        } catch let error as AdmissionReviewError {
            throw error
        } catch {
            throw AdmissionReviewError("\(error)")
        }
    }

    /// Checks an already parsed review.
    public static func decode(_ root: JSONNode) throws(AdmissionReviewError) -> AdmissionRequest {
        guard root.isObject else { throw AdmissionReviewError("the body must be a JSON object") }
        guard let apiVersionNode = root["apiVersion"], !apiVersionNode.isNull else {
            throw AdmissionReviewError("apiVersion is missing; expected \"admission.k8s.io/v1\"")
        }
        guard let apiVersion = apiVersionNode.string, let version = AdmissionReviewVersion(rawValue: apiVersion) else {
            throw AdmissionReviewError(
                "apiVersion is \(apiVersionNode.jsonText); expected \"admission.k8s.io/v1\" or \"admission.k8s.io/v1beta1\"")
        }
        guard let kind = root["kind"]?.string, kind == AdmissionReviewVersion.kind else {
            throw AdmissionReviewError("kind is \(root["kind"]?.jsonText ?? "missing"); expected \"AdmissionReview\"")
        }
        guard let request = root["request"], request.isObject else {
            throw AdmissionReviewError(
                root["response"] != nil && root["request"] == nil
                    ? "this is an AdmissionReview response; a webhook needs one with \"request\""
                    : "request is missing or not an object")
        }
        guard let uid = request["uid"]?.string, !uid.isEmpty else {
            throw AdmissionReviewError("request.uid is missing or not a non-empty string")
        }
        try checkTypes(of: request)
        return AdmissionRequest(version: version, node: request, uid: uid)
    }

    private static func checkTypes(of request: JSONNode) throws(AdmissionReviewError) {
        let expected: [(String, JSONNode.Kind)] = [
            ("kind", .object), ("resource", .object), ("requestKind", .object), ("requestResource", .object),
            ("subResource", .string), ("requestSubResource", .string), ("name", .string), ("namespace", .string),
            ("operation", .string), ("userInfo", .object), ("object", .object), ("oldObject", .object),
            ("dryRun", .bool), ("options", .object),
        ]
        for (key, kind) in expected {
            if let value = request[key], !value.isNull, value.kind != kind {
                throw AdmissionReviewError("request.\(key) must be \(kind == .object ? "an object" : "a \(kind)") or null")
            }
        }
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
    public var userInfo: JSONNode? { nonNull("userInfo") }
    public var username: String? { userInfo?["username"]?.string }
    /// The new object; nil for DELETE (sent as `null`).
    public var object: JSONNode? { nonNull("object") }
    /// The old object; nil for CREATE and CONNECT.
    public var oldObject: JSONNode? { nonNull("oldObject") }
    /// Absent reads as false.
    public var dryRun: Bool { node["dryRun"]?.bool ?? false }
    public var options: JSONNode? { nonNull("options") }

    private func nonNull(_ key: String) -> JSONNode? {
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
        namespace ?? (object?.at("/metadata/namespace")?.string).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `request.name`, or the object's `metadata.name`, or its `generateName` followed by `*`.
    public var displayName: String? {
        if let name { return name }
        if let name = object?.at("/metadata/name")?.string, !name.isEmpty { return name }
        if let prefix = object?.at("/metadata/generateName")?.string, !prefix.isEmpty { return prefix + "*" }
        return nil
    }
}
