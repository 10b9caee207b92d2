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

    /// The RFC 8693 §2.2.1 answer, written in one pass (the bytes Jansson wrote before).
    static func granted(_ token: IssuedToken, scopes: [String], ttl: Int64, audit: ExchangeAuditRecord) -> ExchangeOutcome {
        var w = JSONWriter(into: [UInt8]())
        w.sink.reserveCapacity(token.compact.utf8.count + 160)
        w.object { w in
            w.key("access_token"); w.string(token.compact)
            w.key("issued_token_type"); w.string(token.type.uri)
            w.key("token_type"); w.string(token.type.oauthTokenType)
            w.key("expires_in"); w.int(ttl)
            if !scopes.isEmpty { w.key("scope"); w.string(scopes.joined(separator: " ")) }
        }
        return ExchangeOutcome(status: 200, body: w.sink, headers: baseHeaders, audit: audit)
    }

    static func refused(_ error: ExchangeError, audit: ExchangeAuditRecord) -> ExchangeOutcome {
        var w = JSONWriter(into: [UInt8]())
        w.object { w in
            w.key("error"); w.string(error.code.rawValue)
            w.key("error_description"); w.string(error.clientDescription)
        }
        var headers = baseHeaders
        if error.code == .temporarilyUnavailable { headers.append(("Retry-After", "5")) }
        return ExchangeOutcome(status: error.code.httpStatus, body: w.sink, headers: headers, audit: audit)
    }

    static let baseHeaders: [(name: String, value: String)] = [
        ("Content-Type", "application/json"), ("Cache-Control", "no-store"), ("Pragma", "no-cache"),
    ]
}
