// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
@testable import TokenGateWorkflow

/// Validates a task list the way the webhook does (spec.tasks as a string member).
func report(_ tasks: String, spec: [SpecEntry] = [], apiVersion: String = "openunison.tremolo.io/v2") -> ValidationReport {
    WorkflowValidator().validateWorkflow(tasks: tasks, otherSpecFields: spec, apiVersion: apiVersion)
}

/// `error: <summary>` per diagnostic: path, line/column in spec.tasks, message and hint, exactly.
func lines(_ report: ValidationReport) -> [String] {
    report.diagnostics.map { "\($0.severity.rawValue): \($0.summary)" }
}

func lines(_ tasks: String) -> [String] {
    lines(report(tasks))
}

/// Tests/Fixtures/openunison-workflows/, found from this file so no resource bundle is needed.
let fixturesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/openunison-workflows")

func fixture(_ name: String) throws -> String {
    try String(contentsOf: fixturesDirectory.appendingPathComponent(name), encoding: .utf8)
}

/// `line:col severity path: message` for lint results.
func lintLines(_ result: ManifestLinter.Result) -> [String] {
    result.diagnostics.map { diagnostic in
        let position = diagnostic.filePosition.map { "\($0.line):\($0.column)" } ?? "-"
        return "\(position) \(diagnostic.severity.rawValue) \(diagnostic.path): \(diagnostic.message)"
    }
}

/// A Workflow manifest around a task list given at the indentation `tasks: |` expects.
func workflowManifest(tasks: String, name: String = "wf") -> String {
    let indented = tasks.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
    return """
        apiVersion: openunison.tremolo.io/v1
        kind: Workflow
        metadata:
          name: \(name)
          namespace: openunison
        spec:
          label: test
          tasks: |
        \(indented)
        """
}
