// SPDX-License-Identifier: Apache-2.0
import TokenGateAdmission
import TokenGateJSON

/// TEST DOUBLE for the admission handler (not for the server): reads `request.uid` with
/// TokenGateJSON and allows, echoing uid and apiVersion, so the server tests do not depend on the
/// admission rules. Bodies without a uid get 400.
struct TestAdmissionHandler: AdmissionReviewHandler {
    func review(_ body: RawSpan, at endpoint: AdmissionEndpoint, parser: JSONViewParser) -> AdmissionOutcome {
        guard let document = try? parser.parse(body), let uid = document.root["request"]?["uid"]?.string else {
            return AdmissionOutcome(httpStatus: 400, body: JSON.object([("message", "test handler: no request.uid")]).serialized(), record: nil)
        }
        let apiVersion = document.root["apiVersion"]?.string ?? "admission.k8s.io/v1"
        let response: JSON = [
            "apiVersion": .string(apiVersion), "kind": "AdmissionReview",
            "response": ["uid": .string(uid), "allowed": true],
        ]
        let record = AdmissionRecord(
            uid: uid, kind: "test", namespace: nil, name: nil, operation: "CREATE", dryRun: false,
            decision: .allowed, reason: "test double (\(endpoint.rawValue))", patchOperations: 0)
        return AdmissionOutcome(httpStatus: 200, body: response.serialized(), record: record)
    }
}
