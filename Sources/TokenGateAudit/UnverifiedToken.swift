// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// The claims of a JWT read WITHOUT checking its signature, for `tokengate audit trace`.
///
/// Tracing answers "where did this token come from?" for a token found in a log or a leak report;
/// it must work on expired tokens and without the issuer's keys. Nothing read here is trusted: the
/// answer comes from the audit trail, found by the token's `jti`, and the trail's record is what
/// was true when TokenGate issued it. The size is bounded so a pasted file cannot exhaust memory.
public struct UnverifiedToken: Sendable {
    public static let maxLength = 64 * 1024
    public let claims: JSONDocument
    public let header: JSONDocument

    public init(_ text: String) throws {
        let token = text.trimmingSpaces()
        guard token.utf8.count <= Self.maxLength else {
            throw AuditError(.badQuery, "the token is longer than \(Self.maxLength) bytes; pass one JWT")
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 || parts.count == 5 else {
            throw AuditError(.badQuery, "not a JWT: expected header.payload.signature (three base64url parts separated by dots)")
        }
        guard parts.count == 3 else {
            throw AuditError(.badQuery, "this is an encrypted JWT (JWE); audit trace reads signed tokens (JWS) only")
        }
        do {
            header = try JSONDocument.parse(Base64.decodeURL(parts[0]))
            claims = try JSONDocument.parse(Base64.decodeURL(parts[1]))
        } catch {
            throw AuditError(.badQuery, "not a JWT: its header or payload is not base64url-encoded JSON (\(error))")
        }
        guard claims.rootNode.isObject else { throw AuditError(.badQuery, "not a JWT: the payload is not a JSON object") }
    }

    public var jti: String? { claims.rootNode["jti"]?.string }
    public var issuer: String? { claims.rootNode["iss"]?.string }
    public var subject: String? { claims.rootNode["sub"]?.string }

    /// `aud` as a list (a JWT may carry one string or an array).
    public var audiences: [String] {
        guard let aud = claims.rootNode["aud"] else { return [] }
        if let one = aud.string { return [one] }
        return aud.elements.compactMap(\.string)
    }

    public var expiresAt: AuditTime? { claims.rootNode["exp"]?.int.map { AuditTime(seconds: $0) } }
    public var issuedAt: AuditTime? { claims.rootNode["iat"]?.int.map { AuditTime(seconds: $0) } }

    /// The pod named in a Kubernetes projected token (`kubernetes.io.pod.name`), if any.
    public var kubernetesPod: String? {
        claims.rootNode.at(JSONPointer(tokens: ["kubernetes.io", "pod", "name"]))?.string
    }
}
