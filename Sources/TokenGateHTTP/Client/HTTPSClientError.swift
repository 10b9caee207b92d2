// SPDX-License-Identifier: Apache-2.0

/// Why an HTTPS call gave no usable response. The message names the endpoint and what failed
/// (refused, TLS verification, timeout), because it ends up in an operator's log line.
public struct HTTPSClientError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable, Equatable {
        /// DNS, refused, unreachable: nothing answered.
        case connect
        /// The TLS handshake failed (certificate not trusted, wrong name, protocol).
        case tls
        /// No complete response within the call's time budget.
        case timeout
        /// The server closed the connection before a complete response.
        case closed
        /// The response body exceeded the request's bound.
        case tooLarge
        /// The bytes were not HTTP/1.1, or the request could not be built.
        case invalid
    }

    public let code: Code
    public let message: String
    /// True when nothing of a response arrived; a stale keep-alive connection fails this way and
    /// the call may be retried on a fresh connection.
    public let beforeResponse: Bool

    public init(_ code: Code, _ message: String, beforeResponse: Bool = false) {
        self.code = code
        self.message = message
        self.beforeResponse = beforeResponse
    }

    public var description: String { message }
}
