// SPDX-License-Identifier: Apache-2.0
import TokenGateAdmission
import TokenGateJSON

/// `admission`: AdmissionReview bytes through ``TokenGateAdmissionHandler`` on both endpoints.
///
/// The settings select every object (an empty selector), so every input that is a projected kind
/// reaches the patcher. Invariants, from issue 12 and from what the API server requires of a webhook:
/// - every answer is valid JSON: a 400 `Status` exactly when the body is not an AdmissionReview,
///   otherwise an AdmissionReview of the request's version echoing its uid;
/// - a patch comes only from `/mutate`, with `patchType: JSONPatch`, on an allowed response, and
///   applies cleanly (TokenGate's own RFC 6902 apply) to `request.object`;
/// - every operation is one TokenGate owns (``PatchOwnership``): no array or map it does not own
///   is replaced;
/// - reviewing the patched object again yields no patch (reinvocation must be a no-op).
enum AdmissionCheck {
    static let target = "admission"

    static let settings = ProjectionSettings(
        enabled: true, selectors: [LabelSelector([:])], ownNamespace: "tokengate")
    static let handler = TokenGateAdmissionHandler(settings: settings, validatingRules: [WorkflowValidatingRule()])
    /// One parser for every review, as a server's event loop keeps one (libFuzzer runs one input at
    /// a time, on one thread).
    nonisolated(unsafe) static let parser = JSONViewParser()

    static func check(_ bytes: UnsafeRawBufferPointer) throws(FuzzCheckFailure) {
        try check(bytes, handler: handler)
    }

    /// The same invariants under other settings (the config target reuses them).
    static func check(_ bytes: UnsafeRawBufferPointer, handler: TokenGateAdmissionHandler) throws(FuzzCheckFailure) {
        let body = Array(bytes)
        // The request as the handler reads it (simdjson), and the review as a Jansson tree for the
        // patch to apply to (TokenGate's JSON Patch works on Jansson trees).
        let review = try? JSONDocument.parse(bytes)
        let request = review.flatMap { _ in try? AdmissionRequest.decode(body) }
        for endpoint in AdmissionEndpoint.allCases {
            let outcome = body.withUnsafeBytes { handler.review($0.bytes, at: endpoint, parser: parser) }
            let body = try parsedBody(outcome, endpoint)
            guard let request, let review else {
                try require(outcome.httpStatus == 400 && outcome.record == nil, target,
                            "\(endpoint): not an AdmissionReview, yet answered \(outcome.httpStatus)")
                try require(body.rootNode["kind"]?.string == "Status" && body.rootNode["code"]?.int == 400, target,
                            "\(endpoint): a 400 without a Status body: \(shown(outcome.body))")
                continue
            }
            try require(outcome.httpStatus == 200, target, "\(endpoint): a decodable review answered \(outcome.httpStatus)")
            let response = try ResponseEnvelope(body.rootNode, request: request, endpoint: endpoint)
            guard let patch = response.patch else { continue }
            try require(endpoint == .mutate, target, "/validate answered with a patch")
            guard request.object != nil, let object = review.rootNode.at("/request/object") else {
                throw FuzzCheckFailure(target, "a patch for a request without an object")
            }
            let patched = try PatchOwnership(settings: handler.mutator.settings, request: request)
                .applyCheckingEachOperation(patch, to: object)
            try requireValidJSON(patched)
            try requireNoSecondPatch(review: review, patched: patched, handler: handler)
        }
    }

    private static func parsedBody(_ outcome: AdmissionOutcome, _ endpoint: AdmissionEndpoint) throws(FuzzCheckFailure)
        -> JSONDocument
    {
        do {
            let body = try JSONDocument.parse(outcome.body)
            try require(body.rootNode.isObject, target, "\(endpoint): the answer is not a JSON object")
            return body
        } catch let failure as FuzzCheckFailure {
            throw failure
        } catch {
            throw FuzzCheckFailure(target, "\(endpoint): the answer is not valid JSON (\(error)): \(shown(outcome.body))")
        }
    }

    /// The patched object must itself be a JSON document the API server can read back.
    private static func requireValidJSON(_ patched: JSONDocument) throws(FuzzCheckFailure) {
        let text = patched.rootNode.serialized()
        guard let back = try? JSONDocument.parse(text), back.rootNode.isEqual(to: patched.rootNode) else {
            throw FuzzCheckFailure(target, "the patched object is not valid JSON: \(shown(text))")
        }
    }

    /// Reinvocation: the same review with `request.object` replaced by the patched object.
    private static func requireNoSecondPatch(
        review: JSONDocument, patched: JSONDocument, handler: TokenGateAdmissionHandler
    ) throws(FuzzCheckFailure) {
        let again: [UInt8]
        do {
            again = try JSONPatch([.replace("/request/object", .node(patched.rootNode))]).apply(to: review.rootNode)
                .rootNode.serialized()
        } catch {
            throw FuzzCheckFailure(target, "cannot build the second review: \(error)")
        }
        let outcome = again.withUnsafeBytes { handler.review($0.bytes, at: .mutate, parser: parser) }
        guard outcome.httpStatus == 200, let body = try? JSONDocument.parse(outcome.body) else {
            throw FuzzCheckFailure(target, "the second review was refused: \(shown(outcome.body))")
        }
        try require(body.rootNode.at("/response/allowed")?.bool == true, target,
                    "the patched object is denied: \(shown(outcome.body))")
        if let patch = body.rootNode.at("/response/patch")?.string {
            let operations = (try? Base64.decode(patch)).map { shown($0, limit: 400) } ?? patch
            throw FuzzCheckFailure(target, "reviewing the patched object patches again: \(operations)")
        }
    }
}
