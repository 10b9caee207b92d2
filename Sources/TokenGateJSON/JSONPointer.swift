// SPDX-License-Identifier: Apache-2.0

/// An RFC 6901 JSON Pointer: a list of reference tokens, written `/a/b~1c` (`~1` is `/`, `~0` is `~`).
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var tokens: [String]

    public init(tokens: [String] = []) { self.tokens = tokens }

    /// Parses `text`; it must be empty (the whole document) or start with `/`.
    public init(parsing text: String) throws {
        if text.isEmpty { self.tokens = []; return }
        guard text.hasPrefix("/") else {
            throw JSONError(.pointer, "JSON pointer \"\(text)\" must be empty or start with \"/\"")
        }
        var tokens: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var iterator = raw.makeIterator()
            while let character = iterator.next() {
                guard character == "~" else { token.append(character); continue }
                switch iterator.next() {
                case "0": token.append("~")
                case "1": token.append("/")
                default: throw JSONError(.pointer, "JSON pointer \"\(text)\" has \"~\" not followed by 0 or 1")
                }
            }
            tokens.append(token)
        }
        self.tokens = tokens
    }

    /// For literals in code; a malformed literal is a programming error caught by tests.
    public init(stringLiteral value: String) {
        do { try self.init(parsing: value) } catch { preconditionFailure("bad JSON pointer literal \(value)") }
    }

    public static func escape(_ token: String) -> String {
        guard token.contains("~") || token.contains("/") else { return token }
        return token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
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

import Foundation // replacingOccurrences
