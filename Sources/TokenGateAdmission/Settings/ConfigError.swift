// SPDX-License-Identifier: Apache-2.0

/// A configuration problem found at startup. The message names the key (as a dotted path into
/// the YAML file, or the flag) and says what value is expected, so the fix is obvious.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    public let problems: [String]

    public init(_ problem: String) { self.problems = [problem] }
    public init(problems: [String]) { self.problems = problems }

    public var description: String {
        problems.count == 1 ? problems[0] : "configuration has \(problems.count) problems:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
