// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateWorkflow

/// A `spec.tasks` written as a quoted or plain string over several lines is folded into one line
/// when read, so a column inside it is no column of the file. The `workflow` fuzz target found
/// lint reporting line 78, column 60 of a line 40 characters long (Tests/Fuzz/Crashes/workflow).
@Suite struct FoldedTasksPositionTests {
    static func manifest(tasks: String) -> String {
        "apiVersion: openunison.tremolo.io/v1\nkind: Workflow\nmetadata: {name: ok}\nspec:\n  tasks: \(tasks)\n"
    }

    @Test("a problem in a multi-line quoted tasks string points at the start of the string", arguments: [
        "\"- taskType: x\n    name: a: b\"", "'- taskType: x\n    name: a: b'",
    ])
    func multiLine(tasks: String) {
        let result = ManifestLinter().lint(text: Self.manifest(tasks: tasks))
        let syntax = result.diagnostics.filter { $0.code == .yamlSyntax }
        #expect(!syntax.isEmpty)
        #expect(syntax.allSatisfy { $0.filePosition == SourcePosition(line: 5, column: 10) }, "\(syntax.map(\.filePosition))")
    }

    @Test("a one-line quoted tasks string still maps columns exactly")
    func oneLine() {
        // `- taskType: x name: a: b`: libyaml stops at the `:` after `name`, column 19 of the string,
        // which starts after the quote in column 10.
        let result = ManifestLinter().lint(text: Self.manifest(tasks: "\"- taskType: x name: a: b\""))
        let positions = result.diagnostics.filter { $0.code == .yamlSyntax }.compactMap(\.filePosition)
        #expect(positions == [SourcePosition(line: 5, column: 29)], "\(positions)")
    }
}
