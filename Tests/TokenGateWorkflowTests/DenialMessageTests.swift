// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateWorkflow

/// The text kubectl shows after "admission webhook … denied the request:".
@Suite struct DenialMessageTests {
    @Test func denialListsEveryErrorOnItsOwnLine() {
        let result = report("""
            - taskType: approval
              emailTemplate: e
              mailAttr: mail
              failureEmailSubject: s
              failureEmailMsg: m
              label: l
              approvers:
              - scope: groups
                constraint: cn=admins
            - taskType: provision
              target: ad
              sync: "true"
              attributes: [a]
              extra: x
            """)
        let message = DenialMessage.message(kind: "Workflow", namespace: "openunison", name: "wf", report: result)
        #expect(message == """
            Workflow openunison/wf would not load in OpenUnison (3 errors):
            - spec.tasks[0].approvers[0].scope (line 8, column 12 of spec.tasks): "groups" is not allowed for scope; allowed: filter, group, dn, dynamicGroup and custom (hint: did you mean "group"?)
            - spec.tasks[1].sync (line 12, column 9 of spec.tasks): expected a boolean, found the string "true" (hint: write true without quotes)
            - spec.tasks[1].extra (line 14, column 3 of spec.tasks): "extra" is not a field of a provision task; allowed: taskType, target, sync, setPassword, onlyPassedInAttributes and attributes
            """)
        #expect(DenialMessage.statusCode == 422)
        #expect(DenialMessage.reason == "Invalid")
    }

    @Test func longListsAreCut() {
        let tasks = (0..<30).map { "- taskType: delete\n  target: \($0)" }.joined(separator: "\n")
        let message = DenialMessage.message(kind: "Workflow", namespace: nil, name: "many", report: report(tasks))
        let lines = message.split(separator: "\n")
        #expect(lines.first == "Workflow many would not load in OpenUnison (30 errors):")
        #expect(lines.count == 22)
        #expect(lines.last == "- … and 10 more; run `tokengate lint` on the file to see them all")
    }

    @Test func warningsAreOneLineEach() {
        let result = report("- taskType: callWorkflow\n  name: yes\n- taskType: delete\n  target: on")
        #expect(result.isAllowed)
        #expect(DenialMessage.warnings(result) == [
            "spec.tasks[0].name (line 2, column 9 of spec.tasks): yes is a YAML boolean, so OpenUnison stores the "
                + "string \"true\" (hint: write \"yes\" in quotes if you meant the word)",
            "spec.tasks[1].target (line 4, column 11 of spec.tasks): on is a YAML boolean, so OpenUnison stores the "
                + "string \"true\" (hint: write \"on\" in quotes if you meant the word)",
        ])
    }

    @Test func longWarningsAndManyWarningsAreCut() {
        let long = Diagnostic(severity: .warning, code: .ignored, path: "spec.x", message: String(repeating: "x", count: 400))
        let warnings = DenialMessage.warnings(ValidationReport(diagnostics: Array(repeating: long, count: 25)))
        #expect(warnings.count == 21)
        #expect(warnings[0].count == DenialMessage.maxWarningLength)
        #expect(warnings[0].hasPrefix("spec.x: xxx") && warnings[0].hasSuffix("x…"))
        #expect(warnings[20] == "… and 5 more warnings; run `tokengate lint` to see them all")
    }

    @Test func targetDenialSaysItWouldNotWork() {
        let result = WorkflowValidator().validateTarget(spec: .map([
            "params": .list([.map(["name": .string("tokenType"), "value": .string("token")])])
        ]))
        #expect(DenialMessage.message(kind: "Target", namespace: "openunison", name: "k8s-remote", report: result)
            .hasPrefix("Target openunison/k8s-remote would not work in OpenUnison (1 error):\n- spec.params[0].value: "))
    }
}
