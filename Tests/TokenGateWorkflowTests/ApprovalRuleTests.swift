// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateWorkflow

/// Approval tasks: approvers, azRules scopes, escalationPolicy.
@Suite struct ApprovalRuleTests {
    static let cases: [RuleCase] = [
        RuleCase("approver rules: scope, constraint, extra keys, non-maps", approvalHead + """
              approvers:
              - scope: groups
                constraint: cn=a
              - scope: DN
                constraint: cn=b
              - scope: group
              - scope: group
                constraint: x
                filter: y
              - just-a-string
            """, [
            "error: spec.tasks[0].approvers[0].scope (line 8, column 12 of spec.tasks): \"groups\" is not allowed for "
                + "scope; allowed: filter, group, dn, dynamicGroup and custom (hint: did you mean \"group\"?)",
            "error: spec.tasks[0].approvers[1].scope (line 10, column 12 of spec.tasks): \"DN\" is not allowed for "
                + "scope; allowed: filter, group, dn, dynamicGroup and custom (hint: did you mean \"dn\"?)",
            "error: spec.tasks[0].approvers[2].constraint (line 12, column 5 of spec.tasks): an authorization rule "
                + "needs constraint (a string)",
            "error: spec.tasks[0].approvers[3].filter (line 15, column 5 of spec.tasks): \"filter\" is not a field of "
                + "an authorization rule; allowed: scope and constraint",
            "error: spec.tasks[0].approvers[4] (line 16, column 5 of spec.tasks): each rule must be a map with scope "
                + "and constraint, found the string \"just-a-string\"",
        ]),
        RuleCase("approvers is not a list", approvalHead + "  approvers: cn=admins", [
            "error: spec.tasks[0].approvers (line 7, column 14 of spec.tasks): approvers must be a list of {scope, "
                + "constraint}, found the string \"cn=admins\""
        ]),
        RuleCase("approvers has no value", approvalHead + "  approvers:", [
            "error: spec.tasks[0].approvers (line 7, column 13 of spec.tasks): approvers has no value; it must be a "
                + "list of {scope, constraint} (hint: an empty list [] is allowed)"
        ]),
        RuleCase("approvers missing", approvalHead, [
            "error: spec.tasks[0].approvers (line 1, column 3 of spec.tasks): an approval task needs approvers (a "
                + "list of {scope, constraint})"
        ]),
        RuleCase("approval without its strings", "- taskType: approval\n  approvers: []", [
            "error: spec.tasks[0].emailTemplate (line 1, column 3 of spec.tasks): an approval task needs emailTemplate (a string)",
            "error: spec.tasks[0].mailAttr (line 1, column 3 of spec.tasks): an approval task needs mailAttr (a string)",
            "error: spec.tasks[0].failureEmailSubject (line 1, column 3 of spec.tasks): an approval task needs "
                + "failureEmailSubject (a string)",
            "error: spec.tasks[0].failureEmailMsg (line 1, column 3 of spec.tasks): an approval task needs "
                + "failureEmailMsg (a string)",
            "error: spec.tasks[0].label (line 1, column 3 of spec.tasks): an approval task needs label (a string)",
        ]),
        RuleCase("escalationPolicy without escalations", approvalHead + """
              approvers: []
              escalationPolicy:
                failure:
                  action: leave
                  azRules: []
            """, [
            "error: spec.tasks[0].escalationPolicy.escalations (line 9, column 5 of spec.tasks): an escalationPolicy "
                + "needs escalations (a list)"
        ]),
        RuleCase("escalationPolicy with no value", approvalHead + "  approvers: []\n  escalationPolicy:", [
            "error: spec.tasks[0].escalationPolicy (line 8, column 20 of spec.tasks): escalationPolicy must be a map "
                + "with escalations, found no value (null) (hint: remove escalationPolicy, or give it escalations)"
        ]),
        RuleCase("escalation times, units, scopes, extra keys and failure action", approvalHead + """
              approvers: []
              escalationPolicy:
                escalations:
                - executeAfterTime: 1.5
                  executeAfterUnits: month
                  azRules: []
                - executeAfterTime: "5"
                  executeAfterUnits: min
                  azRules:
                  - scope: dynamicgroup
                    constraint: x
                - executeAfterTime: 5hr
                  executeAfterUnits: hr
                - executeAfterTime: 3000000000
                  executeAfterUnits: sec
                  validateEscalationClass: com.x.Y
                  azRules: []
                  extra: 1
                failure:
                  action: delete
                extra: x
            """, [
            "error: spec.tasks[0].escalationPolicy.escalations[0].executeAfterTime (line 10, column 25 of spec.tasks): "
                + "expected a whole number, found the number 1.5",
            "error: spec.tasks[0].escalationPolicy.escalations[0].executeAfterUnits (line 11, column 26 of spec.tasks): "
                + "\"month\" is not allowed for executeAfterUnits; allowed: sec, min, hr, wk and day (hint: months and "
                + "years are not supported (the OpenUnison docs list them, but the parser rejects them); count in "
                + "\"day\", e.g. 30 day)",
            "error: spec.tasks[0].escalationPolicy.escalations[1].executeAfterTime (line 13, column 25 of spec.tasks): "
                + "expected a whole number, found the string \"5\" (hint: write 5 without quotes)",
            "error: spec.tasks[0].escalationPolicy.escalations[1].azRules[0].scope (line 16, column 16 of spec.tasks): "
                + "\"dynamicgroup\" is not allowed for scope; allowed: filter, group, dn, dynamicGroup and custom (hint: "
                + "did you mean \"dynamicGroup\"?)",
            "error: spec.tasks[0].escalationPolicy.escalations[2].azRules (line 18, column 7 of spec.tasks): an "
                + "escalation needs azRules (a list of {scope, constraint}; [] is allowed)",
            "error: spec.tasks[0].escalationPolicy.escalations[2].executeAfterTime (line 18, column 25 of spec.tasks): "
                + "expected a whole number, found the string \"5hr\" (hint: write the number (5) here and the unit in "
                + "executeAfterUnits)",
            "warning: spec.tasks[0].escalationPolicy.escalations[3].executeAfterTime (line 20, column 25 of spec.tasks): "
                + "3000000000 does not fit in the 32-bit integer OpenUnison stores it in, so it wraps around (hint: use a "
                + "larger unit in executeAfterUnits)",
            "error: spec.tasks[0].escalationPolicy.escalations[3].extra (line 24, column 7 of spec.tasks): \"extra\" is "
                + "not a field of an escalation; allowed: executeAfterTime, executeAfterUnits, validateEscalationClass "
                + "and azRules",
            "error: spec.tasks[0].escalationPolicy.failure.azRules (line 26, column 7 of spec.tasks): an escalation "
                + "failure needs azRules (a list of {scope, constraint}; [] is allowed)",
            "error: spec.tasks[0].escalationPolicy.failure.action (line 26, column 15 of spec.tasks): \"delete\" is not "
                + "allowed for action; allowed: assign and leave",
            "error: spec.tasks[0].escalationPolicy.extra (line 27, column 5 of spec.tasks): \"extra\" is not a field of "
                + "an escalationPolicy; allowed: escalations and failure",
        ]),
        RuleCase("the unit from the docs: hour", approvalHead + """
              approvers: []
              escalationPolicy:
                escalations:
                - executeAfterTime: 4
                  executeAfterUnits: hour
                  azRules: []
            """, [
            "error: spec.tasks[0].escalationPolicy.escalations[0].executeAfterUnits (line 11, column 26 of spec.tasks): "
                + "\"hour\" is not allowed for executeAfterUnits; allowed: sec, min, hr, wk and day (hint: use \"hr\" for "
                + "hours)"
        ]),
        RuleCase("failure action leave still needs azRules", approvalHead + """
              approvers: []
              escalationPolicy:
                escalations: []
                failure:
                  action: leave
            """, [
            "error: spec.tasks[0].escalationPolicy.failure.azRules (line 11, column 7 of spec.tasks): an escalation "
                + "failure needs azRules (a list of {scope, constraint}; [] is allowed)"
        ]),
        RuleCase("approvers written as an alias", approvalHead + "  approvers: *admins", [
            "error: spec.tasks[0].approvers (line 7, column 14 of spec.tasks): approvers must be a list of {scope, "
                + "constraint}, found the string \"admins\" (written as the alias *admins) (hint: OpenUnison's YAML "
                + "reader does not resolve aliases; write the list out)"
        ]),
    ]

    @Test(arguments: cases)
    func rule(_ rule: RuleCase) {
        #expect(lines(rule.tasks) == rule.expected)
    }
}
