// SPDX-License-Identifier: Apache-2.0

/// Approval tasks: `approvers`, every `azRules` list, and `escalationPolicy`
/// (`ParseWorkflow.createApprovalTask` / `parseApprovers`).
extension TaskRules {
    /// A list of `{scope, constraint}` rules. `approvers` and `azRules` share the shape.
    mutating func checkAzRules(_ value: SpecValue, at path: FieldPath, name: String) {
        let shape = "a list of {scope, constraint}"
        switch value.kind {
        case .null:
            findings.error(.missingField, path, at: value.origin.position, "\(name) has no value; it must be \(shape)",
                           hint: "an empty list [] is allowed")
        case .list(let rules):
            for (index, rule) in rules.enumerated() {
                checkAzRule(rule, at: path.appending(index))
            }
        default:
            problem(.notAList, value, at: path, "\(name) must be \(shape), found \(value.found)",
                    hint: value.origin.aliasOf != nil
                        ? "OpenUnison's YAML reader does not resolve aliases; write the list out" : nil)
        }
    }

    private mutating func checkAzRule(_ rule: SpecValue, at path: FieldPath) {
        guard let entries = rule.entries else {
            findings.error(.notAMap, path, at: rule.origin.position,
                           "each rule must be a map with scope and constraint, found \(rule.found)")
            return
        }
        let allowed = ["scope", "constraint"]
        for entry in entries {
            let fieldPath = path.appending(entry.key)
            switch entry.key {
            case "scope":
                checkField(entry.value, as: .oneOf(TaskCatalog.approverScopes), at: fieldPath)
            case "constraint":
                checkString(entry.value, at: fieldPath)
            default:
                unknownKey(entry, allowed: allowed, what: "an authorization rule", at: fieldPath)
            }
        }
        for name in allowed where rule[name] == nil {
            findings.error(.missingField, path.appending(name), at: rule.origin.position,
                           "an authorization rule needs \(name) (a string)")
        }
    }

    mutating func checkEscalationPolicy(_ value: SpecValue, at path: FieldPath) {
        guard let entries = value.entries else {
            let hint: String? = value.isNull ? "remove escalationPolicy, or give it escalations" : nil
            findings.error(.notAMap, path, at: value.origin.position,
                           "escalationPolicy must be a map with escalations, found \(value.found)", hint: hint)
            return
        }
        for entry in entries {
            let fieldPath = path.appending(entry.key)
            switch entry.key {
            case "escalations":
                checkEscalations(entry.value, at: fieldPath)
            case "failure":
                checkEscalationFailure(entry.value, at: fieldPath)
            default:
                unknownKey(entry, allowed: ["escalations", "failure"], what: "an escalationPolicy", at: fieldPath)
            }
        }
        if value["escalations"] == nil {
            findings.error(.missingField, path.appending("escalations"), at: value.origin.position,
                           "an escalationPolicy needs escalations (a list)")
        }
    }

    private mutating func checkEscalations(_ value: SpecValue, at path: FieldPath) {
        guard let escalations = value.items else {
            findings.error(
                value.isNull ? .missingField : .notAList, path, at: value.origin.position,
                "escalations must be a list of {executeAfterTime, executeAfterUnits, azRules}, found \(value.found)")
            return
        }
        let fields: [TaskCatalog.Field] = [
            .init(name: "executeAfterTime", kind: .integer, required: true),
            .init(name: "executeAfterUnits", kind: .oneOf(TaskCatalog.escalationUnits), required: true),
            .init(name: "validateEscalationClass", kind: .string, required: false),
        ]
        for (index, escalation) in escalations.enumerated() {
            let itemPath = path.appending(index)
            checkRuleMap(escalation, at: itemPath, fields: fields, what: "an escalation")
        }
    }

    private mutating func checkEscalationFailure(_ value: SpecValue, at path: FieldPath) {
        if value.isNull { return }
        checkRuleMap(
            value, at: path, fields: [.init(name: "action", kind: .oneOf(TaskCatalog.failureActions), required: true)],
            what: "an escalation failure")
    }

    /// A map of typed fields plus a required `azRules` list (escalations and failure).
    private mutating func checkRuleMap(
        _ value: SpecValue, at path: FieldPath, fields: [TaskCatalog.Field], what: String
    ) {
        guard let entries = value.entries else {
            findings.error(.notAMap, path, at: value.origin.position, "\(what) must be a map, found \(value.found)")
            return
        }
        let allowed = fields.map(\.name) + ["azRules"]
        for entry in entries {
            let fieldPath = path.appending(entry.key)
            if let field = fields.first(where: { $0.name == entry.key }) {
                checkField(entry.value, as: field.kind, at: fieldPath)
            } else if entry.key == "azRules" {
                checkAzRules(entry.value, at: fieldPath, name: "azRules")
            } else {
                unknownKey(entry, allowed: allowed, what: what, at: fieldPath)
            }
        }
        for field in fields where field.required && value[field.name] == nil {
            findings.error(.missingField, path.appending(field.name), at: value.origin.position,
                           "\(what) needs \(field.name) (\(field.kind.description))")
        }
        if value["azRules"] == nil {
            findings.error(.missingField, path.appending("azRules"), at: value.origin.position,
                           "\(what) needs azRules (a list of {scope, constraint}; [] is allowed)")
        }
    }
}
