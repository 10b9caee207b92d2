// SPDX-License-Identifier: Apache-2.0

/// Why an exchange was refused, in three registers:
///
/// * ``code`` and ``description`` go to the client (RFC 6749 §5.2 `error` and
///   `error_description`). The description says what is wrong with *the request* and what to do,
///   and never names internal hosts, keys or API errors.
/// * ``reason`` is a stable machine word for metrics and audit (`expired`, `pod_uid_mismatch`).
/// * ``detail`` is for the operator's log and audit record only (the API server's error text,
///   the JWKS URL that failed).
public struct ExchangeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        case invalidRequest = "invalid_request"
        case invalidTarget = "invalid_target"
        case invalidScope = "invalid_scope"
        case unsupportedGrantType = "unsupported_grant_type"
        case temporarilyUnavailable = "temporarily_unavailable"
        case serverError = "server_error"

        /// 400 for request problems; 503 when a cluster could not be asked; 500 for the broker's own faults.
        public var httpStatus: Int {
            switch self {
            case .temporarilyUnavailable: 503
            case .serverError: 500
            default: 400
            }
        }
    }

    public let code: Code
    public let clientDescription: String
    public let reason: String
    public let detail: String?

    public init(_ code: Code, reason: String, _ clientDescription: String, detail: String? = nil) {
        self.code = code
        self.reason = reason
        self.clientDescription = clientDescription
        self.detail = detail
    }

    public var description: String {
        "\(code.rawValue) [\(reason)]: \(clientDescription)" + (detail.map { " (\($0))" } ?? "")
    }

    /// A subject-token problem: always `invalid_request` (RFC 8693 §2.2.2, not `invalid_grant`).
    static func subject(_ reason: String, _ description: String, detail: String? = nil) -> ExchangeError {
        ExchangeError(.invalidRequest, reason: reason, description, detail: detail)
    }

    /// A cluster dependency could not be asked; the client should retry.
    static func unavailable(_ error: UpstreamUnavailable) -> ExchangeError {
        ExchangeError(.temporarilyUnavailable, reason: "\(error.service.rawValue)_unavailable",
                      "the broker cannot check the subject token with its cluster right now; retry shortly",
                      detail: error.description)
    }
}
