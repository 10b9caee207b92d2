// SPDX-License-Identifier: Apache-2.0
import TokenGateWorkflow

/// The lines of a text and how many columns each has, counted the way the Workflow module
/// documents its positions (`SourcePosition`): 1-based, columns in Unicode scalars, and `\n`,
/// `\r\n` or `\r` ending a line.
///
/// A position is inside the text when its line exists and its column is at most one past the
/// line's last character (where a parser reports "end of line" or "end of input").
struct TextExtent {
    /// Scalars on each line, without the line break.
    let lineLengths: [Int]

    init(_ text: String) {
        var lengths: [Int] = []
        var current = 0
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n" where previousWasCR:
                previousWasCR = false
                continue
            case "\n", "\r":
                lengths.append(current)
                current = 0
                previousWasCR = scalar == "\r"
                continue
            default:
                current += 1
                previousWasCR = false
            }
        }
        lengths.append(current)
        lineLengths = lengths
    }

    func contains(_ position: SourcePosition) -> Bool {
        guard position.line >= 1, position.line <= lineLengths.count else { return false }
        return position.column >= 1 && position.column <= lineLengths[position.line - 1] + 1
    }

    var description: String { "\(lineLengths.count) lines" }
}
