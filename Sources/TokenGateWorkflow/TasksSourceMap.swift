// SPDX-License-Identifier: Apache-2.0

/// Turns a line and column inside the `spec.tasks` string into a line and column of the file the
/// string was written in, so `tokengate lint` can point an editor at the right place.
///
/// Exact for the usual `tasks: |` / `tasks: |-` block (each line of the string is one line of the
/// file, shifted by the block's indentation) and for one-line strings. For folded (`>`) and
/// multi-line quoted strings, whose lines are joined while reading, it points at the line where
/// the string's line begins when it can and at the start of the string otherwise.
struct TasksSourceMap {
    let origin: SpecOrigin

    func filePosition(for position: SourcePosition) -> SourcePosition? {
        guard let start = origin.position else { return nil }
        switch origin.style {
        case .literal?, .folded?:
            guard let indent = origin.blockIndent else { return start }
            let mapped = SourcePosition(line: start.line + position.line, column: position.column + indent)
            // The end of the string (an error there, after its last line break) is on a line with
            // no indentation, often past the last line of the file: never after the block's end.
            guard let end = origin.end else { return mapped }
            return min(mapped, end)
        case .plain?, .singleQuoted?, .doubleQuoted?:
            guard position.line == 1 else { return start }
            // Written over several lines of the file, the string was folded into one line while
            // reading, so its columns run past the file's first line: point at where it starts.
            if let end = origin.end, end.line != start.line { return start }
            let quote = origin.style == .plain ? 0 : 1
            return SourcePosition(line: start.line, column: start.column + quote + position.column - 1)
        default:
            return start
        }
    }
}
