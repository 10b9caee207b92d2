// SPDX-License-Identifier: Apache-2.0
import TokenGateAdmission
import TokenGateJSON

/// Checks an AdmissionReview answer the way the API server reads it (k8s-api.md §1.4–1.7) and
/// hands out its decoded patch.
struct ResponseEnvelope {
    static let target = AdmissionCheck.target

    /// The decoded `response.patch`, when there is one.
    let patch: JSONPatch?

    init(_ root: JSONNode, request: AdmissionRequest, endpoint: AdmissionEndpoint) throws(FuzzCheckFailure) {
        let target = Self.target
        try require(root["apiVersion"]?.string == request.version.rawValue, target,
                    "\(endpoint): apiVersion \(root["apiVersion"]?.jsonText ?? "missing") for a \(request.version.rawValue) request")
        try require(root["kind"]?.string == "AdmissionReview", target, "\(endpoint): kind is not AdmissionReview")
        guard let response = root["response"], response.isObject else {
            throw FuzzCheckFailure(target, "\(endpoint): no response object")
        }
        try require(response["uid"]?.string == request.uid, target, "\(endpoint): the uid is not echoed")
        guard let allowed = response["allowed"]?.bool else {
            throw FuzzCheckFailure(target, "\(endpoint): allowed is missing or not a boolean")
        }
        if let status = response["status"] {
            try require(!allowed && (status["code"]?.int ?? 0) >= 400, target, "\(endpoint): a status on an allowed answer")
        } else {
            try require(allowed, target, "\(endpoint): a denial without a status")
        }
        if let warnings = response["warnings"] {
            var total = 0
            for warning in warnings.elements {
                guard let text = warning.string, !text.isEmpty else {
                    throw FuzzCheckFailure(target, "\(endpoint): an empty or non-string warning")
                }
                try require(text.utf8.count <= AdmissionResponse.maxWarningBytes, target, "\(endpoint): a warning longer than the API server keeps")
                try require(!text.contains(where: \.isNewline), target, "\(endpoint): a warning with a line break")
                total += text.utf8.count
            }
            try require(total <= AdmissionResponse.maxTotalWarningBytes, target, "\(endpoint): warnings longer than the API server keeps")
        }
        for key in response["auditAnnotations"]?.keys ?? [] {
            try require(AdmissionResponse.isValidAuditKey(key), target, "\(endpoint): audit annotation key \(shown(key))")
        }
        guard let encoded = response["patch"] else {
            try require(response["patchType"] == nil, target, "\(endpoint): patchType without a patch")
            self.patch = nil
            return
        }
        try require(allowed, target, "\(endpoint): a patch on a denial")
        try require(response["patchType"]?.string == "JSONPatch", target, "\(endpoint): a patch without patchType JSONPatch")
        guard let text = encoded.string, let bytes = try? Base64.decode(text) else {
            throw FuzzCheckFailure(target, "\(endpoint): the patch is not standard base64")
        }
        guard let document = try? JSONDocument.parse(bytes), let patch = try? JSONPatch(parsing: document.rootNode) else {
            throw FuzzCheckFailure(target, "\(endpoint): the patch is not a JSON Patch: \(shown(bytes))")
        }
        try require(!patch.isEmpty, target, "\(endpoint): an empty patch was sent")
        self.patch = patch
    }
}
