// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// What the HTTP layer sends back for one exchange, plus the audit record to emit.
public struct ExchangeOutcome: Sendable {
    public let status: Int
    public let body: [UInt8]
    /// Always `Content-Type: application/json`, `Cache-Control: no-store`, `Pragma: no-cache`
    /// (RFC 6749 §5.1); `Retry-After` on 503.
    public let headers: [(name: String, value: String)]
    public let audit: ExchangeAuditRecord

    static func granted(_ token: IssuedToken, scopes: [String], ttl: Int64, audit: ExchangeAuditRecord) -> ExchangeOutcome {
        var members: [(String, JSON)] = [
            ("access_token", .string(token.compact)),
            ("issued_token_type", .string(token.type.uri)),
            ("token_type", .string(token.type.oauthTokenType)),
            ("expires_in", .int(ttl)),
        ]
        if !scopes.isEmpty { members.append(("scope", .string(scopes.joined(separator: " ")))) }
        return ExchangeOutcome(status: 200, body: JSON.object(members).serialized(), headers: baseHeaders, audit: audit)
    }

    static func refused(_ error: ExchangeError, audit: ExchangeAuditRecord) -> ExchangeOutcome {
        let body: JSON = ["error": .string(error.code.rawValue), "error_description": .string(error.clientDescription)]
        var headers = baseHeaders
        if error.code == .temporarilyUnavailable { headers.append(("Retry-After", "5")) }
        return ExchangeOutcome(status: error.code.httpStatus, body: body.serialized(), headers: headers, audit: audit)
    }

    static let baseHeaders: [(name: String, value: String)] = [
        ("Content-Type", "application/json"), ("Cache-Control", "no-store"), ("Pragma", "no-cache"),
    ]
}
