// SPDX-License-Identifier: Apache-2.0

/// A place in a text, 1-based like every editor and compiler shows it.
///
/// Columns count Unicode scalars, as libyaml does, so a position read from the parser can be
/// printed without conversion.
public struct SourcePosition: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    public var description: String { "\(line):\(column)" }
}
