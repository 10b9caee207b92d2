// SPDX-License-Identifier: Apache-2.0
import TokenGateAudit

extension ReviewReader {
    /// What `tokengate audit trace` finds, for a pasted token (header.payload.signature) or a bare `jti`.
    /// - Throws: ``AuditError`` `.badQuery` for a token that cannot be decoded or has no `jti`.
    public func trace(_ input: String) throws -> ReviewTrace {
        let text = input.trimmingCharacters(in: " \t\r\n")
        var token: UnverifiedToken?
        let jti: String
        if text.contains(".") && text.split(separator: ".", omittingEmptySubsequences: false).count >= 3 {
            let decoded = try UnverifiedToken(text)
            guard let found = decoded.jti, !found.isEmpty else {
                throw AuditError(.badQuery, "the token has no jti claim, so no audit record can name it")
            }
            token = decoded
            jti = found
        } else {
            guard !text.isEmpty, text.utf8.count <= 256 else {
                throw AuditError(.badQuery, "paste a token (header.payload.signature) or a jti of at most 256 bytes")
            }
            jti = text
        }
        var byIssued = AuditQuery(limit: 1000)
        byIssued.issuedJTI = jti
        let issuance = try store.query(byIssued).first { $0.kind == .tokenExchange }
        var sameSource: [AuditEvent] = []
        if let source = issuance?.subjectJTI {
            var bySource = AuditQuery(limit: 1000)
            bySource.subjectJTI = source
            sameSource = try store.query(bySource)
        }
        var fromThis = AuditQuery(limit: 1000)
        fromThis.subjectJTI = jti
        return ReviewTrace(jti: jti, token: token, issuance: issuance, sameSource: sameSource,
                           issuedFromThis: try store.query(fromThis))
    }
}
