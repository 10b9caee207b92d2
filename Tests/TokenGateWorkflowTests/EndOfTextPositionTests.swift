// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateWorkflow

/// Positions at the very end of a text whose last line has no line break stay on that line.
/// libyaml moves its mark to the start of a line after the last one there; the `workflow` fuzz
/// target found lint reporting "line 34" of a 33-line file (Tests/Fuzz/Crashes/workflow).
@Suite struct EndOfTextPositionTests {
    @Test("a syntax error at the end of an unterminated last line is on that line")
    func syntaxErrorAtEnd() {
        let result = ManifestLinter().lint(text: "kind: Workflow\nspec:\n  tasks: x\nz")
        let positions = result.diagnostics.compactMap(\.filePosition)
        #expect(!positions.isEmpty)
        #expect(positions.allSatisfy { $0 <= SourcePosition(line: 4, column: 2) }, "\(positions)")
    }

    @Test("an empty value at the end of the text is placed at the end of the text")
    func emptyValueAtEnd() {
        let result = YAMLReader(aliasRule: .resolve, limits: .default).read(Array("a: 1\nb:".utf8))
        #expect(result.documents.first?.root["b"]?.origin.position == SourcePosition(line: 2, column: 3))
    }

    @Test("spec.tasks positions stay inside the task list")
    func tasksErrorAtEnd() {
        let diagnostics = report("- taskType: provision\n  target: x\n  sync: [").diagnostics
        let positions = diagnostics.compactMap(\.tasksPosition)
        #expect(!positions.isEmpty)
        #expect(positions.allSatisfy { $0 <= SourcePosition(line: 3, column: 10) }, "\(positions)")
    }
}
