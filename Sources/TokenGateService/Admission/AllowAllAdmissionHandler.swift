// SPDX-License-Identifier: Apache-2.0
import TokenGateAdmission
import TokenGateHTTP
import TokenGateJSON

/// Issue 2's placeholder behaviour for `/mutate` and `/validate`: **allow everything,
/// unchanged**. The projection mutator and the Workflow validator (TokenGateAdmission) replace
/// it once the CLI wires them in.
///
/// It still speaks the protocol correctly, so the server can run against a real API server: the
/// answer echoes `request.uid` and the request's `apiVersion` (v1 or v1beta1), always carries
/// `allowed`, and a body that is not an AdmissionReview gets HTTP 400 with the reason.
public struct AllowAllAdmissionHandler: AdmissionReviewHandler {
    public static let supportedVersions = ["admission.k8s.io/v1", "admission.k8s.io/v1beta1"]

    public init() {}

    public func review(_ body: RawSpan, at endpoint: AdmissionEndpoint, parser: JSONViewParser) -> AdmissionOutcome {
        let document: JSONView
        do {
            document = try parser.parse(body)
        } catch {
            return Self.badRequest("request body is not valid JSON: \(error)")
        }
        let root = document.root
        guard root.isObject else { return Self.badRequest("expected an AdmissionReview object at the top level") }
        guard let apiVersion = root["apiVersion"]?.string, Self.supportedVersions.contains(apiVersion) else {
            return Self.badRequest("apiVersion must be one of \(Self.supportedVersions.joined(separator: ", "))")
        }
        guard root["kind"]?.string == "AdmissionReview" else { return Self.badRequest("kind must be AdmissionReview") }
        guard let request = root["request"], request.isObject else { return Self.badRequest("request is missing or not an object") }
        guard let uid = request["uid"]?.string, !uid.isEmpty else { return Self.badRequest("request.uid is missing or not a string") }

        let response: JSON = [
            "apiVersion": .string(apiVersion), "kind": "AdmissionReview",
            "response": ["uid": .string(uid), "allowed": true],
        ]
        let kind = request["kind"]
        let gvk = [kind?["group"]?.string, kind?["version"]?.string, kind?["kind"]?.string]
            .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "/")
        let record = AdmissionRecord(
            uid: uid, kind: gvk, namespace: request["namespace"]?.string, name: request["name"]?.string,
            operation: request["operation"]?.string ?? "", dryRun: request["dryRun"]?.bool ?? false,
            decision: .allowed, reason: "placeholder: allow everything unchanged", patchOperations: 0)
        return AdmissionOutcome(httpStatus: 200, body: response.serialized(), record: record)
    }

    static func badRequest(_ message: String) -> AdmissionOutcome {
        let body: JSON = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
            "message": .string("not an AdmissionReview: \(message)"), "reason": "BadRequest", "code": 400,
        ]
        return AdmissionOutcome(httpStatus: 400, body: body.serialized(), record: nil)
    }
}
