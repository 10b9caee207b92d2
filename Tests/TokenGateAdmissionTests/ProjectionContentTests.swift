// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAdmission
import TokenGateJSON

@Suite("Projection: idempotent by content, reinvocation, existing mounts")
struct ProjectionContentTests {
    @Test("an equivalent projection under another volume name gets no patch")
    func equivalentUnderOtherName() throws {
        let first = try Decided(AdmissionFixtures.review("deployment-create.mutating.v1.30.json"))
        let patched = try first.patched()
        // Rename the volume and its mount, and drop the marker: still equivalent by content.
        let renamed = try JSONPatch([
            .replace("/spec/template/spec/volumes/0/name", "my-own-token"),
            .replace("/spec/template/spec/containers/0/volumeMounts/0/name", "my-own-token"),
            .remove(JSONPointer(tokens: ["metadata", "annotations", "tokengate.io/projected"])),
        ]).apply(to: patched.rootNode)
        let second = try first.rerun(with: renamed.rootNode)
        #expect(second.decision.isAllowed && second.decision.patch.isEmpty)
        #expect(second.decision.reason.contains("already projected (volume my-own-token)"))
    }

    @Test("a projection with a different audience or expiration is not equivalent")
    func differentContent() throws {
        let first = try Decided(AdmissionFixtures.review("deployment-create.mutating.v1.30.json"))
        let patched = try first.patched()
        let other = try JSONPatch([
            .replace("/spec/template/spec/volumes/0/name", "other"),
            .replace("/spec/template/spec/containers/0/volumeMounts/0/name", "other"),
            .replace("/spec/template/spec/volumes/0/projected/sources/0/serviceAccountToken/expirationSeconds", 7200),
        ]).apply(to: patched.rootNode)
        let second = try first.rerun(with: other.rootNode)
        // The container already mounts something else at the path: left alone, with a warning.
        #expect(second.decision.patch.isEmpty)
        #expect(second.decision.warnings.first?.contains("already mounts volume \"other\"") == true)
    }

