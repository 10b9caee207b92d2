// SPDX-License-Identifier: Apache-2.0

/// Rules for a Workflow's `spec` outside the task list: the CRD's fields (openunison.md §3.1), what
/// the loader needs (§3.6 C), `#[VAR]` placeholders, and reading `spec.tasks` itself.
struct WorkflowSpecRules {
    var findings = Findings()
    let limits: ValidationLimits
    /// `v1` or `v2`; `dynamicConfiguration.filterAnnotations` exists only in v2.
    let version: String

    static let specFields = ["label", "description", "inList", "orgId", "dynamicConfiguration", "tasks"]

    mutating func check(_ spec: SpecValue) {
        guard let entries = spec.entries else {
            findings.error(.notAMap, .spec, at: spec.origin.position, "spec must be a map, found \(spec.found)")
            return
        }
        for entry in entries {
            let path = FieldPath.spec.appending(entry.key)
            switch entry.key {
            case "label", "description", "orgId":
                expect(entry.value, .string, at: path)
            case "inList":
                expect(entry.value, .boolean, at: path)
            case "dynamicConfiguration":
                checkDynamicConfiguration(entry.value, at: path)
            case "tasks":
                break
            default:
                findings.warning(
                    .unknownKey, path, at: entry.keyPosition,
                    "\(Quoted(entry.key)) is not a Workflow field, so the API server silently drops it; "
                        + "fields: \(Suggestions.list(Self.specFields))",
                    hint: Suggestions.didYouMean(entry.key, in: Self.specFields))
            }
        }
        checkPlaceholders(in: spec, at: .spec)
        checkTasks(spec["tasks"], spec: spec)
    }

    // MARK: - spec.tasks

    private mutating func checkTasks(_ value: SpecValue?, spec: SpecValue) {
        let path = FieldPath.tasks
        guard let value, !value.isNull else {
            findings.error(
                .missingTasks, path, at: spec.origin.position, "missing; a Workflow needs a task list",
                hint: "OpenUnison cannot load a Workflow without tasks: at startup it stops with \"Could not load "
                    + "CRDs\"; later the change is silently skipped. Check the spelling (the API server drops "
                    + "unknown fields such as \"task\")")
            return
        }
        guard let text = value.string else {
            findings.error(
                .wrongType, path, at: value.origin.position,
                "expected a string holding the task list as YAML, found \(value.found)",
                hint: "write \"tasks: |\" and indent the task list under it")
            return
        }
        let size = text.utf8.count
        guard size <= limits.maxTasksBytes else {
            findings.error(
                .tooLarge, path, at: value.origin.position,
                "the task list is \(size) bytes; the limit is \(limits.maxTasksBytes) bytes",
                hint: "split the workflow into smaller ones joined with callWorkflow tasks")
            return
        }
        if text.allSatisfy({ $0 == " " || $0 == "\t" || $0.isNewline }) {
            findings.error(
                .missingTasks, path, at: value.origin.position, "blank; a Workflow needs a task list",
                hint: "OpenUnison cannot load a Workflow without tasks; add at least one \"- taskType: …\"")
            return
        }
        var taskFindings = TaskRules()
        let placeholders = EnvironmentPlaceholders.scan(text)
        for problem in placeholders.problems {
            taskFindings.findings.add(
                problem.isError ? .error : .warning, .placeholder, path, at: problem.position, problem.message,
                hint: problem.hint)
        }
        let readable = EnvironmentPlaceholders.substitute(text, placeholders.occurrences)
        let result = YAMLReader(aliasRule: .readAsAnchorName, limits: limits).read(Array(readable.utf8))
        for problem in result.problems {
            // An error after the first document is in text OpenUnison never reads.
            let ignored = problem.document > 0
            taskFindings.findings.add(
                problem.isError && !ignored ? .error : .warning, problem.code,
                problem.path.map { FieldPath(path.components + $0.components) } ?? path, at: problem.position,
                ignored ? problem.message + " (in a later YAML document, which OpenUnison ignores)" : problem.message,
                hint: problem.hint)
        }
        if result.documents.count > 1 {
            taskFindings.findings.warning(
                .ignored, path, at: result.documents[1].position,
                "the text holds more than one YAML document; OpenUnison reads only the first",
                hint: "remove the \"---\" line, or move the tasks into the first document")
        }
        if var root = result.documents.first?.root {
            EnvironmentPlaceholders.mark(&root, with: placeholders.occurrences)
            taskFindings.checkTasks(root)
        } else if result.complete {
            taskFindings.checkTasks(SpecValue(.null, origin: SpecOrigin(position: SourcePosition(line: 1, column: 1))))
        }
        findings.merge(taskFindings.findings)
    }

