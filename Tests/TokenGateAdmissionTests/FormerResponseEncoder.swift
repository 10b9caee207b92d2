// SPDX-License-Identifier: Apache-2.0
import TokenGateAdmission
import TokenGateJSON

/// `AdmissionResponse.encode` as it was before the one-pass writer: a `JSON` tree, serialized by
/// Jansson, with the patch serialized and base64-encoded on its own first. Kept here only as the
/// oracle the writer is held to.
enum FormerResponseEncoder {
    static func encode(_ decision: AdmissionDecision, uid: String, version: AdmissionReviewVersion, at endpoint: AdmissionEndpoint) -> [UInt8] {
        var response: [(String, JSON)] = [("uid", .string(uid)), ("allowed", .bool(decision.isAllowed))]
        if let denial = decision.denial {
            response.append((
                "status",
                [
                    "status": "Failure", "code": .int(max(400, denial.code)), "reason": .string(denial.reason),
                    "message": .string(denial.message),
                ]
            ))
        } else if endpoint == .mutate, !decision.patch.isEmpty {
            response.append(("patchType", "JSONPatch"))
            response.append(("patch", .string(decision.patch.base64())))
        }
        let annotations = decision.auditAnnotations.filter { AdmissionResponse.isValidAuditKey($0.key) }
        if !annotations.isEmpty {
            response.append(("auditAnnotations", .object(annotations.map { ($0.key, .string($0.value)) })))
        }
        let warnings = AdmissionResponse.boundedWarnings(decision.warnings)
        if !warnings.isEmpty {
            response.append(("warnings", .array(warnings.map { .string($0) })))
        }
        let review: JSON = [
            "apiVersion": .string(version.rawValue), "kind": .string(AdmissionReviewVersion.kind),
            "response": .object(response),
        ]
        return review.serialized()
    }

    /// `AdmissionReviewError.body` as it was: a `JSON` tree serialized by Jansson.
    static func errorBody(_ message: String) -> [UInt8] {
        let status: JSON = [
            "apiVersion": "v1", "kind": "Status", "status": "Failure", "code": 400,
            "reason": "BadRequest", "message": .string("not a valid AdmissionReview: \(message)"),
        ]
        return status.serialized()
    }
}
