// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateWorkflow

/// Placeholder positions count lines as every other position does: a lone `\r` ends a line too.
/// The `workflow` fuzz target found a placeholder at "line 16, column 5" of a text whose first
/// line held 39 lone `\r`s (Tests/Fuzz/Crashes/workflow), a line libyaml numbers 55.
@Suite struct PlaceholderLineTests {
    @Test("lines break at \\n, \\r\\n and a lone \\r", arguments: [
        ("a\nb\r\nc\rd", ["a", "b", "c", "d"]), ("\r\r", ["", "", ""]), ("x\r\n", ["x", ""]), ("", [""]),
    ])
    func lines(text: String, expected: [String]) {
        let lines = EnvironmentPlaceholders.lines(of: text).map { String(String.UnicodeScalarView($0)) }
        #expect(lines == expected)
    }

    @Test("an unclosed placeholder after lone carriage returns is on the line libyaml gives it")
    func unclosedAfterCarriageReturns() {
        let scan = EnvironmentPlaceholders.scan("a: 1\r\rb: x #[y\n")
        #expect(scan.problems.map(\.position) == [SourcePosition(line: 3, column: 6)])
    }

    @Test("a placeholder after lone carriage returns is replaced where it is, and every line break is kept")
    func substituteAfterCarriageReturns() {
        let text = "a: 1\r\rb: #[NAME:xy]\r\nc: #[X]\n"
        let scan = EnvironmentPlaceholders.scan(text)
        #expect(scan.occurrences.map(\.start) == [SourcePosition(line: 3, column: 4), SourcePosition(line: 4, column: 4)])
        let substituted = EnvironmentPlaceholders.substitute(text, scan.occurrences)
        #expect(substituted == "a: 1\r\rb: xy" + String(repeating: " ", count: 8) + "\r\nc: X   \n")
    }

    @Test("line starts follow the same breaks as the lines")
    func lineStarts() {
        let text = "ab\r\ncd\ref\n\rg"
        let starts = EnvironmentPlaceholders.lineStarts(of: Array(text.unicodeScalars))
        let lines = EnvironmentPlaceholders.lines(of: text)
        #expect(starts.count == lines.count)
        #expect(starts == [0, 4, 7, 10, 11])
    }
}

