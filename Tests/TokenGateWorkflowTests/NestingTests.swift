// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateWorkflow

/// onSuccess / onFailure nested several levels deep: every level is checked and paths and lines
/// point at the right task.
@Suite struct NestingTests {
    /// ifAttrExists → onFailure → approval → onSuccess → mapping → onSuccess → ifNotUserExists →
    /// onFailure → provision (with a bad field at the bottom).
    static let nested = """
        - taskType: ifAttrExists
          name: uid
          onFailure:
          - taskType: approval
            emailTemplate: e
            mailAttr: mail
            failureEmailSubject: s
            failureEmailMsg: m
            label: l
            approvers:
            - scope: group
              constraint: cn=admins
            onSuccess:
            - taskType: mapping
              strict: true
              map:
              - targetAttributeName: a
                sourceType: user
                targetAttributeSource: b
              onSuccess:
              - taskType: ifNotUserExists
                target: ad
                uidAttribute: uid
                onFailure:
                - taskType: provision
                  target: ad
                  sync: "yes"
                  onSuccess:
                  - taskType: callWorkflow
                    name: x
        """

    @Test func problemsDeepInsideAreFoundWithTheirPath() {
        #expect(lines(Self.nested) == [
            "error: spec.tasks[0].onFailure[0].onSuccess[0].onSuccess[0].onFailure[0].sync (line 27, column 17 of "
                + "spec.tasks): expected a boolean, found the string \"yes\" (hint: write yes without quotes)",
            "error: spec.tasks[0].onFailure[0].onSuccess[0].onSuccess[0].onFailure[0].onSuccess (line 28, column 11 of "
                + "spec.tasks): a provision task cannot have onSuccess; only approval, mapping, ifAttrExists, "
                + "ifAttrHasValue and ifNotUserExists tasks can (hint: move these tasks into the list that holds this "
                + "provision task)",
        ])
    }

    @Test func deepChainOfValidTasksIsAccepted() {
        var tasks = ""
        var indent = ""
        for level in 0..<25 {
            tasks += "\(indent)- taskType: ifAttrHasValue\n\(indent)  name: a\(level)\n\(indent)  value: v\n\(indent)  onSuccess:\n"
            indent += "  "
        }
        tasks += "\(indent)- taskType: callWorkflow\n\(indent)  name: done\n"
        let result = report(tasks)
        #expect(result.diagnostics.isEmpty, "\(lines(result))")
    }

    @Test func errorAtTheBottomOfADeepChainHasTheFullPath() {
        var tasks = ""
        var indent = ""
        var path = "spec.tasks"
        for _ in 0..<10 {
            tasks += "\(indent)- taskType: ifAttrExists\n\(indent)  name: a\n\(indent)  onSuccess:\n"
            path += "[0].onSuccess"
            indent += "  "
        }
        tasks += "\(indent)- taskType: delete\n"
        let result = report(tasks)
        #expect(result.errors.map(\.path) == [path + "[0].target"])
        #expect(result.errors.first?.tasksPosition == SourcePosition(line: 31, column: 23))
    }

    @Test func nestingBeyondTheDepthLimitIsAClearError() {
        var tasks = ""
        var indent = ""
        for _ in 0..<40 {
            tasks += "\(indent)- taskType: ifAttrExists\n\(indent)  name: a\n\(indent)  onSuccess:\n"
            indent += "  "
        }
        tasks += "\(indent)- taskType: delete\n\(indent)  target: x\n"
        let result = report(tasks)
        #expect(!result.isAllowed)
        #expect(result.errors.first?.code == .tooDeep)
        #expect(result.errors.first?.message == "the YAML nests more than 64 levels deep")
    }
}
