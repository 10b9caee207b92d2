// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateWorkflow

/// The task list itself: its shape, taskType, strict keys, required fields and field types.
@Suite struct TaskListRuleTests {
    static let cases: [RuleCase] = [
        RuleCase("unknown task type", "- taskType: provison\n  target: x", [
            "error: spec.tasks[0].taskType (line 1, column 13 of spec.tasks): \"provison\" is not a task type; "
                + "allowed: \(allTaskTypes) (hint: did you mean \"provision\"?)"
        ]),
        RuleCase("missing taskType", "- target: x", [
            "error: spec.tasks[0].taskType (line 1, column 3 of spec.tasks): the task has no taskType; allowed: \(allTaskTypes)"
        ]),
        RuleCase("taskType that is not a string crashes the loader", "- taskType: true", [
            "error: spec.tasks[0].taskType (line 1, column 13 of spec.tasks): taskType must be a string, found the "
                + "boolean true (hint: OpenUnison's loader fails on a non-string taskType (ClassCastException); "
                + "allowed: \(allTaskTypes))"
        ]),
        RuleCase("top level is a map", "taskType: provision", [
            "error: spec.tasks (line 1, column 1 of spec.tasks): the top level must be a list of tasks, found a map "
                + "(hint: start every task with \"- taskType: …\")"
        ]),
        RuleCase("top-level item that is not a map crashes the loader", "- provision", [
            "error: spec.tasks[0] (line 1, column 3 of spec.tasks): each task must be a map with a taskType, found the "
                + "string \"provision\" (hint: OpenUnison's loader fails on this (ClassCastException) and the "
                + "workflow never loads)"
        ]),
        RuleCase("blank tasks", "  \n", [
            "error: spec.tasks: blank; a Workflow needs a task list (hint: OpenUnison cannot load a Workflow without "
                + "tasks; add at least one \"- taskType: …\")"
        ]),
        RuleCase("only comments", "# nothing yet\n", [
            "error: spec.tasks (line 1, column 1 of spec.tasks): holds only comments or blank lines; a Workflow needs "
                + "a task list (hint: OpenUnison cannot load a Workflow without tasks; add at least one \"- taskType: …\")"
        ]),
        RuleCase("empty list is allowed but suspicious", "[]", [
            "warning: spec.tasks (line 1, column 1 of spec.tasks): the task list is empty"
        ]),
        RuleCase("unknown key with a suggestion", "- taskType: provision\n  target: jitdb\n  sync: true\n  setPasword: false", [
            "error: spec.tasks[0].setPasword (line 4, column 3 of spec.tasks): \"setPasword\" is not a field of a "
                + "provision task; allowed: taskType, target, sync, setPassword, onlyPassedInAttributes and attributes "
                + "(hint: did you mean \"setPassword\"?)"
        ]),
        RuleCase("onSuccess on a task that cannot have children",
                 "- taskType: callWorkflow\n  name: x\n  onSuccess:\n  - taskType: callWorkflow\n    name: y", [
            "error: spec.tasks[0].onSuccess (line 3, column 3 of spec.tasks): a callWorkflow task cannot have "
                + "onSuccess; only approval, mapping, ifAttrExists, ifAttrHasValue and ifNotUserExists tasks can "
                + "(hint: move these tasks into the list that holds this callWorkflow task)"
        ]),
        RuleCase("onFailure on a task that cannot have children, with a bad child",
                 "- taskType: delete\n  target: ad\n  onFailure:\n  - taskType: delete", [
            "error: spec.tasks[0].onFailure (line 3, column 3 of spec.tasks): a delete task cannot have onFailure; "
                + "only approval, mapping, ifAttrExists, ifAttrHasValue and ifNotUserExists tasks can (hint: move "
                + "these tasks into the list that holds this delete task)",
            "error: spec.tasks[0].onFailure[0].target (line 4, column 5 of spec.tasks): a delete task needs target (a string)",
        ]),
        RuleCase("missing required boolean", "- taskType: provision\n  target: x", [
            "error: spec.tasks[0].sync (line 1, column 3 of spec.tasks): a provision task needs sync (a boolean)"
        ]),
        RuleCase("boolean written as a string", "- taskType: provision\n  target: x\n  sync: \"true\"", [
            "error: spec.tasks[0].sync (line 3, column 9 of spec.tasks): expected a boolean, found the string \"true\" "
                + "(hint: write true without quotes)"
        ]),
        RuleCase("optional boolean written as a string",
                 "- taskType: addAttribute\n  name: a\n  value: b\n  remove: \"false\"", [
            "error: spec.tasks[0].remove (line 4, column 11 of spec.tasks): expected a boolean, found the string "
                + "\"false\" (hint: write false without quotes)"
        ]),
        RuleCase("number where a string belongs", "- taskType: callWorkflow\n  name: 42", [
            "error: spec.tasks[0].name (line 2, column 9 of spec.tasks): expected a string, found the number 42 "
                + "(hint: put the number in quotes: \"42\")"
        ]),
        RuleCase("octal-looking number where a string belongs", "- taskType: delete\n  target: 0755", [
            "error: spec.tasks[0].target (line 2, column 11 of spec.tasks): expected a string, found the number 0755 "
                + "(hint: put the number in quotes: \"0755\")"
        ]),
        RuleCase("no value where a string belongs", "- taskType: callWorkflow\n  name:", [
            "error: spec.tasks[0].name (line 2, column 8 of spec.tasks): expected a string, found no value (null) "
                + "(hint: give it a value; write \"\" for an empty string)"
        ]),
        RuleCase("list where a string belongs", "- taskType: ifAttrExists\n  name: [a, b]", [
            "error: spec.tasks[0].name (line 2, column 9 of spec.tasks): expected a string, found a list"
        ]),
        RuleCase("YAML 1.1 boolean in a string field becomes \"true\"", "- taskType: callWorkflow\n  name: yes", [
            "warning: spec.tasks[0].name (line 2, column 9 of spec.tasks): yes is a YAML boolean, so OpenUnison stores "
                + "the string \"true\" (hint: write \"yes\" in quotes if you meant the word)"
        ]),
        RuleCase("two missing fields of an if task",
                 "- taskType: ifAttrHasValue\n  name: a\n- taskType: ifNotUserExists\n  target: t", [
            "error: spec.tasks[0].value (line 1, column 3 of spec.tasks): an ifAttrHasValue task needs value (a string)",
            "error: spec.tasks[1].uidAttribute (line 3, column 3 of spec.tasks): an ifNotUserExists task needs "
                + "uidAttribute (a string)",
        ]),
        RuleCase("notifyUser needs mailAttrib, not mailAttr",
                 "- taskType: notifyUser\n  subject: s\n  msg: m\n  mailAttr: mail", [
            "error: spec.tasks[0].mailAttrib (line 1, column 3 of spec.tasks): a notifyUser task needs mailAttrib (a string)",
            "error: spec.tasks[0].mailAttr (line 4, column 3 of spec.tasks): \"mailAttr\" is not a field of a "
                + "notifyUser task; allowed: taskType, subject, msg, mailAttrib and contentType (hint: did you mean "
                + "\"mailAttrib\"?)",
        ]),
        RuleCase("children must be a list", "- taskType: ifAttrExists\n  name: a\n  onSuccess: {taskType: callWorkflow}", [
            "error: spec.tasks[0].onSuccess (line 3, column 14 of spec.tasks): onSuccess must be a list of tasks, found "
                + "a map (hint: write each task on its own line starting with \"- taskType: …\")"
        ]),
        RuleCase("children must be maps", "- taskType: ifAttrExists\n  name: a\n  onFailure:\n  - just text", [
            "error: spec.tasks[0].onFailure[0] (line 4, column 5 of spec.tasks): each task must be a map with a "
                + "taskType, found the string \"just text\" (hint: write the task as \"- taskType: …\" followed by "
                + "its fields)"
        ]),
        RuleCase("merge keys are not read by OpenUnison", "- taskType: callWorkflow\n  name: x\n  <<: {a: b}", [
            "error: spec.tasks[0][\"<<\"] (line 3, column 3 of spec.tasks): \"<<\" is not a field of a callWorkflow "
                + "task; allowed: taskType and name (hint: OpenUnison's YAML reader does not support merge keys (<<); "
                + "write the fields out)"
        ]),
        RuleCase("duplicate key: the last one wins", "- taskType: callWorkflow\n  name: x\n  name: y", [
            "warning: spec.tasks[0].name (line 3, column 3 of spec.tasks): the key \"name\" appears twice in this map "
                + "(first at line 2); OpenUnison and the API server keep only the last value (hint: remove one of them)"
        ]),
        RuleCase("a second YAML document is never read",
                 "- taskType: callWorkflow\n  name: x\n---\n- taskType: nope", [
            "warning: spec.tasks (line 3, column 1 of spec.tasks): the text holds more than one YAML document; "
                + "OpenUnison reads only the first (hint: remove the \"---\" line, or move the tasks into the first "
                + "document)"
        ]),
    ]

