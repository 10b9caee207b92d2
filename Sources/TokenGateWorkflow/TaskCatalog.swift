// SPDX-License-Identifier: Apache-2.0

/// The 13 task types OpenUnison's `ParseWorkflow` accepts, with their fields and exact types
/// (reference: openunison.md §3.2). Keys are strict: anything not listed is rejected with
/// "Extra JSON keys".
enum TaskCatalog {
    enum FieldKind: Sendable, Equatable {
        /// A string; a YAML boolean is also accepted and stored as "true"/"false".
        case string
        /// A real boolean; the string "true" is rejected.
        case boolean
        /// A whole number.
        case integer
        /// A string from a fixed set (compared exactly, case-sensitive).
        case oneOf([String])

        var description: String {
            switch self {
            case .string, .oneOf: "a string"
            case .boolean: "a boolean"
            case .integer: "a whole number"
            }
        }
    }

    struct Field: Sendable {
        var name: String
        var kind: FieldKind
        var required: Bool
    }

    struct TaskType: Sendable {
        var name: String
        /// Fields checked by type alone.
        var fields: [Field]
        /// Fields with their own rules (approvers, escalationPolicy, map, params, attributes).
        var structured: [String]
        /// Only approval, mapping and the three `if*` tasks take `onSuccess` / `onFailure`.
        var hasChildren: Bool

        /// "a provision task", "an approval task".
        var described: String {
            ("aeiou".contains(name.first ?? "x") ? "an " : "a ") + name + " task"
        }

        var allowedKeys: [String] {
            ["taskType"] + fields.map(\.name) + structured + (hasChildren ? ["onSuccess", "onFailure"] : [])
        }
    }

    static let approverScopes = ["filter", "group", "dn", "dynamicGroup", "custom"]
    static let escalationUnits = ["sec", "min", "hr", "wk", "day"]
    static let failureActions = ["assign", "leave"]
    static let sourceTypes = ["static", "user", "composite", "custom"]

    private static func required(_ name: String, _ kind: FieldKind = .string) -> Field {
        Field(name: name, kind: kind, required: true)
    }

    private static func optional(_ name: String, _ kind: FieldKind = .string) -> Field {
        Field(name: name, kind: kind, required: false)
    }

    static let all: [TaskType] = [
        TaskType(
            name: "notifyUser",
            fields: [required("subject"), required("msg"), required("mailAttrib"), optional("contentType")],
            structured: [], hasChildren: false),
        TaskType(
            name: "addAttribute",
            fields: [required("name"), required("value"), optional("remove", .boolean), optional("addToRequest", .boolean)],
            structured: [], hasChildren: false),
        // `remove` is a string here (so "$removegroup$" works), unlike addAttribute's boolean.
        TaskType(name: "addGroup", fields: [required("name"), optional("remove")], structured: [], hasChildren: false),
        TaskType(name: "callWorkflow", fields: [required("name")], structured: [], hasChildren: false),
        TaskType(name: "delete", fields: [required("target")], structured: [], hasChildren: false),
        TaskType(
            name: "resync",
            fields: [optional("newRoot"), optional("changeRoot", .boolean), optional("keepExternalAttrs", .boolean)],
            structured: [], hasChildren: false),
        TaskType(name: "customTask", fields: [required("className")], structured: ["params"], hasChildren: false),
        TaskType(
            name: "provision",
            fields: [
                required("target"), required("sync", .boolean), optional("setPassword", .boolean),
                optional("onlyPassedInAttributes", .boolean),
            ],
            structured: ["attributes"], hasChildren: false),
        TaskType(name: "ifAttrExists", fields: [required("name")], structured: [], hasChildren: true),
        TaskType(name: "ifAttrHasValue", fields: [required("name"), required("value")], structured: [], hasChildren: true),
        TaskType(
            name: "ifNotUserExists", fields: [required("target"), required("uidAttribute")], structured: [],
            hasChildren: true),
        // `strict` is optional to the parser but the runtime unboxes it: see MappingRules.
        TaskType(name: "mapping", fields: [optional("strict", .boolean)], structured: ["map"], hasChildren: true),
        TaskType(
            name: "approval",
            fields: [
                required("emailTemplate"), required("mailAttr"), required("failureEmailSubject"),
                required("failureEmailMsg"), required("label"),
            ],
            structured: ["approvers", "escalationPolicy"], hasChildren: true),
    ]

    static let names = all.map(\.name)

    static func named(_ name: String) -> TaskType? {
        all.first { $0.name == name }
    }

    static let childBearingNames = "approval, mapping, ifAttrExists, ifAttrHasValue and ifNotUserExists"
}