    // MARK: - other fields

    private mutating func checkDynamicConfiguration(_ value: SpecValue, at path: FieldPath) {
        guard let entries = value.entries else {
            findings.error(.notAMap, path, at: value.origin.position,
                           "dynamicConfiguration must be a map, found \(value.found)")
            return
        }
        var fields = ["dynamic", "className", "params"]
        if version == "v2" { fields.append("filterAnnotations") }
        for entry in entries {
            let fieldPath = path.appending(entry.key)
            switch entry.key {
            case "dynamic": expect(entry.value, .boolean, at: fieldPath)
            case "className": expect(entry.value, .string, at: fieldPath)
            case "params": checkNamedList(entry.value, at: fieldPath, fields: ["name", "value"])
            case "filterAnnotations" where version == "v2":
                checkNamedList(entry.value, at: fieldPath, fields: ["name", "requestObjectName"])
            case "filterAnnotations":
                findings.warning(
                    .unsupportedVersion, fieldPath, at: entry.keyPosition,
                    "filterAnnotations exists only in openunison.tremolo.io/v2, so the API server drops it from a v1 object",
                    hint: "use apiVersion: openunison.tremolo.io/v2")
            default:
                findings.warning(
                    .unknownKey, fieldPath, at: entry.keyPosition,
                    "\(Quoted(entry.key)) is not a dynamicConfiguration field, so the API server silently drops it; "
                        + "fields: \(Suggestions.list(fields))",
                    hint: Suggestions.didYouMean(entry.key, in: fields))
            }
        }
        if value["params"] == nil {
            findings.error(
                .missingField, path.appending("params"), at: value.origin.position,
                "dynamicConfiguration needs params (a list; [] is fine)",
                hint: "OpenUnison's loader fails without it (NullPointerException) and the workflow never loads")
        }
    }

    /// A list of maps of string fields (`params: [{name, value}]`).
    private mutating func checkNamedList(_ value: SpecValue, at path: FieldPath, fields: [String]) {
        guard let items = value.items else {
            findings.error(value.isNull ? .missingField : .notAList, path, at: value.origin.position,
                           "\(path.lastKey ?? "this") must be a list of {\(fields.joined(separator: ", "))}, "
                            + "found \(value.found)")
            return
        }
        for (index, item) in items.enumerated() {
            let itemPath = path.appending(index)
            guard let entries = item.entries else {
                findings.error(.notAMap, itemPath, at: item.origin.position, "expected a map, found \(item.found)")
                continue
            }
            for entry in entries {
                if fields.contains(entry.key) {
                    expect(entry.value, .string, at: itemPath.appending(entry.key))
                } else {
                    findings.warning(
                        .unknownKey, itemPath.appending(entry.key), at: entry.keyPosition,
                        "\(Quoted(entry.key)) is not a field here, so the API server silently drops it; "
                            + "fields: \(Suggestions.list(fields))",
                        hint: Suggestions.didYouMean(entry.key, in: fields))
                }
            }
        }
    }

    private enum Expected { case string, boolean }

    /// A type the CRD declares; the API server rejects a mismatch.
    private mutating func expect(_ value: SpecValue, _ expected: Expected, at path: FieldPath) {
        switch (expected, value.kind) {
        case (.string, .string), (.boolean, .bool), (_, .null):
            return
        case (.string, _):
            findings.error(.wrongType, path, at: value.origin.position, "expected a string, found \(value.found)",
                           hint: "the API server rejects this; put the value in quotes")
        case (.boolean, _):
            findings.error(.wrongType, path, at: value.origin.position, "expected a boolean, found \(value.found)",
                           hint: "the API server rejects this; write true or false without quotes")
        }
    }

    /// `#[VAR]` placeholders in every string of the spec except the tasks (checked with them).
    private mutating func checkPlaceholders(in value: SpecValue, at path: FieldPath, depth: Int = 0) {
        guard depth < limits.maxDepth else { return }
        switch value.kind {
        case .string(let text) where path != .tasks:
            for problem in EnvironmentPlaceholders.scan(text).problems {
                findings.add(problem.isError ? .error : .warning, .placeholder, path, at: value.origin.position,
                             problem.message, hint: problem.hint)
            }
        case .list(let items):
            for (index, item) in items.enumerated() {
                checkPlaceholders(in: item, at: path.appending(index), depth: depth + 1)
            }
        case .map(let entries):
            for entry in entries {
                checkPlaceholders(in: entry.value, at: path.appending(entry.key), depth: depth + 1)
            }
        default:
            break
        }
    }
}
