// SPDX-License-Identifier: Apache-2.0

/// One problem found in a Workflow or Target: what is wrong, where, and what to do about it.
///
/// Errors are what OpenUnison (or the API server) would reject or crash on; the webhook denies the
/// object for them. Warnings are things OpenUnison accepts but that are almost certainly mistakes;
/// the webhook lets the object through and returns them as AdmissionReview `warnings`.
public struct Diagnostic: Sendable, Equatable, Codable {
    public enum Severity: String, Sendable, Codable, Comparable {
        case error, warning

        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            lhs == .error && rhs == .warning
        }
    }

    /// Stable identifiers, for tests and CI tools (`--format json`).
    public enum Code: String, Sendable, Codable {
        case yamlSyntax = "yaml-syntax"
        case notUTF8 = "not-utf8"
        case tooLarge = "too-large"
        case tooDeep = "too-deep"
        case tooManyNodes = "too-many-nodes"
        case missingTasks = "missing-tasks"
        case notAList = "not-a-list"
        case notAMap = "not-a-map"
        case missingField = "missing-field"
        case wrongType = "wrong-type"
        case invalidValue = "invalid-value"
        case unknownKey = "unknown-key"
        case unknownTaskType = "unknown-task-type"
        case childrenNotAllowed = "children-not-allowed"
        case complexKey = "complex-key"
        case duplicateKey = "duplicate-key"
        case alias
        case placeholder
        case missingParam = "missing-param"
        case ignored
        case invalidName = "invalid-name"
        case unsupportedVersion = "unsupported-version"
        /// The summary line standing for problems beyond ``Findings/maxStored``.
        case truncated
    }

    public var severity: Severity
    public var code: Code
    /// Field path in the object, `spec.tasks[2].onSuccess[0].approvers[1].scope`.
    public var path: String
    /// Line and column inside the `spec.tasks` YAML string, when the problem is in there.
    public var tasksPosition: SourcePosition?
    /// Line and column in the linted file (only `tokengate lint` fills this).
    public var filePosition: SourcePosition?
    /// What was found and what is allowed, as one sentence without a trailing period.
    public var message: String
    /// What to do, when the likely cause is known.
    public var hint: String?
    /// `Workflow openunison/name`; set by ``ManifestLinter`` so multi-document files say which one.
    public var object: String?

    public init(
        severity: Severity, code: Code, path: String, tasksPosition: SourcePosition? = nil,
        filePosition: SourcePosition? = nil, message: String, hint: String? = nil, object: String? = nil
    ) {
        self.severity = severity
        self.code = code
        self.path = path
        self.tasksPosition = tasksPosition
        self.filePosition = filePosition
        self.message = message
        self.hint = hint
        self.object = object
    }

    /// `spec.tasks[1].sync (line 7, column 9 of spec.tasks): expected a boolean, found … (hint: …)`.
    /// One line, no severity; reads well after kubectl's "denied the request:" prefix.
    public var summary: String {
        var out = path
        if let position = tasksPosition {
            out += " (line \(position.line), column \(position.column) of spec.tasks)"
        }
        out += ": " + message
        if let hint { out += " (hint: \(hint))" }
        return out
    }
}

/// Collects diagnostics while the rules walk an object.
///
/// At most ``maxStored`` are kept; the rest are only counted, so a hostile document (a quarter
/// megabyte of aliases, say) cannot make one review hold a hundred thousand messages.
struct Findings: Sendable {
    static let maxStored = 1000

    private var stored: [Diagnostic] = []
    private var suppressedErrors = 0
    private var suppressedWarnings = 0
    /// True while the rules walk values that were read from the `spec.tasks` string, so their
    /// positions are tasks positions rather than file positions.
    var inTasks = false

    /// What was kept, plus one summary line for what was not (an error if any error was dropped,
    /// so the verdict never changes).
    var all: [Diagnostic] {
        let dropped = suppressedErrors + suppressedWarnings
        guard dropped > 0 else { return stored }
        return stored + [Diagnostic(
            severity: suppressedErrors > 0 ? .error : .warning, code: .truncated, path: "spec",
            message: "\(dropped) more \(dropped == 1 ? "problem is" : "problems are") not listed (\(suppressedErrors) "
                + "\(suppressedErrors == 1 ? "error" : "errors"), \(suppressedWarnings) "
                + "\(suppressedWarnings == 1 ? "warning" : "warnings"))", hint: "fix the ones above first")]
    }

    mutating func error(
        _ code: Diagnostic.Code, _ path: FieldPath, at position: SourcePosition?, _ message: String,
        hint: String? = nil
    ) {
        add(.error, code, path, at: position, message, hint: hint)
    }

    mutating func warning(
        _ code: Diagnostic.Code, _ path: FieldPath, at position: SourcePosition?, _ message: String,
        hint: String? = nil
    ) {
        add(.warning, code, path, at: position, message, hint: hint)
    }

    mutating func add(
        _ severity: Diagnostic.Severity, _ code: Diagnostic.Code, _ path: FieldPath, at position: SourcePosition?,
        _ message: String, hint: String? = nil
    ) {
        guard stored.count < Self.maxStored else {
            if severity == .error { suppressedErrors += 1 } else { suppressedWarnings += 1 }
            return
        }
        stored.append(
            Diagnostic(
                severity: severity, code: code, path: path.description,
                tasksPosition: inTasks ? position : nil, filePosition: inTasks ? nil : position,
                message: message, hint: hint))
    }

    /// Takes over another collection's findings, and its count of those not kept.
    mutating func merge(_ other: Findings) {
        for diagnostic in other.stored {
            if stored.count < Self.maxStored {
                stored.append(diagnostic)
            } else if diagnostic.severity == .error {
                suppressedErrors += 1
            } else {
                suppressedWarnings += 1
            }
        }
        suppressedErrors += other.suppressedErrors
        suppressedWarnings += other.suppressedWarnings
    }

    /// Appends diagnostics from finished reports (already capped), as they are.
    mutating func append(contentsOf diagnostics: [Diagnostic]) {
        stored.append(contentsOf: diagnostics)
    }
}
