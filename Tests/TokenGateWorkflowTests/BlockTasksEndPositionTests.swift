// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateWorkflow

/// A problem at the very end of a block `spec.tasks` (after its last line break) is placed at the
/// block's end, not at the block's indentation on a line the file may not have. The `workflow`
/// fuzz target found lint reporting line 14, column 6 of a 13-line file (Tests/Fuzz/Crashes/workflow).
@Suite struct BlockTasksEndPositionTests {
    static let manifest = "apiVersion: openunison.tremolo.io/v1\nkind: Workflow\nmetadata: {name: ok}\nspec:\n"
        + "  tasks: |1\n    - taskType: approval\n      x: {a\n"

    @Test("an unclosed flow mapping at the end of a block tasks string is reported at the end of the file")
    func errorAtEndOfBlock() {
        let result = ManifestLinter().lint(text: Self.manifest)
        let syntax = result.diagnostics.filter { $0.code == .yamlSyntax }
        #expect(!syntax.isEmpty)
        // The file is 7 lines and a line break: its end is line 8, column 1.
        #expect(syntax.allSatisfy { $0.filePosition == SourcePosition(line: 8, column: 1) }, "\(syntax.map(\.filePosition))")
    }

    @Test("positions inside the block still map line for line, shifted by the indentation")
    func insideBlock() {
        let literal = TasksSourceMap(origin: SpecOrigin(
            position: SourcePosition(line: 5, column: 10), end: SourcePosition(line: 8, column: 1),
            style: .literal, blockIndent: 4))
        #expect(literal.filePosition(for: SourcePosition(line: 2, column: 3)) == SourcePosition(line: 7, column: 7))
        #expect(literal.filePosition(for: SourcePosition(line: 3, column: 1)) == SourcePosition(line: 8, column: 1))
    }
}
