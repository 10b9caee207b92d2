// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import TokenGateAdmission
import TokenGateJSON

/// Loads the AdmissionReview fixtures in Tests/Fixtures/admission and runs them through the handler.
enum AdmissionFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/admission")

    /// Defaults plus `app: payments-api`, the label of the shared fixtures.
    static let settings = ProjectionSettings(
        enabled: true, audience: "https://kubernetes.default.svc", expirationSeconds: 600,
        selectors: LabelSelector.openUnisonDefaults + [LabelSelector(["app": "payments-api"])])

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func review(_ name: String) throws -> JSONDocument {
        try JSONDocument.parse(bytes(name))
    }

    /// The fixture with `operations` applied to the whole review (e.g. to change labels or the operation).
    static func review(_ name: String, _ operations: JSONPatch.Operation...) throws -> JSONDocument {
        try JSONPatch(operations).apply(to: review(name).rootNode)
    }
}

/// One decided review, with helpers to apply the patch and run again on the result.
struct Decided {
    let review: JSONDocument
    let decision: AdmissionDecision
    let handler: TokenGateAdmissionHandler

    init(_ review: JSONDocument, settings: ProjectionSettings = AdmissionFixtures.settings) throws {
        self.review = review
        self.handler = TokenGateAdmissionHandler(settings: settings)
        self.decision = handler.decide(try AdmissionRequest.decode(review.rootNode.serialized()), at: .mutate)
    }

    var object: JSONNode { review.rootNode.at("/request/object")! }

    /// The object with the patch applied (the patch must apply, like the API server requires).
    func patched() throws -> JSONDocument { try decision.patch.apply(to: object) }

    /// The same review with `request.object` replaced by `object` (reinvocation, second pass).
    func rerun(with object: JSONNode) throws -> Decided {
        let next = try JSONPatch([.replace("/request/object", .node(object))]).apply(to: review.rootNode)
        return try Decided(next, settings: handler.mutator.settings)
    }

    /// Applies, re-runs on the result, and checks that the second pass wants no change.
    @discardableResult
    func expectIdempotent(sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONDocument {
        let result = try patched()
        let second = try rerun(with: result.rootNode)
        #expect(second.decision.isAllowed, sourceLocation: sourceLocation)
        #expect(second.decision.patch.isEmpty, "second pass patched: \(String(decoding: second.decision.patch.serialized(), as: UTF8.self))", sourceLocation: sourceLocation)
        return result
    }
}

extension JSONNode {
    /// Names of the elements of an array of named things (containers, volumes, mounts).
    var names: [String] { elements.compactMap { $0["name"]?.string } }

    /// The mount at `path` of the container, if any.
    func mount(at path: String = ProjectionSettings.serviceAccountMountPath) -> JSONNode? {
        self["volumeMounts"]?.elements.first { $0["mountPath"]?.string == path }
    }
}

extension AdmissionReviewHandler {
    /// The server's call, with an array's bytes borrowed as the body.
    func review(_ bytes: [UInt8], at endpoint: AdmissionEndpoint, reusing parser: JSONViewParser) -> AdmissionOutcome {
        review(bytes.span.bytes, at: endpoint, parser: parser)
    }
}

extension AdmissionRequest {
    static func decode(_ bytes: [UInt8], reusing parser: JSONViewParser) throws(AdmissionReviewError) -> AdmissionRequest {
        try decode(bytes.span.bytes, parser: parser)
    }
}
