// SPDX-License-Identifier: Apache-2.0

/// A shell-style pattern for namespace and ServiceAccount names: `*` matches any run of
/// characters (also none), `?` exactly one; everything else matches itself. No character classes:
/// Kubernetes names are `[a-z0-9.-]`, and a smaller language is easier to review in a policy.
public struct Glob: Sendable, Equatable, CustomStringConvertible {
    public let pattern: String
    private let characters: [Character]
    /// The pattern's bytes when it is ASCII without CR (then bytes and characters coincide), for
    /// matching the names policy sees on every exchange without building a `[Character]` per call.
    private let asciiBytes: [UInt8]?

    public init(_ pattern: String) {
        self.pattern = pattern
        self.characters = Array(pattern)
        self.asciiBytes = Self.isPlainASCII(pattern) ? Array(pattern.utf8) : nil
    }

    /// ASCII and no CR: each byte is then one `Character` (only "\r\n" joins two ASCII bytes).
    private static func isPlainASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 < 0x80 && $0 != 0x0D }
    }

    public var description: String { pattern }

    /// Whether `text` matches. Linear-time two-pointer match with backtracking to the last `*`,
    /// so a hostile pattern cannot make evaluation exponential.
    public func matches(_ text: String) -> Bool {
        if let asciiBytes, Self.isPlainASCII(text) {
            var text = text
            return text.withUTF8 { Self.matches(asciiBytes, $0, star: UInt8(ascii: "*"), any: UInt8(ascii: "?")) }
        }
        return Self.matches(characters, Array(text), star: "*", any: "?")
    }

    private static func matches<C: RandomAccessCollection>(_ characters: [C.Element], _ input: C, star: C.Element, any: C.Element) -> Bool
    where C.Element: Equatable, C.Index == Int {
        var p = 0, t = input.startIndex
        var starPattern = -1, starText = input.startIndex
        while t < input.endIndex {
            if p < characters.count, characters[p] == any || characters[p] == input[t] {
                p += 1
                t += 1
            } else if p < characters.count, characters[p] == star {
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
        while p < characters.count, characters[p] == star { p += 1 }
        return p == characters.count
    }
}
