// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAdmission
import TokenGateJSON

/// The objects the mutating webhook configuration does not send (Job UPDATE, controller-owned
/// ReplicaSets) are also left alone by the server, so an older or hand-edited configuration
/// cannot make TokenGate fight the Job or Deployment controller.
@Suite("Projection: Job UPDATE and controller-owned ReplicaSets are left alone")
struct ControllerConflictTests {
    /// The shared Deployment review turned into `kind` (request and object agree).
    static func review(group: String, kind: String, operation: String, _ extra: JSONPatch.Operation...) throws -> JSONDocument {
        let base = try AdmissionFixtures.review(
            "deployment-create.mutating.v1.30.json",
            .replace("/request/kind/group", .string(group)), .replace("/request/kind/kind", .string(kind)),
            .replace("/request/resource/group", .string(group)),
            .replace("/request/resource/resource", .string(kind.lowercased() + "s")),
            .replace("/request/object/apiVersion", .string("\(group)/v1")),
            .replace("/request/object/kind", .string(kind)),
            .replace("/request/operation", .string(operation)))
        return try JSONPatch(extra).apply(to: base.rootNode)
    }

    static let deploymentOwner: JSON = [
        "apiVersion": "apps/v1", "kind": "Deployment", "name": "payments-api",
        "uid": "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "controller": true, "blockOwnerDeletion": true,
    ]

    @Test("Job UPDATE: allowed unchanged, with the reason (the pod template is immutable)")
    func jobUpdate() throws {
        let decided = try Decided(Self.review(group: "batch", kind: "Job", operation: "UPDATE"))
        #expect(decided.decision.isAllowed)
        #expect(decided.decision.patch.isEmpty)
        #expect(decided.decision.reason.contains("Job"))
        #expect(decided.decision.reason.contains("immutable"))
        #expect(decided.decision.recordDecision == .allowed)
    }

    @Test("Job CREATE is still projected, so the Job's pods get the token")
    func jobCreate() throws {
        let decided = try Decided(Self.review(group: "batch", kind: "Job", operation: "CREATE"))
        #expect(decided.decision.patch.operations.contains { $0.path.description == "/spec/template/spec/volumes" })
        try decided.expectIdempotent()
    }

    @Test("a ReplicaSet controlled by a Deployment is allowed unchanged on CREATE and UPDATE", arguments: ["CREATE", "UPDATE"])
    func controlledReplicaSet(_ operation: String) throws {
        let decided = try Decided(Self.review(
            group: "apps", kind: "ReplicaSet", operation: operation,
            .add("/request/object/metadata/ownerReferences", [Self.deploymentOwner])))
        #expect(decided.decision.isAllowed)
        #expect(decided.decision.patch.isEmpty)
        #expect(decided.decision.reason.contains("controlled by Deployment payments-api"))
        #expect(decided.decision.reason.contains("Pod CREATE"))
    }

    @Test("a ReplicaSet without a controlling owner is projected like any workload")
    func standaloneReplicaSet() throws {
        let notController: JSON = ["apiVersion": "v1", "kind": "ConfigMap", "name": "x", "uid": "u", "controller": false]
        let variants: [[JSONPatch.Operation]] = [[], [.add("/request/object/metadata/ownerReferences", [notController])]]
        for extra in variants {
            var review = try Self.review(group: "apps", kind: "ReplicaSet", operation: "CREATE")
            review = try JSONPatch(extra).apply(to: review.rootNode)
            let decided = try Decided(review)
            #expect(decided.decision.patch.operations.contains { $0.path.description == "/spec/template/spec/volumes" })
            try decided.expectIdempotent()
        }
    }

    @Test("the pods of a controlled ReplicaSet are still projected at Pod CREATE")
    func podsOfControlledReplicaSet() throws {
        let decided = try Decided(AdmissionFixtures.review("pod-create-from-replicaset.mutating.v1.30.json"))
        #expect(decided.review.rootNode.at("/request/object/metadata/ownerReferences/0/controller")?.bool == true)
        #expect(!decided.decision.patch.isEmpty)
        try decided.expectIdempotent()
    }

    @Test("a Deployment or StatefulSet with a controlling owner (e.g. an operator) is still projected",
          arguments: [("apps", "Deployment"), ("apps", "StatefulSet")])
    func ownedWorkloads(_ group: String, _ kind: String) throws {
        let owner: JSON = ["apiVersion": "openunison.tremolo.io/v6", "kind": "OpenUnison", "name": "orchestra", "uid": "u", "controller": true]
        let decided = try Decided(Self.review(
            group: group, kind: kind, operation: "UPDATE", .add("/request/object/metadata/ownerReferences", [owner])))
        #expect(!decided.decision.patch.isEmpty)
    }

    @Test("the offline mutation (tokengate mutate / render) agrees: a controlled ReplicaSet is unchanged")
    func offline() throws {
        let object = try JSONDocument.parse(#"""
            {"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"payments-api-6d9f7c8b5","namespace":"payments",
             "labels":{"app.kubernetes.io/part-of":"openunison"},
             "ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"payments-api","uid":"u","controller":true}]},
             "spec":{"template":{"metadata":{"labels":{"app.kubernetes.io/part-of":"openunison"}},
             "spec":{"containers":[{"name":"api","image":"x"}]}}}}
            """#)
        let offline = OfflineMutation(handler: TokenGateAdmissionHandler(settings: AdmissionFixtures.settings), namespace: nil)
        let result = try offline.mutate(object, index: 1)
        #expect(result.decision.patch.isEmpty)
        #expect(result.result.rootNode.jsonText == object.rootNode.jsonText)
    }
}
