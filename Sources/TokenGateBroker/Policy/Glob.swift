// SPDX-License-Identifier: Apache-2.0

/// A shell-style pattern for namespace and ServiceAccount names: `*` matches any run of
/// characters (also none), `?` exactly one; everything else matches itself. No character classes:
/// Kubernetes names are `[a-z0-9.-]`, and a smaller language is easier to review in a policy.
public struct Glob: Sendable, Equatable, CustomStringConvertible {
    public let pattern: String
    private let characters: [Character]

    public init(_ pattern: String) {
        self.pattern = pattern
        self.characters = Array(pattern)
    }

    public var description: String { pattern }

    /// Whether `text` matches. Linear-time two-pointer match with backtracking to the last `*`,
    /// so a hostile pattern cannot make evaluation exponential.
    public func matches(_ text: String) -> Bool {
        let input = Array(text)
        var p = 0, t = 0
        var starPattern = -1, starText = 0
        while t < input.count {
            if p < characters.count, characters[p] == "?" || characters[p] == input[t] {
                p += 1
                t += 1
            } else if p < characters.count, characters[p] == "*" {
                starPattern = p
                starText = t
                p += 1
            } else if starPattern >= 0 {
                p = starPattern + 1
                starText += 1
                t = starText
            } else {
                return false
            }
        }
        while p < characters.count, characters[p] == "*" { p += 1 }
        return p == characters.count
    }
}
