// SPDX-License-Identifier: Apache-2.0

/// The rules for the task list inside `spec.tasks`, applied to the tree OpenUnison's reader would
/// produce. Every problem is collected; nothing stops at the first one.
///
/// The checks follow `ParseWorkflow` (what OpenUnison's webhook and loader reject) plus what only
/// crashes the loader or the workflow's initialisation (openunison.md §3.6 C and D).
struct TaskRules {
    var findings: Findings

    init() {
        findings = Findings()
        findings.inTasks = true
    }

    /// The first YAML document of `spec.tasks`.
    mutating func checkTasks(_ root: SpecValue) {
        let path = FieldPath.tasks
        switch root.kind {
        case .null:
            findings.error(
                .missingTasks, path, at: root.origin.position, "holds only comments or blank lines; a Workflow needs a task list",
                hint: "OpenUnison cannot load a Workflow without tasks; add at least one \"- taskType: …\"")
        case .list(let tasks):
            if tasks.isEmpty {
                findings.warning(.missingTasks, path, at: root.origin.position, "the task list is empty")
            }
            for (index, task) in tasks.enumerated() {
                checkTask(task, at: path.appending(index), crashesLoader: true)
            }
        default:
            findings.error(
                .notAList, path, at: root.origin.position,
                "the top level must be a list of tasks, found \(root.found)",
                hint: "start every task with \"- taskType: …\"")
        }
    }

    /// One task map, and its children.
    mutating func checkTask(_ task: SpecValue, at path: FieldPath, crashesLoader: Bool = false) {
        guard let entries = task.entries else {
            findings.error(
                .notAMap, path, at: task.origin.position,
                "each task must be a map with a taskType, found \(task.found)",
                hint: crashesLoader
                    ? "OpenUnison's loader fails on this (ClassCastException) and the workflow never loads"
                    : "write the task as \"- taskType: …\" followed by its fields")
            return
        }
        guard let type = taskType(of: task, entries: entries, at: path) else {
            // Unknown type: its fields cannot be checked, but nested task lists still can.
            for entry in entries where entry.key == "onSuccess" || entry.key == "onFailure" {
                checkChildren(entry.value, at: path.appending(entry.key))
            }
            return
        }
        for entry in entries where entry.key != "taskType" {
            let fieldPath = path.appending(entry.key)
            if let field = type.fields.first(where: { $0.name == entry.key }) {
                checkField(entry.value, as: field.kind, at: fieldPath)
            } else if type.structured.contains(entry.key) {
                checkStructured(entry, of: type, at: fieldPath)
            } else if entry.key == "onSuccess" || entry.key == "onFailure" {
                if !type.hasChildren {
                    findings.error(
                        .childrenNotAllowed, fieldPath, at: entry.keyPosition,
                        "\(type.described) cannot have \(entry.key); only \(TaskCatalog.childBearingNames) tasks can",
                        hint: "move these tasks into the list that holds this \(type.name) task")
                } else if type.name == "mapping" && entry.key == "onFailure" {
                    findings.warning(
                        .ignored, fieldPath, at: entry.keyPosition,
                        "OpenUnison never runs onFailure of a mapping task",
                        hint: "a mapping does not fail; move these tasks elsewhere")
                }
                checkChildren(entry.value, at: fieldPath)
            } else {
                unknownKey(entry, allowed: type.allowedKeys, what: type.described, at: fieldPath)
            }
        }
        for field in type.fields where field.required && task[field.name] == nil {
            findings.error(
                .missingField, path.appending(field.name), at: task.origin.position,
                "\(type.described) needs \(field.name) (\(field.kind.description))")
        }
        for name in type.structured where task[name] == nil {
            missingStructured(name, of: type, task: task, at: path)
        }
        if type.name == "customTask" {
            checkRequiredParams(of: task, at: path)
        }
        if type.name == "mapping" && task["strict"] == nil {
            findings.error(
                .missingField, path.appending("strict"), at: task.origin.position,
                "a mapping task needs strict (a boolean)",
                hint: "OpenUnison's parser lets it out, but initialising the workflow then fails "
                    + "(NullPointerException); add strict: true or strict: false")
        }
    }

