// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAdmission
import TokenGateJSON

@Suite("Projection: which kinds and operations are mutated")
struct ProjectionKindsTests {
    static let mountPath = ProjectionSettings.serviceAccountMountPath

    @Test("Deployment CREATE gets automount off, the projected volume, a read-only mount and the marker")
    func deployment() throws {
        let decided = try Decided(AdmissionFixtures.review("deployment-create.mutating.v1.30.json"))
        #expect(decided.decision.isAllowed)
        let result = try decided.expectIdempotent().rootNode
        let spec = try #require(result.at("/spec/template/spec"))
        #expect(spec["automountServiceAccountToken"]?.bool == false)
        #expect(spec["volumes"]?.names == ["tokengate-token"])
        let sources = try #require(spec.at("/volumes/0/projected/sources"))
        #expect(sources.count == 3)
        #expect(sources.at("/0/serviceAccountToken")?.jsonText == #"{"audience":"https://kubernetes.default.svc","expirationSeconds":600,"path":"token"}"#)
        #expect(sources.at("/1/configMap")?.jsonText == #"{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}"#)
        #expect(sources.at("/2/downwardAPI/items/0/fieldRef/fieldPath")?.string == "metadata.namespace")
        #expect(sources.at("/2/downwardAPI/items/0/path")?.string == "namespace")
        let mount = try #require(spec.at("/containers/0")?.mount())
        #expect(mount["name"]?.string == "tokengate-token" && mount["readOnly"]?.bool == true)
        #expect(result.at("/metadata/annotations")?["tokengate.io/projected"]?.string == "https://kubernetes.default.svc;600")
        // Fields TokenGate does not own survive: the other annotation, ports, strategy.
        #expect(result.at("/metadata/annotations")?["kubectl.kubernetes.io/last-applied-configuration"] != nil)
        #expect(result.at("/spec/template/spec/containers/0/ports/0/containerPort")?.int == 8080)
        #expect(result.at("/spec/strategy/rollingUpdate/maxSurge")?.string == "25%")
        // The annotation was added as one key, not by replacing the map.
        let paths = decided.decision.patch.operations.map(\.path.description)
        #expect(paths.contains("/metadata/annotations/tokengate.io~1projected"))
        #expect(!paths.contains("/metadata/annotations"))
        // Audit annotation and record.
        #expect(decided.decision.auditAnnotations.first?.key == "projection")
        #expect(decided.decision.auditAnnotations.first?.value.contains("Deployment payments/payments-api") == true)
        #expect(decided.decision.recordDecision == .patched)
    }

    @Test("every pod-template workload kind is patched at /spec/template", arguments: [
        ("apps", "StatefulSet"), ("apps", "DaemonSet"), ("apps", "ReplicaSet"), ("batch", "Job"), ("apps", "Deployment"),
    ])
    func workloadKinds(_ group: String, _ kind: String) throws {
        let review = try AdmissionFixtures.review(
            "deployment-create.mutating.v1.30.json", .replace("/request/kind/group", .string(group)),
            .replace("/request/kind/kind", .string(kind)))
        let decided = try Decided(review)
        #expect(decided.decision.patch.operations.contains { $0.path.description == "/spec/template/spec/volumes" })
        try decided.expectIdempotent()
    }

    @Test("workloads are mutated on UPDATE too")
    func workloadUpdate() throws {
        let review = try AdmissionFixtures.review("deployment-create.mutating.v1.30.json", .replace("/request/operation", "UPDATE"))
        #expect(try Decided(review).decision.patch.isEmpty == false)
    }

    @Test("CronJob is patched at spec.jobTemplate.spec.template")
    func cronJob() throws {
        let decided = try Decided(AdmissionFixtures.review("cronjob-create.mutating.json"))
        let result = try decided.expectIdempotent().rootNode
        let spec = try #require(result.at("/spec/jobTemplate/spec/template/spec"))
        #expect(spec["automountServiceAccountToken"]?.bool == false)
        #expect(spec["volumes"]?.names == ["tokengate-token"])
        #expect(spec.at("/containers/0")?.mount()?["name"]?.string == "tokengate-token")
        #expect(result.at("/metadata/annotations")?["tokengate.io/projected"]?.string == "https://kubernetes.default.svc;600")
        #expect(result.at("/spec/template") == nil)
    }

    @Test("Pods: only CREATE; UPDATE, DELETE, CONNECT and subresources are allowed unchanged", arguments: ["UPDATE", "DELETE", "CONNECT"])
    func podOperations(_ operation: String) throws {
        let review = try AdmissionFixtures.review(
            "pod-create-from-replicaset.mutating.v1.30.json", .replace("/request/operation", .string(operation)))
        let decided = try Decided(review)
        #expect(decided.decision.isAllowed && decided.decision.patch.isEmpty)
        #expect(decided.decision.reason.contains("never mutated"))
    }

    @Test("subresources and DELETE of workloads are never mutated")
    func subresourcesAndDelete() throws {
        let status = try Decided(AdmissionFixtures.review(
            "deployment-create.mutating.v1.30.json", .add("/request/subResource", "scale"), .replace("/request/operation", "UPDATE")))
        #expect(status.decision.patch.isEmpty && status.decision.reason.contains("subresource scale"))
        let delete = try Decided(AdmissionFixtures.review(
            "deployment-create.mutating.v1.30.json", .replace("/request/operation", "DELETE"), .replace("/request/object", nil)))
        #expect(delete.decision.patch.isEmpty && delete.decision.isAllowed)
    }

