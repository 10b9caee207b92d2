// SPDX-License-Identifier: Apache-2.0
import Testing
import Yams
@testable import TokenGateWorkflow

/// Scalars are typed the way OpenUnison's reader (Jackson + SnakeYAML's YAML 1.1 rules) types them.
@Suite struct ScalarAndReaderTests {
    @Test(arguments: [
        ("yes", SpecValue.Kind.bool(true)), ("No", .bool(false)), ("ON", .bool(true)), ("off", .bool(false)),
        ("true", .bool(true)), ("y", .string("y")), ("~", .null), ("", .null), ("Null", .null),
        ("42", .int(42)), ("-7", .int(-7)), ("0x1F", .int(31)), ("010", .int(8)), ("0b101", .int(5)),
        ("1_000", .int(1000)), ("1:30", .int(90)), ("09", .float(9)), ("1.5", .float(1.5)), ("1e3", .float(1000)),
        (".5", .float(0.5)), ("-.inf", .float(-.infinity)), ("2024-01-02", .string("2024-01-02")),
        ("$groupname$", .string("$groupname$")), ("_", .string("_")), ("1.2.3", .string("1.2.3")),
        ("99999999999999999999", .float(1e20)),
    ])
    func plainScalar(text: String, kind: SpecValue.Kind) {
        #expect(YAMLScalarResolver.resolve(text, style: .plain, tag: nil) == kind)
    }

    @Test func quotedScalarsAreStringsAndTagsAreHonoured() {
        #expect(YAMLScalarResolver.resolve("true", style: .quoted, tag: nil) == .string("true"))
        #expect(YAMLScalarResolver.resolve("5", style: .plain, tag: "tag:yaml.org,2002:str") == .string("5"))
        #expect(YAMLScalarResolver.resolve("5", style: .quoted, tag: "tag:yaml.org,2002:int") == .int(5))
        #expect(YAMLScalarResolver.resolve("y", style: .plain, tag: "tag:yaml.org,2002:bool") == .bool(true))
        #expect(YAMLScalarResolver.resolve("12", style: .plain, tag: "!") == .int(12))
        #expect(YAMLScalarResolver.resolve("x", style: .plain, tag: "!custom") == .string("x"))
    }

    @Test func readerKeepsPositionsStylesAndBlockIndentation() {
        let text = "a: |\n    one\n    two\nb: 'q'\nc:\n  - x\n"
        let result = YAMLReader(aliasRule: .resolve, limits: .default).read(Array(text.utf8))
        let root = try? #require(result.documents.first?.root)
        let a = root?["a"]
        #expect(a?.kind == .string("one\ntwo\n"))
        #expect(a?.origin.style == .literal)
        #expect(a?.origin.position == SourcePosition(line: 1, column: 4))
        #expect(a?.origin.blockIndent == 4)
        #expect(root?["b"]?.origin.style == .singleQuoted)
        #expect(root?["c"]?.items?.first?.origin.position == SourcePosition(line: 6, column: 5))
        #expect(root?.entries?.map(\.keyPosition) == [
            SourcePosition(line: 1, column: 1), SourcePosition(line: 4, column: 1), SourcePosition(line: 5, column: 1),
        ])
    }

    @Test func aliasesResolveForTheAPIServerReading() {
        let text = "base: &b {x: 1}\ncopy: *b\n"
        let result = YAMLReader(aliasRule: .resolve, limits: .default).read(Array(text.utf8))
        #expect(result.documents.first?.root["copy"]?["x"]?.kind == .int(1))
        #expect(result.documents.first?.root["copy"]?.origin.aliasOf == "b")
        let undefined = YAMLReader(aliasRule: .resolve, limits: .default).read(Array("a: *nope\n".utf8))
        #expect(undefined.problems.map(\.message) == ["the alias *nope has no anchor &nope before it"])
    }

    @Test func fieldPathsPrintLikeKubectl() {
        #expect(FieldPath("spec.tasks[2].onSuccess[0].approvers[1].scope").description
            == "spec.tasks[2].onSuccess[0].approvers[1].scope")
        #expect(FieldPath.tasks.appending(0).appending("a b").description == "spec.tasks[0][\"a b\"]")
    }

    @Test func suggestions() {
        #expect(Suggestions.closest(to: "groups", in: TaskCatalog.approverScopes) == "group")
        #expect(Suggestions.closest(to: "uidAttr", in: ["target", "uidAttribute"]) == "uidAttribute")
        #expect(Suggestions.closest(to: "zzzzzz", in: TaskCatalog.names) == nil)
    }

    /// The entry point for a document composed with Yams (aliases already resolved by Yams).
    @Test func yamsDocumentEntryPoint() throws {
        let text = workflowManifest(tasks: "- taskType: provision\n  target: ad\n  sync: \"no\"")
        let node = try #require(try Yams.compose(yaml: text))
        let result = WorkflowValidator().validate(document: node, source: text)
        #expect(result.errors.map(\.path) == ["spec.tasks[0].sync"])
        #expect(result.errors.first?.filePosition == SourcePosition(line: 11, column: 13))
        #expect(result.errors.first?.tasksPosition == SourcePosition(line: 3, column: 9))
    }
}

@Suite struct KindTests {
    @Test func onlyOpenUnisonWorkflowsAndTargetsAreOurs() {
        #expect(WorkflowValidator.Kind(apiVersion: "openunison.tremolo.io/v1", kind: "Workflow") == .workflow)
        #expect(WorkflowValidator.Kind(apiVersion: "openunison.tremolo.io/v2", kind: "Workflow") == .workflow)
        #expect(WorkflowValidator.Kind(apiVersion: "openunison.tremolo.io/v1", kind: "Target") == .target)
        #expect(WorkflowValidator.Kind(apiVersion: "openunison.tremolo.io/v2", kind: "Target") == nil)
        #expect(WorkflowValidator.Kind(apiVersion: "v1", kind: "ConfigMap") == nil)
        #expect(WorkflowValidator.Kind(apiVersion: "example.com/v1", kind: "Workflow") == nil)
        let report = WorkflowValidator().validate(.target, spec: .map([:]), apiVersion: "openunison.tremolo.io/v1")
        #expect(report.isAllowed)
    }
}
