// SPDX-License-Identifier: Apache-2.0

/// OpenUnison's `#[VAR]` and `#[VAR:default]` placeholders.
///
/// OpenUnison replaces them with environment variables (or system properties, or the default) in
/// the object's JSON text before it reads anything (`OpenUnisonConfigLoader.integrateIncludes`, run
/// by the watcher on the whole object and again on the spec). It looks for the next `]` anywhere
/// after `#[`, so an unclosed `#[` swallows text up to some unrelated `]` or throws, and an empty
/// name throws (`System.getProperty("")`). Both stop the Workflow from loading, and OpenUnison's own
/// webhook does not look for them.
enum EnvironmentPlaceholders {
    struct Occurrence: Sendable, Equatable {
        /// Where `#` is, in the scanned text.
        var start: SourcePosition
        /// Just past `]`.
        var end: SourcePosition
        var name: String
        var defaultValue: String?
        /// The token as written, `#[NAME:default]`.
        var token: String
        /// `#[all]` and `#[entry]` are kept literally by OpenUnison.
        var isLiteral: Bool { defaultValue == nil && (name == "all" || name == "entry") }
    }

    struct Problem: Sendable, Equatable {
        var position: SourcePosition
        var message: String
        var hint: String
        var isError: Bool
    }

    struct Scan: Sendable {
        var occurrences: [Occurrence] = []
        var problems: [Problem] = []
    }

    /// The lines of `text` as scalars, broken where libyaml and ``SourcePosition`` break them:
    /// at `\n`, `\r\n` and a lone `\r`. (Split on scalars, not Characters: `"\r\n"` is one
    /// Character.) Splitting on `\n` alone numbered lines differently from every other position
    /// after a lone `\r`; the `workflow` fuzz target found a placeholder reported outside the text.
    static func lines(of text: String) -> [[Unicode.Scalar]] {
        var lines: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        var afterCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" && afterCR {
                afterCR = false
                continue
            }
            afterCR = scalar == "\r"
            if scalar == "\n" || scalar == "\r" {
                lines.append(current)
                current = []
            } else {
                current.append(scalar)
            }
        }
        lines.append(current)
        return lines
    }

    static func scan(_ text: String) -> Scan {
        var scan = Scan()
        guard text.contains("#[") else { return scan }
        for (lineIndex, scalars) in lines(of: text).enumerated() {
            var index = 0
            while index + 1 < scalars.count {
                guard scalars[index] == "#", scalars[index + 1] == "[" else {
                    index += 1
                    continue
                }
                let start = SourcePosition(line: lineIndex + 1, column: index + 1)
                guard let close = scalars[(index + 2)...].firstIndex(of: "]") else {
                    scan.problems.append(Problem(
                        position: start, message: "the placeholder \"#[\" is not closed by \"]\" on the same line",
                        hint: "write #[NAME] or #[NAME:default]; OpenUnison would replace everything up to the next "
                            + "\"]\" anywhere in the object, or fail to load the workflow if there is none",
                        isError: true))
                    break
                }
                var inner = String(String.UnicodeScalarView(scalars[(index + 2)..<close]))
                var defaultValue: String?
                if let colon = inner.firstIndex(of: ":") {
                    defaultValue = String(inner[inner.index(after: colon)...])
                    inner = String(inner[..<colon])
                }
                let occurrence = Occurrence(
                    start: start, end: SourcePosition(line: lineIndex + 1, column: close + 2), name: inner,
                    defaultValue: defaultValue,
                    token: String(String.UnicodeScalarView(scalars[index...close])))
                if inner.isEmpty {
                    scan.problems.append(Problem(
                        position: start, message: "the placeholder \(Quoted(occurrence.token)) has an empty variable name",
                        hint: "write #[NAME] or #[NAME:default]; OpenUnison fails to load a workflow with an empty name",
                        isError: true))
                } else if !inner.unicodeScalars.allSatisfy(isNameCharacter) {
                    scan.problems.append(Problem(
                        position: start,
                        message: "the placeholder \(Quoted(occurrence.token)) has a variable name with spaces or symbols",
                        hint: "OpenUnison looks the name up literally, so it is probably never set; "
                            + "use letters, digits and _ only", isError: false))
                }
                scan.occurrences.append(occurrence)
                index = close + 1
            }
        }
        return scan
    }

    /// The text as OpenUnison would read it with none of the variables set: each placeholder
    /// becomes its default (or its variable name, standing in for an unknown value), padded with
    /// spaces to the same length so every line and column stays where it was.
    /// A placeholder with an empty name (already an error) stands in as `_`, so it causes no
    /// second, confusing error about the value around it.
    static func substitute(_ text: String, _ occurrences: [Occurrence]) -> String {
        let replaceable = occurrences.filter { !$0.isLiteral }
        guard !replaceable.isEmpty else { return text }
        // Replaced in place in the whole text, each line found where ``scan(_:)`` found it (see
        // ``lineStarts(of:)``), so every line break stays as it was written. Splitting on `\n` here
        // while ``scan(_:)`` also breaks at a lone `\r` put a placeholder's columns on the wrong
        // line and trapped replacing past its end (found by the `workflow` fuzz target).
        var scalars = Array(text.unicodeScalars)
        let starts = lineStarts(of: scalars)
        for occurrence in replaceable {
            let lineIndex = occurrence.start.line - 1
            guard starts.indices.contains(lineIndex) else { continue }
            let from = starts[lineIndex] + occurrence.start.column - 1
            let to = starts[lineIndex] + occurrence.end.column - 1
            guard from >= 0, from <= to, to <= scalars.count else { continue }
            let length = to - from
            let standIn = occurrence.defaultValue.flatMap { $0.isEmpty && occurrence.name.isEmpty ? nil : $0 }
                ?? (occurrence.name.isEmpty ? "_" : occurrence.name)
            var replacement = Array(standIn.unicodeScalars.prefix(length))
            replacement += Array(repeating: " ", count: length - replacement.count)
            scalars.replaceSubrange(from..<to, with: replacement)
        }
        return String(String.UnicodeScalarView(scalars))
    }

    /// Where each line of `scalars` starts (an index into `scalars`), with lines broken as
    /// ``lines(of:)`` breaks them: at `\n`, `\r\n` and a lone `\r`.
    static func lineStarts(of scalars: [Unicode.Scalar]) -> [Int] {
        var starts = [0]
        var index = 0
        while index < scalars.count {
            if scalars[index] == "\r", index + 1 < scalars.count, scalars[index + 1] == "\n" {
                index += 2
                starts.append(index)
            } else if scalars[index] == "\r" || scalars[index] == "\n" {
                index += 1
                starts.append(index)
            } else {
                index += 1
            }
        }
        return starts
    }

    /// Marks every scalar in `value` that overlaps a placeholder, so the rules can tell a value
    /// they cannot know (it depends on OpenUnison's environment) from a wrong one.
    static func mark(_ value: inout SpecValue, with occurrences: [Occurrence]) {
        let relevant = occurrences.filter { !$0.isLiteral }
        guard !relevant.isEmpty else { return }
        switch value.kind {
        case .list(var items):
            for index in items.indices { mark(&items[index], with: relevant) }
            value.kind = .list(items)
        case .map(var entries):
            for index in entries.indices { mark(&entries[index].value, with: relevant) }
            value.kind = .map(entries)
        default:
            guard let start = value.origin.position, let end = value.origin.end else { return }
            if let hit = relevant.first(where: { $0.start < end && start < $0.end }) {
                value.origin.placeholder = hit.token
            }
        }
    }

    private static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)))
            || scalar == "_" || scalar == "." || scalar == "-"
    }
}
