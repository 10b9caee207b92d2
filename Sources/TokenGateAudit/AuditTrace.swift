// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// The answer to "which pod did this token come from?": the token's issuance record and every
/// other exchange made with the same source (projected ServiceAccount) token.
public struct AuditTrace: Sendable {
    public let token: UnverifiedToken
    /// The exchange that issued this token (found by its `jti`), if TokenGate issued it.
    public let issuance: AuditEvent?
    /// Every exchange that presented the same source token, this one included, newest first.
    public let sameSource: [AuditEvent]
    /// When the token is itself a source token: the exchanges that presented it.
    public let issuedFromThis: [AuditEvent]

    /// Looks the token up in `store`.
    /// - Throws: ``AuditError`` when the token has no `jti` or the store fails.
    public init(token: UnverifiedToken, store: any AuditStore) throws {
        guard let jti = token.jti, !jti.isEmpty else {
            throw AuditError(.badQuery, "the token has no jti claim, so no audit record can name it "
                + "(tokens TokenGate issues always have one; Kubernetes adds it from 1.30)")
        }
        self.token = token
        var byIssued = AuditQuery(limit: nil)
        byIssued.issuedJTI = jti
        let issuance = try store.query(byIssued).first { $0.kind == .tokenExchange }
        self.issuance = issuance
        if let source = issuance?.subjectJTI {
            var bySource = AuditQuery(limit: nil)
            bySource.subjectJTI = source
            sameSource = try store.query(bySource)
        } else {
            sameSource = []
        }
        var fromThis = AuditQuery(limit: nil)
        fromThis.subjectJTI = jti
        issuedFromThis = try store.query(fromThis)
    }

    /// Human-readable report.
    public var text: String {
        var lines: [String] = ["Token (decoded, signature NOT verified):"]
        func row(_ label: String, _ value: String?) {
            if let value, !value.isEmpty { lines.append("  " + label.padding(16) + value) }
        }
        row("jti", token.jti)
        row("issuer", token.issuer)
        row("subject", token.subject)
        row("audience", token.audiences.joined(separator: ", "))
        row("issued at", token.issuedAt?.rfc3339Seconds)
        row("expires at", token.expiresAt?.rfc3339Seconds)
        lines.append("")
        if let event = issuance {
            lines.append("Issued by TokenGate at \(event.time.rfc3339Seconds) (audit event \(event.id)):")
            row("cluster", event.cluster)
            row("pod", Self.qualified(event.namespace, event.podName, uid: event.podUID))
            row("node", Self.qualified(nil, event.nodeName, uid: event.nodeUID))
            row("serviceaccount", Self.qualified(event.namespace, event.serviceAccountName, uid: event.serviceAccountUID))
            row("source token", event.subjectJTI.map { "jti \($0)" })
            row("audience", event.audience)
            row("expires at", event.expiresAt?.rfc3339Seconds)
            row("client", event.clientAddress)
            lines.append("")
            let others = sameSource.filter { $0.id != event.id }
            lines.append("Other exchanges with the same source token (\(others.count)):")
            lines += others.isEmpty ? ["  none"] : AuditTable.render(others, columns: AuditTable.exchangeColumns).map { "  " + $0 }
        } else if issuedFromThis.isEmpty {
            lines.append("No TokenGate issuance record has jti \(token.jti ?? ""): the token was not issued by the "
                + "TokenGate writing to this trail, or its record was pruned by retention.")
        }
        if !issuedFromThis.isEmpty {
            if issuance != nil { lines.append("") }
            lines.append("Tokens exchanged with this token as the source (\(issuedFromThis.count)):")
            lines += AuditTable.render(issuedFromThis, columns: AuditTable.exchangeColumns).map { "  " + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Machine-readable report.
    public var json: JSON {
        .object([
            ("token", .node(token.claims.rootNode)),
            ("issuance", issuance?.json ?? .null),
            ("sameSource", .array(sameSource.map(\.json))),
            ("issuedFromThis", .array(issuedFromThis.map(\.json))),
        ])
    }

    public static func qualified(_ namespace: String?, _ name: String?, uid: String?) -> String? {
        guard let name else { return nil }
        let base = namespace.map { "\($0)/\(name)" } ?? name
        return uid.map { "\(base) (uid \($0))" } ?? base
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
