// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAdmission
import TokenGateJSON

/// Objects whose metadata or pod spec is not shaped as Kubernetes sends it get no patch: the
/// patch would replace a map or list TokenGate does not own, or not apply. Found by the
/// `admission` fuzz target's invariants; the inputs are under Tests/Fuzz/Crashes/admission.
@Suite("Projection: objects no API server would send are left unchanged")
struct ObjectShapeTests {
    static let pod = "pod-kube-api-access-create.mutating.json"
    static let deployment = "deployment-create.mutating.v1.30.json"

    @Test("a malformed shape gets no patch and says why", arguments: [
        (pod, JSONPatch.Operation.replace("/request/object/spec/containers/0/volumeMounts", ["name": "x"]), "volumeMounts is a map"),
        (pod, .replace("/request/object/spec/volumes", ["v": 1]), "spec.volumes is a map"),
        (pod, .add("/request/object/spec/containers/-", "sidecar"), "spec.containers[2] is a string"),
        (pod, .replace("/request/object/metadata/annotations", ["x"]), "metadata.annotations is a list"),
        (deployment, .replace("/request/object/metadata", [1]), "metadata is a list"),
        (deployment, .add("/request/object/spec/template/spec/initContainers", ["a": 1]), "spec.initContainers is a map"),
    ])
    func leftUnchanged(fixture: String, change: JSONPatch.Operation, problem: String) throws {
        let decided = try Decided(AdmissionFixtures.review(fixture, change))
        #expect(decided.decision.isAllowed)
        #expect(decided.decision.patch.isEmpty)
        #expect(decided.decision.reason.contains(problem), "\(decided.decision.reason)")
        #expect(decided.decision.warnings.count == 1)
    }

    @Test("null where a list or map goes is still patched (the API server omits empty fields)")
    func nullIsFine() throws {
        let decided = try Decided(AdmissionFixtures.review(Self.deployment, .add("/request/object/spec/template/spec/volumes", nil)))
        #expect(!decided.decision.patch.isEmpty)
        try decided.expectIdempotent()
    }
}
