// SPDX-License-Identifier: Apache-2.0

/// A problem with the audit trail, with a message that says what to do.
public struct AuditError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable, Equatable {
        /// The store cannot be reached now (connection refused, server down): retry later, spool meanwhile.
        case unavailable
        /// The store answered with an error for this statement.
        case statement
        /// The schema is newer than this binary or could not be migrated.
        case schema
        /// An event (spool line, import) is malformed.
        case badEvent
        /// A file (spool, database path) could not be used.
        case io
        /// A query argument is invalid.
        case badQuery
        /// A setting is malformed (a connection string libpq cannot parse): retrying cannot help.
        case configuration
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func badEvent(_ message: String) -> AuditError { AuditError(.badEvent, message) }
}
