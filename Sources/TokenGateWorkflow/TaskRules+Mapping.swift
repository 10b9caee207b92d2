// SPDX-License-Identifier: Apache-2.0

/// Mapping tasks: every `map` entry has exactly `targetAttributeName`, `sourceType` and
/// `targetAttributeSource`, all strings (`ParseWorkflow.createMappingTask`).
extension TaskRules {
    mutating func checkMappings(_ value: SpecValue, at path: FieldPath) {
        guard let mappings = value.items else {
            findings.error(
                value.isNull ? .missingField : .notAList, path, at: value.origin.position,
                "map must be a list of {targetAttributeName, sourceType, targetAttributeSource}, found \(value.found)")
            return
        }
        for (index, mapping) in mappings.enumerated() {
            checkMapping(mapping, at: path.appending(index))
        }
    }

    private mutating func checkMapping(_ mapping: SpecValue, at path: FieldPath) {
        guard let entries = mapping.entries else {
            findings.error(.notAMap, path, at: mapping.origin.position,
                           "each mapping must be a map, found \(mapping.found)")
            return
        }
        let allowed = ["targetAttributeName", "sourceType", "targetAttributeSource"]
        for entry in entries {
            let fieldPath = path.appending(entry.key)
            if allowed.contains(entry.key) {
                checkString(entry.value, at: fieldPath)
            } else if entry.key == "targetType" {
                findings.error(
                    .unknownKey, fieldPath, at: entry.keyPosition,
                    "\"targetType\" is not a field of a workflow mapping; allowed: \(Suggestions.list(allowed))",
                    hint: "targetType belongs to a Target's targetAttributes; remove it here")
            } else {
                unknownKey(entry, allowed: allowed, what: "a mapping", at: fieldPath)
            }
        }
        for name in allowed where mapping[name] == nil {
            findings.error(.missingField, path.appending(name), at: mapping.origin.position,
                           "a mapping needs \(name) (a string)")
        }
        guard let sourceType = mapping["sourceType"]?.string else { return }
        if !TaskCatalog.sourceTypes.contains(sourceType) {
            findings.warning(
                .invalidValue, path.appending("sourceType"), at: mapping["sourceType"]?.origin.position,
                "\(Quoted(sourceType)) is not a sourceType OpenUnison knows, so it silently skips this mapping; "
                    + "known: \(Suggestions.list(TaskCatalog.sourceTypes))",
                hint: Suggestions.didYouMean(sourceType, in: TaskCatalog.sourceTypes))
        } else if sourceType == "composite", let source = mapping["targetAttributeSource"], let text = source.string {
            checkCompositeTemplate(text, value: source, at: path.appending("targetAttributeSource"))
        }
    }

    /// A composite source is text with `${attribute}` references; a broken reference makes the
    /// workflow fail to initialise.
    private mutating func checkCompositeTemplate(_ text: String, value: SpecValue, at path: FieldPath) {
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            let after = rest[open.upperBound...]
            guard let close = after.firstIndex(of: "}") else {
                problem(.invalidValue, value, at: path, "the composite source \(Quoted(text)) has a \"${\" without \"}\"",
                        hint: "write ${attributeName}")
                return
            }
            if String(after[..<close]).trimmedSpaces.isEmpty {
                problem(.invalidValue, value, at: path, "the composite source \(Quoted(text)) has an empty \"${}\"",
                        hint: "write ${attributeName}")
            }
            rest = after[after.index(after: close)...]
        }
    }
}

extension Substring {
    /// The first range of `needle` (kept local: this module does not import Foundation).
    func range(of needle: String) -> Range<Index>? {
        guard !needle.isEmpty else { return nil }
        var start = startIndex
        while start < endIndex {
            if self[start...].hasPrefix(needle) {
                return start..<index(start, offsetBy: needle.count)
            }
            start = index(after: start)
        }
        return nil
    }
}
