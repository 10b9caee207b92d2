// SPDX-License-Identifier: Apache-2.0
import CYaml

/// Reads YAML into ``SpecValue`` trees straight from libyaml's event stream, with a position on
/// every value.
///
/// We drive libyaml (the copy Yams vendors as the `CYaml` module) ourselves instead of using Yams'
/// composer, for three reasons found while building this:
/// - Yams resolves aliases; OpenUnison's reader (Jackson `YAMLFactory`) does not — it reads `*name`
///   as the string `name` — and the API server does, so each reader needs its own alias rule.
/// - Yams hashes every mapping key to find duplicates, including keys that are whole lists or maps.
///   Nested complex keys make that quadratic: a 166 KB input took 26 s. Here a key must be a scalar
///   (JSON member names are strings anyway) and duplicates are found with a string set.
/// - Yams composes recursively, one stack frame pair per nesting level. This reader keeps its own
///   stack and stops at ``ValidationLimits/maxDepth``.
struct YAMLReader {
    enum AliasRule: Sendable {
        /// OpenUnison / Jackson: `*name` is the plain string `name`; anchors are ignored.
        case readAsAnchorName
        /// API server / go-yaml: `*name` is a copy of the anchored value (counted in full against
        /// the node budget, so exponential expansions stop early).
        case resolve
    }

    struct Document: Sendable {
        var root: SpecValue
        var position: SourcePosition
    }

    struct Problem: Sendable, Equatable {
        var code: Diagnostic.Code
        var position: SourcePosition?
        var message: String
        var hint: String?
        /// Problems that stop reading (syntax errors, limits) versus ones reported as warnings.
        var isError: Bool
        /// Where in the document, relative to its root, when known.
        var path: FieldPath? = nil
        /// Which YAML document (0-based) was being read.
        var document = 0
    }

    struct Result: Sendable {
        var documents: [Document] = []
        var problems: [Problem] = []
        /// False when reading stopped early (a syntax error or a limit).
        var complete = true
    }

    var aliasRule: AliasRule
    var limits: ValidationLimits

    /// Reads every document in `bytes` (UTF-8). Never throws: problems come back in the result.
    func read(_ bytes: [UInt8]) -> Result {
        guard !bytes.isEmpty else { return Result() }
        // libyaml notices a bad sequence at its second byte; report where the sequence starts.
        if let offset = SourceText.firstInvalidUTF8(bytes) {
            let position = bytes.withUnsafeBufferPointer { SourceText.position(ofByte: offset, in: $0) }
            return Result(problems: [Problem(
                code: .notUTF8, position: position,
                message: "the text is not valid UTF-8 (byte 0x\(String(bytes[offset], radix: 16, uppercase: true)))",
                hint: "save the file as UTF-8", isError: true)], complete: false)
        }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            return Result(problems: [Problem(code: .tooLarge, message: "out of memory reading YAML", isError: true)],
                          complete: false)
        }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeBufferPointer { buffer in
            // The buffer is non-empty, so baseAddress is set (libyaml asserts on a null input).
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var composer = YAMLComposer(aliasRule: aliasRule, limits: limits, source: buffer)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    composer.fail(YAMLReader.problem(from: parser, source: buffer, limits: limits))
                    break
                }
                let done = composer.consume(event)
                yaml_event_delete(&event)
                if done { break }
            }
            return composer.result
        }
    }

    /// Turns libyaml's error state into a message a person can act on.
    static func problem(from parser: yaml_parser_t, source: UnsafeBufferPointer<UInt8>, limits: ValidationLimits)
        -> Problem
    {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        switch parser.error {
        case YAML_READER_ERROR:
            let offset = min(parser.problem_offset, source.count)
            let position = SourceText.position(ofByte: offset, in: source)
            if problem.contains("UTF-8") || problem.contains("octet") {
                let byte = offset < source.count ? " (byte 0x\(String(source[offset], radix: 16, uppercase: true)))" : ""
                return Problem(
                    code: .notUTF8, position: position, message: "the text is not valid UTF-8\(byte)",
                    hint: "save the file as UTF-8", isError: true)
            }
            let value = parser.problem_value >= 0 ? " (U+\(String(parser.problem_value, radix: 16, uppercase: true)))" : ""
            return Problem(
                code: .yamlSyntax, position: position, message: "\(problem)\(value)",
                hint: "remove the control character; YAML allows only printable characters, tab and line breaks",
                isError: true)
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR:
            let end = SourceText.position(ofByte: source.count, in: source)
            let position = Self.position(parser.problem_mark, before: end)
            var message = problem
            if let context = parser.context.map({ String(cString: $0) }) {
                let at = Self.position(parser.context_mark, before: end)
                message = "\(problem) (\(context) at line \(at.line), column \(at.column))"
            }
            if problem.hasPrefix("Maximum nesting level") {
                // libyaml's own limit (1000) can trip first: it scans a line ahead of the events.
                return Problem(code: .tooDeep, position: position,
                               message: "the YAML nests more than \(limits.maxDepth) levels deep",
                               hint: YAMLComposer.tooDeepHint, isError: true)
            }
            return Problem(
                code: .yamlSyntax, position: position, message: message,
                hint: syntaxHint(problem: problem, at: Int(parser.problem_mark.index), source: source),
                isError: true)
        default:
            return Problem(code: .tooLarge, message: "out of memory reading YAML", isError: true)
        }
    }

    /// A libyaml mark as a 1-based position, never past `end`, the end of the text.
    ///
    /// libyaml ends a last line that has no line break itself by moving its mark to column 0 of the
    /// next line, so a mark at the end of such a text (an error there, or an empty value such as
    /// `key:` at the very end) names a line the text does not have. It is the end of the text.
    static func position(_ mark: yaml_mark_t, before end: SourcePosition) -> SourcePosition {
        min(SourcePosition(line: Int(mark.line) + 1, column: Int(mark.column) + 1), end)
    }

    /// Hints for the syntax errors people actually make in hand-written workflows.
    private static func syntaxHint(problem: String, at characterIndex: Int, source: UnsafeBufferPointer<UInt8>)
        -> String?
    {
        let character = SourceText.character(atCharacterIndex: characterIndex, in: source)
        if character == "\t" || (problem.contains("tab") && !problem.contains("table")) {
            return "YAML indentation must be spaces; replace the tab with spaces"
        }
        if problem.contains("cannot start any token"), let character, "@`%".contains(character) {
            return "'\(character)' cannot start a plain value; put the value in quotes"
        }
        if problem.contains("mapping values are not allowed") {
            return "a value that contains ': ' must be quoted, or the line is indented too far"
        }
        if problem.contains("did not find expected key") || problem.contains("did not find expected '-'") {
            return "check this line's indentation against the lines above it"
        }
        if problem.contains("could not find expected ':'") {
            return "a key needs ': ' after it; a long or multi-line key must be quoted"
        }
        if problem.contains("found unknown escape character") {
            return "inside double quotes a backslash starts an escape; write \\\\ or use single quotes"
        }
        return nil
    }
}
