// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAdmission
import TokenGateJSON

/// The admission record names the Pod a request is about, and only with what the review really says.
@Suite("Admission records name their pod")
struct PodIdentityTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let review: [JSONPatch.Operation]
        /// Then move the object to `oldObject`, as a DELETE review carries it.
        var deleted = false
        let podName: String?
        let podUID: String?
        var testDescription: String { name }
    }

    static let podFixture = "pod-create-from-replicaset.mutating.v1.30.json"

    static let cases: [Case] = [
        Case(name: "a Pod CREATE with a name and a uid (validating, or a bare pod)", review: [
            .add("/request/name", "web-9"), .add("/request/object/metadata/name", "web-9"),
            .add("/request/object/metadata/uid", "3f1e2d4c-0000-4000-8000-00000000a009"),
        ], podName: "web-9", podUID: "3f1e2d4c-0000-4000-8000-00000000a009"),
        Case(name: "a ReplicaSet's Pod before the API server names it", review: [], podName: nil, podUID: nil),
        Case(name: "a Pod DELETE: the old object has the uid", review: [
            .replace("/request/operation", "DELETE"), .add("/request/name", "web-9"),
            .add("/request/object/metadata/name", "web-9"),
            .add("/request/object/metadata/uid", "3f1e2d4c-0000-4000-8000-00000000a009"),
        ], deleted: true, podName: "web-9", podUID: "3f1e2d4c-0000-4000-8000-00000000a009"),
        Case(name: "an Eviction names its pod but carries no pod uid", review: [
            .replace("/request/kind", ["group": "policy", "version": "v1", "kind": "Eviction"]),
            .add("/request/subResource", "eviction"), .add("/request/name", "web-9"),
            .replace("/request/object", ["apiVersion": "policy/v1", "kind": "Eviction",
                                         "metadata": ["name": "web-9", "uid": "not-the-pods"]]),
        ], podName: "web-9", podUID: nil),
    ]

    @Test(arguments: cases) func theRecordNamesThePod(_ testCase: Case) throws {
        var review = try JSONPatch(testCase.review).apply(to: AdmissionFixtures.review(Self.podFixture).rootNode)
        if testCase.deleted, let object = review.rootNode.at("/request/object") {
            review = try JSONPatch([.add("/request/oldObject", .node(object)), .replace("/request/object", nil)])
                .apply(to: review.rootNode)
        }
        let record = try #require(Self.record(review))
        #expect(record.podName == testCase.podName)
        #expect(record.podUID == testCase.podUID)
    }

    @Test func aDeploymentIsNoPod() throws {
        let review = try AdmissionFixtures.review("deployment-create.mutating.v1.30.json")
        let record = try #require(Self.record(review))
        #expect(record.name != nil && record.podName == nil && record.podUID == nil)
    }

    static func record(_ review: JSONDocument) -> AdmissionRecord? {
        let handler = TokenGateAdmissionHandler(settings: AdmissionFixtures.settings)
        return handler.review(review.rootNode.serialized(), at: .mutate).record
    }
}