    @Test("reinvocation after another webhook added a container mounts it there too, and only that")
    func reinvocation() throws {
        let first = try Decided(AdmissionFixtures.review("deployment-create.mutating.v1.30.json"))
        let patched = try first.patched()
        let withSidecar = try JSONPatch([
            .add("/spec/template/spec/containers/-", ["name": "injected-proxy", "image": "envoy"]),
            .add("/spec/template/spec/initContainers", [["name": "injected-init", "image": "busybox", "volumeMounts": []]]),
        ]).apply(to: patched.rootNode)
        let second = try first.rerun(with: withSidecar.rootNode)
        #expect(second.decision.patch.operations.map(\.path.description) == [
            "/spec/template/spec/initContainers/0/volumeMounts/-", "/spec/template/spec/containers/1/volumeMounts",
        ])
        let result = try second.expectIdempotent().rootNode
        #expect(result.at("/spec/template/spec/containers/1")?.mount()?["name"]?.string == "tokengate-token")
        #expect(result.at("/spec/template/spec/initContainers/0")?.mount()?["name"]?.string == "tokengate-token")
        #expect(result.at("/spec/template/spec/volumes")?.count == 1)
    }

    @Test("TokenGate's own volume with a stale projection is replaced in place, not duplicated")
    func staleOwnVolume() throws {
        let first = try Decided(AdmissionFixtures.review("deployment-create.mutating.v1.30.json"))
        let patched = try first.patched()
        let changed = try JSONPatch([
            .replace("/request/object", .node(patched.rootNode)),
            .replace("/request/operation", "UPDATE"),
            .add("/request/object/spec/template/metadata/annotations", ["tokengate.io/expiration-seconds": "7200"]),
        ]).apply(to: first.review.rootNode)
        let update = try Decided(changed)
        #expect(update.decision.patch.operations.map(\.path.description) == [
            "/spec/template/spec/volumes/0", "/metadata/annotations/tokengate.io~1projected",
        ])
        #expect(update.decision.warnings.first?.contains("replaced") == true)
        let result = try update.expectIdempotent().rootNode
        #expect(result.at("/spec/template/spec/volumes")?.count == 1)
        #expect(result.at("/spec/template/spec/volumes/0/projected/sources/0/serviceAccountToken/expirationSeconds")?.int == 7200)
        #expect(result.at("/metadata/annotations")?["tokengate.io/projected"]?.string == "https://kubernetes.default.svc;7200")
    }

    @Test("a pod whose containers all mount their own token at the path gets no patch, and warnings")
    func podAlreadyMountingToken() throws {
        let review = try AdmissionFixtures.review(
            "pod-create-from-replicaset.mutating.v1.30.json",
            .replace("/request/object/spec/volumes/0", ["name": "my-token", "secret": ["secretName": "legacy-token"]]),
            .replace("/request/object/spec/containers/0/volumeMounts/0/name", "my-token"))
        let decided = try Decided(review)
        #expect(decided.decision.isAllowed && decided.decision.patch.isEmpty)
        #expect(decided.decision.warnings == [
            "container \"api\" already mounts volume \"my-token\" at /var/run/secrets/kubernetes.io/serviceaccount; TokenGate left it as it is, without a projected token",
        ])
    }

    @Test("OpenUnison's own Deployment keeps ou-token and gains the token at the service-account path")
    func openUnisonDeployment() throws {
        let decided = try Decided(AdmissionFixtures.review("openunison-deployment-create.mutating.json"))
        // automount is already false: no operation for it.
        #expect(!decided.decision.patch.operations.contains { $0.path.description.hasSuffix("automountServiceAccountToken") })
        let result = try decided.expectIdempotent().rootNode
        let spec = try #require(result.at("/spec/template/spec"))
        #expect(spec["volumes"]?.names == ["secret-volume", "krb5-conf", "ou-token", "tokengate-token"])
        #expect(spec.at("/volumes/2")?.isEqual(to: decided.object.at("/spec/template/spec/volumes/2")!) == true)
        #expect(spec.at("/containers/0/volumeMounts")?.names == ["secret-volume", "ou-token", "tokengate-token"])
        #expect(spec.at("/containers/0")?.mount(at: "/var/run/secrets/tokens")?["name"]?.string == "ou-token")
        #expect(spec.at("/containers/1/volumeMounts")?.names == ["krb5-conf", "tokengate-token"])
        #expect(spec["serviceAccount"]?.string == "openunison-orchestra")
        #expect(result.at("/metadata/annotations")?["meta.helm.sh/release-name"]?.string == "orchestra")
    }

    @Test("init containers and native sidecars get the mount; overrides and skip-containers apply")
    func initContainersAndSidecar() throws {
        let decided = try Decided(AdmissionFixtures.review("deployment-init-sidecar-create.mutating.json"))
        #expect(decided.decision.warnings.isEmpty)
        let result = try decided.expectIdempotent().rootNode
        let spec = try #require(result.at("/spec/template/spec"))
        #expect(spec.at("/initContainers/0")?["volumeMounts"]?.names == ["tokengate-token"])
        #expect(spec.at("/initContainers/1")?["volumeMounts"]?.names == ["logs", "tokengate-token"])
        #expect(spec.at("/initContainers/1/restartPolicy")?.string == "Always")
        #expect(spec.at("/containers/0")?["volumeMounts"]?.names == ["logs", "tokengate-token"])
        #expect(spec.at("/containers/1/volumeMounts") == nil)
        #expect(spec.at("/volumes/1/projected/sources/0/serviceAccountToken")?.jsonText
            == #"{"audience":"https://kubernetes.default.svc.cluster.local","expirationSeconds":3600,"path":"token"}"#)
        #expect(result.at("/metadata/annotations")?["tokengate.io/projected"]?.string == "https://kubernetes.default.svc.cluster.local;3600")
    }

    @Test("skip-containers naming a missing container warns")
    func skipUnknownContainer() throws {
        let review = try AdmissionFixtures.review(
            "deployment-create.mutating.v1.30.json",
            .add("/request/object/spec/template/metadata/annotations", ["tokengate.io/skip-containers": "api, nope"]))
        let decided = try Decided(review)
        #expect(decided.decision.warnings.contains { $0.contains("\"nope\"") })
        // Every container skipped: automount off and the marker, but no volume nobody mounts.
        let result = try decided.expectIdempotent().rootNode
        #expect(result.at("/spec/template/spec/automountServiceAccountToken")?.bool == false)
        #expect(result.at("/spec/template/spec/volumes") == nil)
    }

    @Test("configurable mount path, token file name and volume name are used")
    func customNames() throws {
        var settings = AdmissionFixtures.settings
        settings.mountPath = "/var/run/secrets/tokens"
        settings.tokenFileName = "ou-token"
        settings.volumeName = "ou-projected"
        let decided = try Decided(AdmissionFixtures.review("deployment-create.mutating.v1.30.json"), settings: settings)
        let result = try decided.expectIdempotent().rootNode
        #expect(result.at("/spec/template/spec/volumes/0/name")?.string == "ou-projected")
        #expect(result.at("/spec/template/spec/volumes/0/projected/sources/0/serviceAccountToken/path")?.string == "ou-token")
        #expect(result.at("/spec/template/spec/containers/0")?.mount(at: "/var/run/secrets/tokens")?["name"]?.string == "ou-projected")
        // OpenUnison's own ou-token volume (audience api, 600 s) is equivalent for audience "api".
        settings.audience = "api"
        let openUnison = try Decided(AdmissionFixtures.review("openunison-deployment-create.mutating.json"), settings: settings)
        #expect(openUnison.decision.patch.operations.map(\.path.description) == [
            "/spec/template/spec/containers/1/volumeMounts/-", "/metadata/annotations/tokengate.io~1projected",
        ])
        let ouResult = try openUnison.expectIdempotent().rootNode
        #expect(ouResult.at("/spec/template/spec/containers/1")?.mount(at: "/var/run/secrets/tokens")?["name"]?.string == "ou-token")
    }
}
