// SPDX-License-Identifier: Apache-2.0

/// An RFC 6901 JSON Pointer: a list of reference tokens, written `/a/b~1c` (`~1` is `/`, `~0` is `~`).
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var tokens: [String]

    public init(tokens: [String] = []) { self.tokens = tokens }

    /// Parses `text`; it must be empty (the whole document) or start with `/`.
    public init(parsing text: String) throws {
        if text.isEmpty { self.tokens = []; return }
        guard text.unicodeScalars.first == "/" else {
            throw JSONError(.pointer, "JSON pointer \"\(text)\" must be empty or start with \"/\"")
        }
        // Work on Unicode scalars, not Characters: a "/" or "~" followed by a combining mark would
        // otherwise merge into one grapheme and escape the split.
        var tokens: [String] = []
        var token = String.UnicodeScalarView()
        var iterator = text.unicodeScalars.dropFirst().makeIterator()
        while let scalar = iterator.next() {
            switch scalar {
            case "/":
                tokens.append(String(token))
                token = String.UnicodeScalarView()
            case "~":
                switch iterator.next() {
                case "0": token.append("~")
                case "1": token.append("/")
                default: throw JSONError(.pointer, "JSON pointer \"\(text)\" has \"~\" not followed by 0 or 1")
                }
            default:
                token.append(scalar)
            }
        }
        tokens.append(String(token))
        self.tokens = tokens
    }

    /// For literals in code; a malformed literal is a programming error caught by tests.
    public init(stringLiteral value: String) {
        do { try self.init(parsing: value) } catch { preconditionFailure("bad JSON pointer literal \(value)") }
    }

    /// Escapes one reference token: `~` becomes `~0` first, then `/` becomes `~1` (RFC 6901 §3).
    public static func escape(_ token: String) -> String {
        guard token.unicodeScalars.contains(where: { $0 == "~" || $0 == "/" }) else { return token }
        var out = String.UnicodeScalarView()
        for scalar in token.unicodeScalars {
            switch scalar {
            case "~": out.append(contentsOf: "~0".unicodeScalars)
            case "/": out.append(contentsOf: "~1".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    public var description: String { tokens.map { "/" + Self.escape($0) }.joined() }

    public func appending(_ token: String) -> JSONPointer { JSONPointer(tokens: tokens + [token]) }
    public func appending(_ index: Int) -> JSONPointer { JSONPointer(tokens: tokens + [String(index)]) }
    /// `-`: the position after the last array element (RFC 6902 `add`).
    public func appendingEnd() -> JSONPointer { JSONPointer(tokens: tokens + ["-"]) }
    public static func / (lhs: JSONPointer, rhs: String) -> JSONPointer { lhs.appending(rhs) }
    public static func / (lhs: JSONPointer, rhs: Int) -> JSONPointer { lhs.appending(rhs) }

    public var parent: JSONPointer? { tokens.isEmpty ? nil : JSONPointer(tokens: Array(tokens.dropLast())) }
    public var lastToken: String? { tokens.last }

    /// An RFC 6901 array index: `0` or digits without a leading zero.
    static func arrayIndex(_ token: String) -> Int? {
        guard !token.isEmpty, token.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              token == "0" || !token.hasPrefix("0") else { return nil }
        return Int(token)
    }
}