    @Test(arguments: cases)
    func rule(_ rule: RuleCase) {
        #expect(lines(rule.tasks) == rule.expected)
    }

    @Test func everyTaskTypeWithAllItsFieldsIsAccepted() {
        let tasks = """
            - taskType: notifyUser
              subject: s
              msg: m
              mailAttrib: mail
              contentType: text/html
            - taskType: addAttribute
              name: a
              value: v
              remove: false
              addToRequest: true
            - taskType: addGroup
              name: "$groupname$"
              remove: "$removegroup$"
            - taskType: addGroup
              name: g
              remove: true
            - taskType: callWorkflow
              name: other
            - taskType: delete
              target: ad
            - taskType: resync
              newRoot: o=Tremolo
              changeRoot: true
              keepExternalAttrs: false
            - taskType: customTask
              className: com.example.Task
              params:
                a: b
                list: [x, y]
                flag: true
            - taskType: provision
              target: t
              sync: false
              setPassword: false
              onlyPassedInAttributes: true
              attributes: [uid, mail]
            - taskType: ifAttrExists
              name: a
              onSuccess: []
              onFailure:
            - taskType: ifAttrHasValue
              name: a
              value: b
            - taskType: ifNotUserExists
              target: t
              uidAttribute: uid
            - taskType: mapping
              strict: true
              map:
              - targetAttributeName: a
                sourceType: composite
                targetAttributeSource: ${givenName} ${sn}
            - taskType: approval
              emailTemplate: e
              mailAttr: mail
              failureEmailSubject: s
              failureEmailMsg: m
              label: l
              approvers:
              - scope: group
                constraint: cn=admins
              escalationPolicy:
                escalations:
                - executeAfterTime: 3
                  executeAfterUnits: day
                  validateEscalationClass: com.example.Check
                  azRules:
                  - scope: dn
                    constraint: ou=people
                failure:
                  action: leave
                  azRules: []
            """
        let result = report(tasks)
        #expect(result.diagnostics.isEmpty, "\(lines(result))")
        #expect(result.isAllowed)
    }

    @Test func allProblemsAreReportedAtOnce() {
        let tasks = "- taskType: provision\n  target: 5\n  sync: \"no\"\n  extra: 1\n- taskType: nope\n- 7"
        let result = report(tasks)
        #expect(result.errors.map(\.path) == [
            "spec.tasks[0].target", "spec.tasks[0].sync", "spec.tasks[0].extra", "spec.tasks[1].taskType", "spec.tasks[2]",
        ])
        #expect(!result.isAllowed)
    }
}
