// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateWorkflow

/// Tabs, anchors and aliases, bad bytes, huge and hostile inputs: clear errors, bounded work,
/// never a crash.
@Suite struct YAMLHazardTests {
    @Test func tabIndentationGetsAHint() {
        #expect(lines("- taskType: callWorkflow\n\tname: x") == [
            "error: spec.tasks (line 2, column 1 of spec.tasks): found a tab character that violates indentation "
                + "(while scanning a plain scalar at line 1, column 13) (hint: YAML indentation must be spaces; replace "
                + "the tab with spaces)"
        ])
    }

    @Test func tabsInsideLinesAreFine() {
        let result = report("- taskType: callWorkflow\n  name:\tx\ty\n  # a\tcomment")
        #expect(result.diagnostics.isEmpty, "\(lines(result))")
    }

    /// OpenUnison's reader (Jackson YAMLFactory) ignores anchors and reads an alias as the anchor's
    /// name, so aliases never expand and an alias in a string field is only a warning.
    @Test func anchorsAreIgnoredAndAliasesAreReadAsTheirName() {
        let tasks = """
            - taskType: callWorkflow
              name: &wf first
            - taskType: callWorkflow
              name: *wf
            - &task
              taskType: delete
              target: ad
            - *task
            """
        #expect(lines(tasks) == [
            "warning: spec.tasks[1].name (line 4, column 9 of spec.tasks): OpenUnison reads the alias *wf as the plain "
                + "string \"wf\", not as the anchored value (hint: OpenUnison's YAML reader (Jackson) does not resolve "
                + "aliases; write the value out)",
            "error: spec.tasks[3] (line 8, column 3 of spec.tasks): each task must be a map with a taskType, found the "
                + "string \"task\" (written as the alias *task) (hint: OpenUnison's loader fails on this "
                + "(ClassCastException) and the workflow never loads)",
        ])
    }

    /// A "billion laughs" document costs nothing here: aliases are strings in OpenUnison's reading.
    @Test func billionLaughsInTheTasksDoesNotExpand() {
        var tasks = "- taskType: customTask\n  className: x\n  params:\n    l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ")
            tasks += "    l\(level): &l\(level) [\(refs)]\n"
        }
        let result = report(tasks)
        #expect(result.isAllowed)
        #expect(result.warnings.count == 90)
        #expect(result.warnings.allSatisfy { $0.code == .alias })
    }

    /// A flood of problems is stored up to a cap; one summary line stands for the rest and keeps
    /// the verdict.
    @Test func floodOfProblemsIsCappedWithoutChangingTheVerdict() {
        let aliases = Array(repeating: "*a", count: 3000).joined(separator: ", ")
        let warningsOnly = report("- taskType: customTask\n  className: c\n  params:\n    p: [\(aliases)]\n")
        #expect(warningsOnly.diagnostics.count == Findings.maxStored + 1)
        #expect(warningsOnly.isAllowed)
        #expect(warningsOnly.diagnostics.last?.summary == "spec: 2000 more problems are not listed (0 errors, 2000 "
            + "warnings) (hint: fix the ones above first)")
        let errorAtTheEnd = report("- taskType: customTask\n  className: c\n  params:\n    p: [\(aliases)]\n- 7\n")
        #expect(!errorAtTheEnd.isAllowed)
        #expect(errorAtTheEnd.diagnostics.last?.severity == .error)
        #expect(errorAtTheEnd.diagnostics.last?.code == .truncated)
    }

    /// The API server does expand aliases, so lint reads the outer document that way, with a budget.
    @Test func billionLaughsInTheManifestHitsTheNodeBudget() {
        var text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n"
        for level in 1...9 {
            text += "  l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let result = ManifestLinter().lint(text: text)
        #expect(lintLines(result) == [
            "11:12 error : the YAML holds more than 200000 values (counting every alias expansion)"
        ])
        #expect(result.diagnostics.first?.code == .tooManyNodes)
    }

    /// Complex keys are refused without hashing them: a document that took Yams' composer 26 s
    /// (nested keys each holding a long list) is a quick error here.
    @Test func nestedComplexKeysAreRefusedCheaply() {
        var tasks = ""
        for level in 0..<60 { tasks += String(repeating: " ", count: level) + "? \n" }
        tasks += String(repeating: " ", count: 60) + "[" + Array(repeating: "a", count: 20_000).joined(separator: ",") + "]\n"
        let result = report(tasks)
        #expect(!result.isAllowed)
        #expect(result.errors.contains { $0.code == .complexKey || $0.code == .tooDeep })
    }

    @Test func aListUsedAsAKeyIsAnError() {
        #expect(lines("- taskType: callWorkflow\n  name: x\n  [a, b]: c") == [
            "error: spec.tasks[0] (line 3, column 3 of spec.tasks): a list is used as a map key; keys must be plain "
                + "strings (hint: OpenUnison's YAML reader (Jackson) and the API server only accept string keys)"
        ])
    }

    @Test func deepBlockNestingStopsAtOurLimit() {
        var tasks = ""
        for level in 0..<70 { tasks += String(repeating: " ", count: level * 2) + "- \n" }
        #expect(lines(tasks) == [
            "error: spec.tasks (line 65, column 129 of spec.tasks): the YAML nests more than 64 levels deep (hint: "
                + "flatten the structure; real workflows nest far less)"
        ])
    }

    @Test func deepFlowNestingStopsAtTheLimit() {
        let tasks = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        let result = report(tasks)
        #expect(lines(result) == [
            // libyaml scans a line ahead and trips its own limit on the first "[".
            "error: spec.tasks (line 1, column 1 of spec.tasks): the YAML nests more than 64 levels deep (hint: "
                + "flatten the structure; real workflows nest far less)"
        ])
    }

    @Test func tasksLargerThanTheLimitAreRefusedBeforeParsing() {
        let task = "- taskType: callWorkflow\n  name: some-workflow-with-a-long-name\n"
        let tasks = String(repeating: task, count: 262_144 / task.utf8.count + 1)
        let result = report(tasks)
        #expect(lines(result) == [
            "error: spec.tasks: the task list is \(tasks.utf8.count) bytes; the limit is 262144 bytes (hint: split "
                + "the workflow into smaller ones joined with callWorkflow tasks)"
        ])
    }

    @Test func tasksJustUnderTheLimitAreReadInFull() {
        let task = "- taskType: callWorkflow\n  name: some-workflow-with-a-long-name\n"
        let count = 262_144 / task.utf8.count
        let result = report(String(repeating: task, count: count - 1) + "- taskType: callWorkflow\n  name: 5\n")
        #expect(result.errors.map(\.path) == ["spec.tasks[\(count - 1)].name"])
    }

    @Test func theLimitIsConfigurable() {
        let validator = WorkflowValidator(limits: ValidationLimits(maxTasksBytes: 10))
        let result = validator.validateWorkflow(tasks: "- taskType: delete\n  target: x")
        #expect(result.errors.map(\.code) == [.tooLarge])
    }

    @Test func controlCharactersAreRefusedWithTheirCode() {
        #expect(lines("- taskType: callWorkflow\n  name: a\u{1}b") == [
            "error: spec.tasks (line 2, column 10 of spec.tasks): control characters are not allowed (U+1) (hint: "
                + "remove the control character; YAML allows only printable characters, tab and line breaks)"
        ])
    }

    @Test func invalidUTF8BytesAreRefusedWithTheirPosition() {
        var bytes = Array("- taskType: callWorkflow\n  name: caf".utf8)
        bytes += [0xC3, 0x28]  // a lead byte followed by a non-continuation byte
        let result = YAMLReader(aliasRule: .readAsAnchorName, limits: .default).read(bytes)
        #expect(result.problems == [
            .init(code: .notUTF8, position: SourcePosition(line: 2, column: 12), message: "the text is not valid UTF-8 (byte 0xC3)",
                  hint: "save the file as UTF-8", isError: true)
        ])
    }

    @Test func unclosedQuoteGivesItsPosition() {
        let result = report("- taskType: callWorkflow\n  name: \"x\n- taskType: delete")
        #expect(result.errors.count == 1)
        #expect(result.errors.first?.code == .yamlSyntax)
        #expect(result.errors.first?.tasksPosition?.line == 3)
    }

    @Test func valueWithColonSpaceGetsAHint() {
        let result = report("- taskType: callWorkflow\n  name: a: b")
        #expect(result.errors.first?.hint == "a value that contains ': ' must be quoted, or the line is indented too far")
    }

    @Test func syntaxErrorInASecondDocumentIsOnlyAWarning() {
        let result = report("- taskType: delete\n  target: x\n---\n- a: [")
        #expect(result.isAllowed)
        #expect(result.warnings.map(\.code).contains(.yamlSyntax))
        #expect(result.warnings.first { $0.code == .yamlSyntax }?.message.hasSuffix(
            "(in a later YAML document, which OpenUnison ignores)") == true)
    }

    @Test func tasksThatAreNotAStringAreRejected() {
        let result = WorkflowValidator().validateWorkflow(
            spec: .map(["tasks": .list([.map(["taskType": .string("delete")])])]), apiVersion: "openunison.tremolo.io/v1")
        #expect(lines(result) == [
            "error: spec.tasks: expected a string holding the task list as YAML, found a list (hint: write \"tasks: |\" "
                + "and indent the task list under it)"
        ])
    }

    @Test func missingTasksIsAnError() {
        let result = WorkflowValidator().validateWorkflow(spec: .map(["label": .string("x")]), apiVersion: "openunison.tremolo.io/v2")
        #expect(result.errors.map(\.code) == [.missingTasks])
        #expect(result.errors.first?.message == "missing; a Workflow needs a task list")
    }
}
