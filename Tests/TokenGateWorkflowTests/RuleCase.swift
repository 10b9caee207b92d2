// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateWorkflow

/// One minimal document and every line it must produce, exactly (path, position in spec.tasks,
/// message and hint).
struct RuleCase: Sendable, CustomTestStringConvertible {
    var name: String
    var tasks: String
    var expected: [String]

    init(_ name: String, _ tasks: String, _ expected: [String]) {
        self.name = name
        self.tasks = tasks
        self.expected = expected
    }

    var testDescription: String { name }
}

/// The fields every approval task needs, ready to extend.
let approvalHead = """
    - taskType: approval
      emailTemplate: e
      mailAttr: mail
      failureEmailSubject: s
      failureEmailMsg: m
      label: l

    """

/// Expands to the 13 task types joined as the messages print them.
let allTaskTypes = "notifyUser, addAttribute, addGroup, callWorkflow, delete, resync, customTask, provision, "
    + "ifAttrExists, ifAttrHasValue, ifNotUserExists, mapping and approval"
