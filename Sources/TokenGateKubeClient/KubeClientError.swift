// SPDX-License-Identifier: Apache-2.0

/// Why a call to the Kubernetes API server did not give an answer TokenGate can use.
public struct KubeClientError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable, Equatable {
        /// The endpoint or credentials are misconfigured: fix the configuration.
        case configuration
        /// The API server could not be reached, timed out, or answered 5xx/429: try again later.
        case unavailable
        /// 401/403: TokenGate's ServiceAccount lacks the RBAC it needs.
        case forbidden
        /// The API server answered something TokenGate cannot decode.
        case badResponse
    }

    public let code: Code
    public let message: String

    public var description: String { message }

    public static func configuration(_ message: String) -> Self { .init(code: .configuration, message: message) }
    public static func unavailable(_ message: String) -> Self { .init(code: .unavailable, message: message) }
    public static func forbidden(_ message: String) -> Self { .init(code: .forbidden, message: message) }
    public static func badResponse(_ message: String) -> Self { .init(code: .badResponse, message: message) }
}
