// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateWorkflow

/// `tokengate lint`'s core: documents, kinds, and positions in the file, including inside the
/// `spec.tasks` string.
@Suite struct ManifestLinterTests {
    @Test func problemInsideALiteralBlockPointsAtTheFileLine() {
        let text = workflowManifest(tasks: "- taskType: provision\n  target: ad\n  sync: \"yes\"")
        // tasks: | is line 8; its content starts on line 9 at column 5.
        let result = ManifestLinter().lint(text: text)
        #expect(lintLines(result) == [
            "11:13 error spec.tasks[0].sync: expected a boolean, found the string \"yes\""
        ])
        #expect(result.diagnostics.first?.tasksPosition == SourcePosition(line: 3, column: 9))
        #expect(result.diagnostics.first?.object == "Workflow openunison/wf")
    }

    /// The chart's style: `tasks: |-` with the list indented far to the right.
    @Test func deeplyIndentedStripBlockMapsColumns() {
        let text = """
            apiVersion: openunison.tremolo.io/v2
            kind: Workflow
            metadata:
              name: wf
            spec:
              tasks: |-
                       - taskType: callWorkflow
                         name: 42
            """
        #expect(lintLines(ManifestLinter().lint(text: text)) == [
            "8:20 error spec.tasks[0].name: expected a string, found the number 42"
        ])
    }

    @Test func explicitIndentationIndicatorIsHonoured() {
        let text = """
            apiVersion: openunison.tremolo.io/v1
            kind: Workflow
            metadata:
              name: wf
            spec:
              tasks: |4

                  - taskType: callWorkflow
                    name: [x]
            """
        // Content indentation is 2 (spec's) + 4; line 1 of the string is the blank line 7.
        #expect(lintLines(ManifestLinter().lint(text: text)) == [
            "9:15 error spec.tasks[0].name: expected a string, found a list"
        ])
    }

    @Test func oneLineQuotedTasksMapColumns() {
        let text = """
            apiVersion: openunison.tremolo.io/v1
            kind: Workflow
            metadata:
              name: wf
            spec:
              tasks: "[{taskType: delete, target: 7}]"
            """
        #expect(lintLines(ManifestLinter().lint(text: text)) == [
            "6:39 error spec.tasks[0].target: expected a string, found the number 7"
        ])
    }

    @Test func everyDocumentAndListItemIsChecked() {
        let text = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: unrelated
            ---
            apiVersion: openunison.tremolo.io/v2
            kind: Workflow
            metadata:
              name: first
            spec:
              tasks: |
                - taskType: delete
            ---
            apiVersion: v1
            kind: List
            items:
            - apiVersion: openunison.tremolo.io/v1
              kind: Target
              metadata:
                name: remote
              spec:
                params:
                - name: tokenType
                  value: token
            - apiVersion: openunison.tremolo.io/v3
              kind: Workflow
              metadata:
                name: future
            """
        let result = ManifestLinter().lint(text: text)
        #expect(result.checked == ["Workflow first", "Target remote", "Workflow future"])
        #expect(result.skipped == 1)
        #expect(lintLines(result) == [
            "12:7 error spec.tasks[0].target: a delete task needs target (a string)",
            "24:14 error spec.params[0].value: \"token\" is not a tokenType; allowed (any case): legacy, tokenapi, "
                + "static, certificate, oidc and none",
            "25:15 error apiVersion: the Workflow CRD serves openunison.tremolo.io/v1 and openunison.tremolo.io/v2, "
                + "not openunison.tremolo.io/v3",
        ])
    }

    @Test func specFieldsFollowTheCRD() {
        let text = """
            apiVersion: openunison.tremolo.io/v1
            kind: Workflow
            metadata:
              name: wf
            spec:
              inList: "true"
              orgId: 1234
              task: |
                - taskType: delete
                  target: ad
              dynamicConfiguration:
                dynamic: true
                filterAnnotations: []
            """
        #expect(lintLines(ManifestLinter().lint(text: text)) == [
            "6:3 error spec.tasks: missing; a Workflow needs a task list",
            "6:11 error spec.inList: expected a boolean, found the string \"true\"",
            "7:10 error spec.orgId: expected a string, found the number 1234",
            "8:3 warning spec.task: \"task\" is not a Workflow field, so the API server silently drops it; fields: "
                + "label, description, inList, orgId, dynamicConfiguration and tasks",
            "12:5 error spec.dynamicConfiguration.params: dynamicConfiguration needs params (a list; [] is fine)",
            "13:5 warning spec.dynamicConfiguration.filterAnnotations: filterAnnotations exists only in "
                + "openunison.tremolo.io/v2, so the API server drops it from a v1 object",
        ])
    }

    @Test func duplicateKeysInTheManifestAreWarnings() {
        let text = "apiVersion: openunison.tremolo.io/v1\nkind: Target\nmetadata:\n  name: t\nspec:\n  className: a\n  className: b\n"
        #expect(lintLines(ManifestLinter().lint(text: text)) == [
            "7:3 warning spec.className: the key \"className\" appears twice in this map (first at line 6); OpenUnison "
                + "and the API server keep only the last value"
        ])
    }

    @Test func invalidUTF8FileIsRefusedWithItsPosition() {
        var bytes = Array("apiVersion: v1\nkind: ConfigMap\ndata:\n  a: \"".utf8)
        bytes += [0xFF, 0x22, 0x0A]
        #expect(lintLines(ManifestLinter().lint(bytes)) == ["4:7 error : the file is not valid UTF-8 (byte 0xFF)"])
    }

    @Test func byteOrderMarkIsAccepted() {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(workflowManifest(tasks: "- taskType: delete\n  target: x").utf8)
        #expect(ManifestLinter().lint(bytes).diagnostics.isEmpty)
    }

    @Test func syntaxErrorInTheFileHasItsPosition() {
        let result = ManifestLinter().lint(text: "apiVersion: v1\nkind: [\n")
        #expect(result.errorCount == 1)
        #expect(result.diagnostics.first?.filePosition?.line == 3)
    }

    @Test func emptyFileHasNothingToSay() {
        let result = ManifestLinter().lint(text: "")
        #expect(result.diagnostics.isEmpty && result.checked.isEmpty && result.skipped == 0)
    }
}
