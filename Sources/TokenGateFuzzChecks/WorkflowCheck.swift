// SPDX-License-Identifier: Apache-2.0
import TokenGateWorkflow

/// `workflow`: OpenUnison Workflow and Target validation over YAML.
///
/// The input is read twice: as a manifest file (`tokengate lint`'s ``ManifestLinter``, which
/// checks Workflows and Targets and maps positions inside `spec.tasks` back to the file), and as
/// the `spec.tasks` string the webhook validates. Invariants: every diagnostic of the linter has a
/// file position, inside the text, and they come sorted; every position inside `spec.tasks` is
/// inside that text; the denial message and warnings build without trapping and stay within
/// what the webhook promises (at most ``DenialMessage/maxListed`` warnings plus a count line).
enum WorkflowCheck {
    static let target = "workflow"

    static func check(_ bytes: UnsafeRawBufferPointer) throws(FuzzCheckFailure) {
        let input = Array(bytes)
        try checkLint(input)
        guard let text = String(validating: input, as: UTF8.self) else { return }
        let extent = TextExtent(text)
        let report = WorkflowValidator().validateWorkflow(tasks: text)
        for diagnostic in report.diagnostics {
            guard let position = diagnostic.tasksPosition else { continue }
            try require(extent.contains(position), target,
                        "spec.tasks diagnostic \(diagnostic.code.rawValue) at \(position), outside the text (\(extent.description)): \(diagnostic.message)")
        }
        try checkMessages(report)
    }

    private static func checkLint(_ input: [UInt8]) throws(FuzzCheckFailure) {
        let result = ManifestLinter().lint(input)
        var content = input
        if content.starts(with: [0xEF, 0xBB, 0xBF]) { content.removeFirst(3) }
        let extent = String(validating: content, as: UTF8.self).map(TextExtent.init)
        var previous: SourcePosition?
        for diagnostic in result.diagnostics {
            guard let position = diagnostic.filePosition else {
                throw FuzzCheckFailure(target, "lint diagnostic \(diagnostic.code.rawValue) has no file position: \(diagnostic.message)")
            }
            if let extent {
                try require(extent.contains(position), target,
                            "lint diagnostic \(diagnostic.code.rawValue) at \(position), outside the file (\(extent.description)): \(diagnostic.message)")
            } else {
                try require(diagnostic.code == .notUTF8, target, "a file that is not UTF-8 gave \(diagnostic.code.rawValue)")
            }
            if let previous {
                try require(previous <= position, target, "lint diagnostics are not sorted: \(position) after \(previous)")
            }
            previous = position
        }
        try require(result.errorCount + result.warningCount == result.diagnostics.count, target, "counts disagree")
    }

    private static func checkMessages(_ report: ValidationReport) throws(FuzzCheckFailure) {
        let warnings = DenialMessage.warnings(report)
        try require(warnings.count <= DenialMessage.maxListed + 1, target, "\(warnings.count) warning lines")
        for warning in warnings {
            try require(warning.count <= DenialMessage.maxWarningLength, target, "a warning of \(warning.count) characters")
        }
        if !report.isAllowed {
            let message = DenialMessage.message(kind: "Workflow", namespace: "openunison", name: "fuzz", report: report)
            try require(message.hasPrefix("Workflow openunison/fuzz"), target, "the denial message does not name the object")
        }
    }
}
