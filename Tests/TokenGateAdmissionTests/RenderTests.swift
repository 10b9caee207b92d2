// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAdmission
import TokenGateJSON

/// `tokengate render`'s pure parts: one object rendered (projection + Workflow rules) and the KRM
/// ResourceList round trip. The CLI and kustomize's calling convention are tested end to end in
/// Tests/e2e/test_render.py.
@Suite("Render: objects and KRM ResourceLists")
struct RenderTests {
    static let render = OfflineRender(handler: TokenGateAdmissionHandler(settings: AdmissionFixtures.settings), namespace: nil)

    static let brokenWorkflow = #"""
        {"apiVersion":"openunison.tremolo.io/v1","kind":"Workflow",
         "metadata":{"name":"broken","namespace":"openunison",
                     "annotations":{"internal.config.kubernetes.io/path":"workflows/broken.yaml","config.kubernetes.io/index":"2"}},
         "spec":{"inList":false,"tasks":"- taskType: approval\n  approvers:\n  - scope: grop\n    constraint: admins\n"}}
        """#

    @Test("a Deployment is rendered to exactly the /mutate patch applied, and a second render changes nothing")
    func deployment() throws {
        let review = try AdmissionFixtures.review("deployment-create.mutating.v1.30.json")
        let object = JSON.node(try #require(review.rootNode.at("/request/object"))).document()
        let rendered = Self.render.render(object, index: 1)
        #expect(rendered.findings.isEmpty)
        let expected = try Decided(review).patched()
        #expect(rendered.object.rootNode.isEqual(to: expected.rootNode))
        let again = Self.render.render(rendered.object, index: 1)
        #expect(again.object.rootNode.isEqual(to: rendered.object.rootNode))
        #expect(again.findings.isEmpty)
    }

    @Test("a broken Workflow gives error findings with its reference, field path, tasks line and source file")
    func brokenWorkflow() throws {
        let rendered = Self.render.render(try JSONDocument.parse(Self.brokenWorkflow), index: 3)
        let scope = try #require(rendered.findings.first { $0.fieldPath == "spec.tasks[0].approvers[0].scope" })
        #expect(scope.severity == .error && scope.rule == .workflow && scope.code == "invalid-value")
        #expect(scope.message.contains("grop") && scope.message.contains("line 3"))
        #expect(scope.resource == RenderFinding.ResourceRef(
            apiVersion: "openunison.tremolo.io/v1", kind: "Workflow", name: "broken", namespace: "openunison"))
        #expect(scope.filePath == "workflows/broken.yaml" && scope.fileIndex == 2)
        #expect(rendered.findings.allSatisfy { $0.severity == .error })
        #expect(scope.line.hasPrefix("error: Workflow openunison/broken: (workflows/broken.yaml) spec.tasks[0].approvers[0].scope: "))
        // Workflows are never mutated.
        #expect(rendered.object.rootNode.jsonText == (try JSONDocument.parse(Self.brokenWorkflow)).rootNode.jsonText)
    }

    @Test("a denied object stays as it was and gives one projection error")
    func denied() throws {
        let review = try AdmissionFixtures.review("statefulset-update-bad-expiration.v1beta1.json")
        let object = JSON.node(try #require(review.rootNode.at("/request/object"))).document()
        let rendered = Self.render.render(object, index: 1)
        #expect(rendered.object.rootNode.isEqual(to: object.rootNode))
        let finding = try #require(rendered.findings.first)
        #expect(rendered.findings.count == 1 && finding.severity == .error && finding.code == "denied")
        #expect(finding.message.contains("tokengate.io/expiration-seconds"))
    }

    @Test("KRM results: kyaml's Result shape, with TokenGate's tags")
    func krmResult() {
        let finding = RenderFinding(
            severity: .warning, rule: .projection, message: "m",
            resource: .init(apiVersion: "apps/v1", kind: "Deployment", name: "d", namespace: nil),
            fieldPath: "spec.template", filePath: "a.yaml", fileIndex: 0, code: "projection-warning")
        #expect(finding.krmResult.jsonText == #"{"message":"m","severity":"warning","resourceRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"d"},"field":{"path":"spec.template"},"file":{"path":"a.yaml","index":0},"tags":{"tokengate.io/rule":"projection","tokengate.io/code":"projection-warning"}}"#)
    }

    @Test("a ResourceList keeps its members and other functions' results, and replaces TokenGate's own")
    func resourceList() throws {
        let input = try JSONDocument.parse(#"""
            {"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList","items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}],
             "functionConfig":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"f"},"data":{"config.yaml":"enable_tokenrequest: true\n"}},
             "results":[{"message":"other","severity":"info"},{"message":"old","severity":"error","tags":{"tokengate.io/rule":"workflow"}}]}
            """#)
        #expect(KRMResourceList.isResourceList(input.rootNode))
        let list = try KRMResourceList(input)
        #expect(list.configText == "enable_tokenrequest: true\n")
        #expect(list.items.count == 1 && KRMResourceList.isObject(list.items[0]))
        let finding = RenderFinding(severity: .error, rule: .workflow, message: "new", resource: nil)
        let output = list.output(items: list.items.map { .node($0) }, findings: [finding]).document().rootNode
        #expect(output.keys == ["apiVersion", "kind", "items", "functionConfig", "results"])
        #expect(output["results"]?.elements.compactMap { $0["message"]?.string } == ["other", "new"])
        // The output rendered again (same findings) is identical.
        let again = try KRMResourceList(JSON.node(output).document())
        #expect(again.output(items: again.items.map { .node($0) }, findings: [finding]).document().rootNode.isEqual(to: output))
    }

    @Test("not a ResourceList, or a malformed one, is refused with the reason")
    func notResourceList() throws {
        let plain = try JSONDocument.parse(#"{"apiVersion":"v1","kind":"List","items":[]}"#)
        #expect(!KRMResourceList.isResourceList(plain.rootNode))
        #expect(throws: ManifestError.self) { try KRMResourceList(plain) }
        let badItems = try JSONDocument.parse(#"{"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList","items":{}}"#)
        let error = #expect(throws: ManifestError.self) { try KRMResourceList(badItems) }
        #expect(error?.message.contains("items must be a list") == true)
    }
}
