// SPDX-License-Identifier: Apache-2.0

/// A JSON problem, with a message that says what was wrong and where.
///
/// Parse errors carry the line, column and byte offset Jansson reports, so a client that sent a
/// malformed AdmissionReview learns exactly where its body broke.
public struct JSONError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable, Equatable {
        case syntax, duplicateKey, tooDeep, tooLarge, notAnObject, pointer, patch, base64, encoding
    }
    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