    @Test("other kinds are allowed unchanged", arguments: [("", "ConfigMap"), ("", "Secret"), ("apps", "ControllerRevision"), ("openunison.tremolo.io", "Workflow")])
    func otherKinds(_ group: String, _ kind: String) throws {
        let review = try AdmissionFixtures.review(
            "deployment-create.mutating.v1.30.json", .replace("/request/kind/group", .string(group)),
            .replace("/request/kind/kind", .string(kind)))
        let decided = try Decided(review)
        #expect(decided.decision.patch.isEmpty && decided.decision.isAllowed)
    }

    @Test("a Pod as the API server sends it loses kube-api-access-* and gets the projection everywhere it can")
    func podWithDefaultToken() throws {
        let decided = try Decided(AdmissionFixtures.review("pod-kube-api-access-create.mutating.json"))
        let result = try decided.expectIdempotent().rootNode
        let spec = try #require(result["spec"])
        #expect(spec["automountServiceAccountToken"]?.bool == false)
        #expect(spec["volumes"]?.names == ["secret-volume", "vault-token", "cache", "tokengate-token"])
        let all = (spec["initContainers"]?.elements ?? []) + (spec["containers"]?.elements ?? [])
        for container in all {
            #expect(!(container["volumeMounts"]?.names ?? []).contains { $0.hasPrefix("kube-api-access-") })
        }
        #expect(spec.at("/initContainers/0")?["volumeMounts"]?.names == ["cache", "tokengate-token"])
        #expect(spec.at("/containers/0")?["volumeMounts"]?.names == ["secret-volume", "tokengate-token"])
        #expect(spec.at("/containers/1")?["volumeMounts"]?.names == ["cache", "tokengate-token"])
        // The native sidecar mounting its own token at the path is left alone, with a warning.
        #expect(spec.at("/initContainers/1")?.mount()?["name"]?.string == "vault-token")
        #expect(decided.decision.warnings.contains { $0.contains("vault-agent") && $0.contains("vault-token") })
        // Fields TokenGate does not know survive.
        #expect(spec["someFutureField"]?.jsonText == #"{"keep":["me",1]}"#)
        #expect(spec["tolerations"]?.count == 1)
        #expect(result.at("/metadata/annotations")?["tremolo.io/update"]?.string == "2024-05-14T09:21:07Z")
        #expect(decided.decision.auditAnnotations.first?.value.contains("removed=kube-api-access-x7k2p") == true)
    }

    @Test("the shared Pod fixture: the single kube-api-access volume is replaced by the projection")
    func sharedPod() throws {
        let decided = try Decided(AdmissionFixtures.review("pod-create-from-replicaset.mutating.v1.30.json"))
        let result = try decided.expectIdempotent().rootNode
        #expect(result.at("/spec/volumes")?.names == ["tokengate-token"])
        #expect(result.at("/spec/containers/0/volumeMounts")?.names == ["tokengate-token"])
        // No annotations before: the map is created whole.
        #expect(decided.decision.patch.operations.contains { $0.path.description == "/metadata/annotations" })
        #expect(result.at("/metadata/annotations")?.count == 1)
    }

    @Test("ServiceAccounts get automount off and the marker")
    func serviceAccount() throws {
        let decided = try Decided(AdmissionFixtures.review("serviceaccount-openunison-create.mutating.json"))
        let result = try decided.expectIdempotent().rootNode
        #expect(result["automountServiceAccountToken"]?.bool == false)
        #expect(result.at("/metadata/annotations")?["tokengate.io/projected"]?.string == "https://kubernetes.default.svc;600")
        #expect(result.at("/metadata/labels")?.count == 4)
    }

    @Test("a ServiceAccount with automount already off only gets the marker, once")
    func serviceAccountAlreadyOff() throws {
        let decided = try Decided(AdmissionFixtures.review("serviceaccount-create.mutating.v1.30.json"))
        #expect(decided.decision.patch.operations.map(\.path.description) == ["/metadata/annotations/tokengate.io~1projected"])
        let result = try decided.expectIdempotent().rootNode
        #expect(result.at("/metadata/annotations")?["broker.example.com/audiences"]?.string == "vault,sts.amazonaws.com")
    }

    @Test("dry-run requests get exactly the same answer")
    func dryRun() throws {
        let normal = try Decided(AdmissionFixtures.review("pod-kube-api-access-create.mutating.json"))
        let dry = try Decided(AdmissionFixtures.review("pod-kube-api-access-create.mutating.json", .replace("/request/dryRun", true)))
        #expect(dry.decision.patch.serialized() == normal.decision.patch.serialized())
        #expect(dry.decision.warnings == normal.decision.warnings)
    }

    @Test("enable_tokenrequest false: everything allowed unchanged, even invalid overrides")
    func disabled() throws {
        var settings = AdmissionFixtures.settings
        settings.enabled = false
        for name in ["deployment-create.mutating.v1.30.json", "pod-kube-api-access-create.mutating.json",
                     "serviceaccount-openunison-create.mutating.json", "statefulset-update-bad-expiration.v1beta1.json"] {
            let decided = try Decided(AdmissionFixtures.review(name), settings: settings)
            #expect(decided.decision.isAllowed && decided.decision.patch.isEmpty && decided.decision.warnings.isEmpty, "\(name)")
        }
    }
}
