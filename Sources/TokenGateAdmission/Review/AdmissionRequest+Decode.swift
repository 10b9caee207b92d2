// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

extension AdmissionRequest {
    /// Parses and checks one AdmissionReview body with the caller's parser (the server keeps one
    /// per event loop). The body is only borrowed: the view copies what it keeps.
    /// - Throws: ``AdmissionReviewError`` saying what is wrong (and where, for JSON syntax errors).
    public static func decode(_ body: RawSpan, parser: JSONViewParser) throws(AdmissionReviewError) -> AdmissionRequest {
        let view: JSONView
        do {
            view = try parser.parse(body)
        } catch {
            throw AdmissionReviewError(error.message)
        }
        return try decode(view.root)
    }

    /// Parses with a parser made for this body: for tools, tests and the offline commands, which
    /// build their review as bytes (``OfflineMutation``), so every path runs the same checks.
    public static func decode(_ bytes: [UInt8]) throws(AdmissionReviewError) -> AdmissionRequest {
        try decode(bytes.span.bytes, parser: JSONViewParser())
    }

    /// Checks an already parsed review.
    public static func decode(_ root: JSONView.Value) throws(AdmissionReviewError) -> AdmissionRequest {
        guard root.isObject else { throw AdmissionReviewError("the body must be a JSON object") }
        guard let apiVersionNode = root["apiVersion"], !apiVersionNode.isNull else {
            throw AdmissionReviewError("apiVersion is missing; expected \"admission.k8s.io/v1\"")
        }
        guard let apiVersion = apiVersionNode.string, let version = AdmissionReviewVersion(rawValue: apiVersion) else {
            throw AdmissionReviewError(
                "apiVersion is \(quoted(apiVersionNode)); expected \"admission.k8s.io/v1\" or \"admission.k8s.io/v1beta1\"")
        }
        guard let kind = root["kind"], kind.isString(AdmissionReviewVersion.kind) else {
            throw AdmissionReviewError("kind is \(root["kind"].map(quoted) ?? "missing"); expected \"AdmissionReview\"")
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

    private static let expectedKinds: [(String, JSONView.Value.Kind)] = [
        ("kind", .object), ("resource", .object), ("requestKind", .object), ("requestResource", .object),
        ("subResource", .string), ("requestSubResource", .string), ("name", .string), ("namespace", .string),
        ("operation", .string), ("userInfo", .object), ("object", .object), ("oldObject", .object),
        ("dryRun", .bool), ("options", .object),
    ]

    private static func checkTypes(of request: JSONView.Value) throws(AdmissionReviewError) {
        for (key, kind) in expectedKinds {
            if let value = request[key], !value.isNull, value.kind != kind {
                throw AdmissionReviewError("request.\(key) must be \(kind == .object ? "an object" : "a \(kind)") or null")
            }
        }
    }

    /// A value as the 400 messages have always quoted it: Jansson's compact text (`1.5` for
    /// `1.50`, `"é"` for `"\u00e9"`), not the sender's spelling. Only ever on the way to a 400.
    private static func quoted(_ value: JSONView.Value) -> String {
        (try? JSONDocument.parse(value.sourceBytes))?.rootNode.jsonText ?? value.sourceText
    }
}
