// SPDX-License-Identifier: Apache-2.0

/// customTask `params` and provision `attributes`.
extension TaskRules {
    /// Custom task classes whose `init` reads params without checking they exist, so a missing one
    /// fails the workflow's initialisation ("Could not initialize workflow"; openunison.md §3.6 D).
    static let customTaskRequiredParams: [String: [String]] = [
        "com.tremolosecurity.provisioning.tasks.PushToGit": [
            "secretName", "nameSpace", "target", "keyName", "gitRepo", "requestObject", "commitMsg",
        ],
        "com.tremolosecurity.provisioning.tasks.CreateK8sObject": ["targetName", "template"],
    ]

    /// `params`: a map of name → string, boolean or list of strings.
    mutating func checkCustomParams(_ value: SpecValue, at path: FieldPath) {
        guard let entries = value.entries else {
            let hint: String? =
                value.isNull ? "remove params, or give it name: value lines"
                : value.items != nil ? "in a customTask, params is a map (name: value), not a list of {name, value}"
                : nil
            findings.error(.notAMap, path, at: value.origin.position,
                           "params must be a map of name: value, found \(value.found)", hint: hint)
            return
        }
        for entry in entries {
            let paramPath = path.appending(entry.key)
            switch entry.value.kind {
            case .string, .bool:
                checkString(entry.value, at: paramPath)
            case .list(let values):
                for (index, item) in values.enumerated() {
                    if item.string != nil {
                        checkString(item, at: paramPath.appending(index))
                    } else {
                        problem(.wrongType, item, at: paramPath.appending(index),
                                "each value of a list param must be a string, found \(item.found)",
                                hint: item.origin.rawText.map { "put it in quotes: \(Quoted($0))" })
                    }
                }
            case .int, .float:
                problem(.wrongType, entry.value, at: paramPath,
                        "a param value must be a string, a boolean or a list of strings, found \(entry.value.found)",
                        hint: "put the number in quotes: \(Quoted(entry.value.origin.rawText ?? ""))")
            case .null:
                problem(.wrongType, entry.value, at: paramPath,
                        "a param value must be a string, a boolean or a list of strings, found \(entry.value.found)",
                        hint: "give it a value; write \"\" for an empty string")
            case .map:
                problem(.wrongType, entry.value, at: paramPath,
                        "a param value must be a string, a boolean or a list of strings, found \(entry.value.found)",
                        hint: "to pass YAML or JSON text (a template), write it as a block string: \(entry.key): |")
            }
        }
    }

    /// The params a known custom task class cannot initialise without.
    mutating func checkRequiredParams(of task: SpecValue, at path: FieldPath) {
        guard let className = task["className"]?.string,
            let required = Self.customTaskRequiredParams[className]
        else { return }
        let params = task["params"]?.entries ?? []
        let shortName = className.split(separator: ".").last.map(String.init) ?? className
        for name in required {
            let present = params.last(where: { $0.key == name })?.value
            if let present, present.items.map({ !$0.isEmpty }) ?? true { continue }
            let misspelled = Suggestions.closest(to: name, in: params.map(\.key).filter { !required.contains($0) })
            findings.error(
                .missingParam, path.appending("params").appending(name), at: task.origin.position,
                present == nil ? "\(shortName) needs the param \(name)" : "\(shortName) needs a value for the param \(name)",
                hint: misspelled.map { "the param is spelled \(Quoted(name)), not \(Quoted($0))" }
                    ?? "without it OpenUnison cannot initialise the workflow")
        }
    }

    /// provision `attributes`: a list of strings (null is ignored).
    mutating func checkAttributes(_ value: SpecValue, at path: FieldPath) {
        switch value.kind {
        case .null:
            return
        case .list(let names):
            for (index, name) in names.enumerated() {
                if name.string != nil {
                    checkString(name, at: path.appending(index))
                } else {
                    problem(.wrongType, name, at: path.appending(index),
                            "each attribute must be a string, found \(name.found)",
                            hint: name.origin.rawText.map { "put it in quotes: \(Quoted($0))" })
                }
            }
        default:
            findings.error(.notAList, path, at: value.origin.position,
                           "attributes must be a list of attribute names, found \(value.found)")
        }
    }
}