    /// `taskType`, or nil (with a finding) when it is missing, not a string or unknown.
    private mutating func taskType(of task: SpecValue, entries: [SpecEntry], at path: FieldPath)
        -> TaskCatalog.TaskType?
    {
        let allowed = "allowed: " + Suggestions.list(TaskCatalog.names)
        guard let value = task["taskType"], !value.isNull else {
            findings.error(.missingField, path.appending("taskType"), at: task.origin.position,
                           "the task has no taskType; \(allowed)")
            return nil
        }
        guard let name = value.string else {
            findings.error(
                .wrongType, path.appending("taskType"), at: value.origin.position,
                "taskType must be a string, found \(value.found)",
                hint: "OpenUnison's loader fails on a non-string taskType (ClassCastException); \(allowed)")
            return nil
        }
        guard let type = TaskCatalog.named(name) else {
            findings.error(
                .unknownTaskType, path.appending("taskType"), at: value.origin.position,
                "\(Quoted(name)) is not a task type; \(allowed)",
                hint: value.origin.aliasOf != nil
                    ? "this is the alias *\(name); OpenUnison's YAML reader does not resolve aliases"
                    : Suggestions.didYouMean(name, in: TaskCatalog.names))
            return nil
        }
        if value.origin.aliasOf != nil { aliasWarning(value, at: path.appending("taskType")) }
        return type
    }

    /// `onSuccess` / `onFailure`: a list of task maps (null is allowed and ignored).
    mutating func checkChildren(_ value: SpecValue, at path: FieldPath) {
        switch value.kind {
        case .null:
            return
        case .list(let tasks):
            for (index, task) in tasks.enumerated() {
                checkTask(task, at: path.appending(index))
            }
        default:
            findings.error(
                .notAList, path, at: value.origin.position,
                "\(path.lastKey ?? "this") must be a list of tasks, found \(value.found)",
                hint: "write each task on its own line starting with \"- taskType: …\"")
        }
    }

    private mutating func checkStructured(_ entry: SpecEntry, of type: TaskCatalog.TaskType, at path: FieldPath) {
        switch entry.key {
        case "approvers": checkAzRules(entry.value, at: path, name: "approvers")
        case "escalationPolicy": checkEscalationPolicy(entry.value, at: path)
        case "map": checkMappings(entry.value, at: path)
        case "params": checkCustomParams(entry.value, at: path)
        case "attributes": checkAttributes(entry.value, at: path)
        default: break
        }
    }

    private mutating func missingStructured(
        _ name: String, of type: TaskCatalog.TaskType, task: SpecValue, at path: FieldPath
    ) {
        switch name {
        case "approvers":
            findings.error(.missingField, path.appending(name), at: task.origin.position,
                           "an approval task needs approvers (a list of {scope, constraint})")
        case "map":
            findings.error(.missingField, path.appending(name), at: task.origin.position,
                           "a mapping task needs map (a list of {targetAttributeName, sourceType, targetAttributeSource})")
        default:
            break
        }
    }

    /// "Extra JSON keys", with the likely fix.
    mutating func unknownKey(_ entry: SpecEntry, allowed: [String], what: String, at path: FieldPath) {
        var hint = Suggestions.didYouMean(entry.key, in: allowed)
        if entry.key == "<<" {
            hint = "OpenUnison's YAML reader does not support merge keys (<<); write the fields out"
        }
        findings.error(
            .unknownKey, path, at: entry.keyPosition,
            "\(Quoted(entry.key)) is not a field of \(what); allowed: \(Suggestions.list(allowed))", hint: hint)
    }
}

extension SpecValue {
    /// What was found, mentioning an alias, for "…, found X" messages.
    var found: String {
        foundDescription + (origin.aliasOf.map { " (written as the alias *\($0))" } ?? "")
    }
}
