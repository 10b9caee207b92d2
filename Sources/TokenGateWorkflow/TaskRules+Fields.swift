// SPDX-License-Identifier: Apache-2.0

/// Type checks for single fields, with OpenUnison's coercions: a string field also takes a YAML
/// boolean (stored as "true"/"false") but not a number; a boolean field needs a real boolean; an
/// integer field a whole number.
extension TaskRules {
    mutating func checkField(_ value: SpecValue, as kind: TaskCatalog.FieldKind, at path: FieldPath) {
        switch kind {
        case .string:
            checkString(value, at: path)
        case .boolean:
            checkBoolean(value, at: path)
        case .integer:
            checkInteger(value, at: path)
        case .oneOf(let allowed):
            guard let text = checkString(value, at: path) else { return }
            guard !allowed.contains(text) else { return }
            var hint = Suggestions.didYouMean(text, in: allowed)
            if allowed == TaskCatalog.escalationUnits { hint = Suggestions.escalationUnit(text) ?? hint }
            problem(
                .invalidValue, value, at: path,
                "\(Quoted(text)) is not allowed for \(path.lastKey ?? "this field"); allowed: \(Suggestions.list(allowed))",
                hint: hint)
        }
    }

    /// Checks a string field and returns the string OpenUnison would store, or nil.
    @discardableResult
    mutating func checkString(_ value: SpecValue, at path: FieldPath) -> String? {
        switch value.kind {
        case .string(let text):
            if value.origin.aliasOf != nil { aliasWarning(value, at: path) }
            return text
        case .bool(let flag):
            let raw = value.origin.rawText ?? String(flag)
            if !["true", "false", "True", "False", "TRUE", "FALSE"].contains(raw) {
                findings.warning(
                    .wrongType, path, at: value.origin.position,
                    "\(raw) is a YAML boolean, so OpenUnison stores the string \(Quoted(String(flag)))",
                    hint: "write \(Quoted(raw)) in quotes if you meant the word")
            }
            return String(flag)
        case .int, .float:
            problem(
                .wrongType, value, at: path, "expected a string, found \(value.found)",
                hint: "put the number in quotes: \(Quoted(value.origin.rawText ?? ""))")
        case .null:
            problem(
                .wrongType, value, at: path, "expected a string, found \(value.found)",
                hint: "give it a value; write \"\" for an empty string")
        case .list, .map:
            problem(.wrongType, value, at: path, "expected a string, found \(value.found)")
        }
        return nil
    }

    mutating func checkBoolean(_ value: SpecValue, at path: FieldPath) {
        switch value.kind {
        case .bool:
            return
        case .string(let text):
            let word = ["true", "false", "yes", "no", "on", "off"].contains(text.lowercased())
            problem(
                .wrongType, value, at: path, "expected a boolean, found \(value.found)",
                hint: value.origin.aliasOf != nil
                    ? "OpenUnison's YAML reader does not resolve aliases; write true or false"
                    : word ? "write \(text.lowercased()) without quotes" : "write true or false")
        default:
            problem(.wrongType, value, at: path, "expected a boolean, found \(value.found)", hint: "write true or false")
        }
    }

    mutating func checkInteger(_ value: SpecValue, at path: FieldPath) {
        switch value.kind {
        case .int(let number):
            if number < Int64(Int32.min) || number > Int64(Int32.max) {
                findings.warning(
                    .invalidValue, path, at: value.origin.position,
                    "\(number) does not fit in the 32-bit integer OpenUnison stores it in, so it wraps around",
                    hint: "use a larger unit in executeAfterUnits")
            }
        case .string(let text):
            let trimmed = text.trimmedSpaces
            let digits = trimmed.prefix(while: { $0.isNumber })
            let hint: String? =
                if Int64(trimmed) != nil { "write \(trimmed) without quotes" }
                else if !digits.isEmpty { "write the number (\(digits)) here and the unit in executeAfterUnits" }
                else { nil }
            problem(.wrongType, value, at: path, "expected a whole number, found \(value.found)", hint: hint)
        default:
            problem(.wrongType, value, at: path, "expected a whole number, found \(value.found)")
        }
    }

    /// An error, or a warning when the value comes from an `#[VAR]` placeholder: then the value the
    /// rules saw is a stand-in, and the real one is only known where OpenUnison runs.
    mutating func problem(
        _ code: Diagnostic.Code, _ value: SpecValue, at path: FieldPath, _ message: String, hint: String? = nil
    ) {
        if let placeholder = value.origin.placeholder {
            findings.warning(
                .placeholder, path, at: value.origin.position,
                "\(message), but the value comes from \(placeholder) and is only known where OpenUnison runs",
                hint: hint)
        } else {
            findings.error(code, path, at: value.origin.position, message, hint: hint)
        }
    }

    mutating func aliasWarning(_ value: SpecValue, at path: FieldPath) {
        guard let name = value.origin.aliasOf else { return }
        findings.warning(
            .alias, path, at: value.origin.position,
            "OpenUnison reads the alias *\(name) as the plain string \(Quoted(name)), not as the anchored value",
            hint: "OpenUnison's YAML reader (Jackson) does not resolve aliases; write the value out")
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmedSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
