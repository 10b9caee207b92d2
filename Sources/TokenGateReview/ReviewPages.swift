// SPDX-License-Identifier: Apache-2.0
import Mustache
import TokenGateAudit
import TokenGateCrypto
import TokenGateJSON

/// Renders the review views: view-models from ``ReviewReader`` into HTML through the escaping
/// Mustache templates of ``ReviewTemplates``, and lists into CSV.
public struct ReviewPages: Sendable {
    public let reader: ReviewReader
    let library: MustacheLibrary
    /// The Content-Security-Policy every response carries: nothing may load, no script may run,
    /// the one stylesheet is allowed by its hash, forms only submit here, no page may frame this one.
    public let contentSecurityPolicy: String

    public init(reader: ReviewReader) throws {
        self.reader = reader
        var library = MustacheLibrary()
        for (name, text) in ReviewTemplates.all { try library.register(text, named: name) }
        self.library = library
        let hash = Base64.encode(SHA256.hash(ReviewTemplates.style))
        contentSecurityPolicy = "default-src 'none'; style-src 'sha256-\(hash)'; img-src 'none'; form-action 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'"
    }

    public enum View: String, CaseIterable, Sendable {
        case overview, coverage, pods, denials, trace

        var path: String { self == .overview ? "/" : "/\(rawValue)" }
        var label: String { self == .overview ? "Overview" : rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
    }

    // MARK: HTML views

    public func overview(_ filter: ReviewFilter) throws -> String {
        let model = try reader.overview(filter)
        let exchange = ReviewChart(model.exchanges, bucketMicros: model.bucketMicros, first: ["issued"])
        let admission = ReviewChart(model.admissions, bucketMicros: model.bucketMicros, first: ["projected", "denied"])
        let newest = model.keys.map(\.refreshedAt).max()
        var content: [String: Any] = [
            "from": model.from.rfc3339Seconds, "to": model.to.rfc3339Seconds,
            "bucket": model.bucketMicros == ReviewReader.hour ? "hour" : "day",
            "exchangeChart": exchange.context(title: "Token exchanges by outcome", id: "exchanges"),
            "admissionChart": admission.context(title: "Admission decisions", id: "admissions"),
            "keys": model.keys.map { key -> [String: Any] in
                ["kid": key.keyID, "issuer": key.issuer, "refreshed": key.refreshedAt.rfc3339Seconds,
                 "first": key.firstPublished?.rfc3339Seconds ?? "before the key history was kept",
                 "until": key.publishUntil.rfc3339Seconds, "current": key.refreshedAt == newest ? "yes" : "retired"]
            },
            "rotations": model.rotations.map { rotation -> [String: Any] in
                ["time": rotation.time.rfc3339Seconds, "issuer": rotation.issuer, "from": rotation.fromKeyID ?? "(unknown)",
                 "to": rotation.toKeyID]
            },
            "clusters": model.clusters.map { cluster -> [String: Any] in
                ["name": cluster.name.isEmpty ? "(none recorded)" : cluster.name,
                 "jwks": cluster.jwks?.succeededAt?.rfc3339Seconds ?? "none recorded",
                 "tokenReview": cluster.tokenReview?.succeededAt?.rfc3339Seconds ?? "none recorded",
                 "failures": [cluster.jwks, cluster.tokenReview].compactMap { $0 }.compactMap(Self.failure),
                 "lastGranted": cluster.lastGranted?.rfc3339Seconds ?? "not among the newest \(ReviewReader.grantWindow) grants",
                 "lastRefused": cluster.lastRefused?.rfc3339Seconds ?? "none", "refused": cluster.refused]
            },
        ]
        if let note = model.keysNote { content["keysNote"] = note }
        if let note = model.checksNote { content["checksNote"] = note }
        return page(.overview, "overview", title: "Overview", filter: filter, csv: nil, content: content)
    }

    /// A check's last failure for the clusters table, or nil when it never failed.
    static func failure(_ check: ClusterCheck) -> [String: Any]? {
        guard let time = check.failedAt else { return nil }
        let kind = check.kind == .jwks ? "JWKS" : "TokenReview"
        // A failure older than the last success is history; a newer one is the current state.
        let current = check.succeededAt.map { time > $0 } ?? true
        return ["kind": kind, "time": time.rfc3339Seconds, "reason": check.failure ?? "", "current": current]
    }

    public func coverage(_ filter: ReviewFilter, status: ReviewWorkload.Status?) throws -> String {
        let result = try reader.coverage(filter, status: status)
        var groups: [(String, [ReviewWorkload])] = []
        for row in result.rows {
            if groups.last?.0 == row.namespace { groups[groups.count - 1].1.append(row) } else { groups.append((row.namespace, [row])) }
        }
        let statuses: [(String?, String)] = [(nil, "all"), ("projected", "projected"), ("skipped", "skipped (static tokens)"), ("denied", "denied")]
        let content: [String: Any] = [
            "statuses": statuses.map { value, label -> [String: Any] in
                ["href": "/coverage?" + filter.queryString(["status": value, "page": nil]), "label": label,
                 "on": value == status?.rawValue]
            },
            "namespaces": groups.map { namespace, rows -> [String: Any] in
                ["name": namespace.isEmpty ? "(cluster-scoped)" : namespace, "rows": rows.map { row -> [String: Any] in
                    ["kind": row.kind, "name": row.name, "cluster": row.cluster, "status": row.status.rawValue,
                     "reason": row.reason, "lastSeen": row.lastSeen.rfc3339Seconds, "decisions": row.decisions]
                }]
            },
        ]
        let extra = status.map { ["status": $0.rawValue] } ?? [:]
        return page(.coverage, "coverage", title: "Coverage", filter: filter, extra: extra,
                    csv: "/coverage.csv", content: content, hasNext: result.hasNext)
    }

    public func pods(_ filter: ReviewFilter) throws -> String {
        let result = try reader.pods(filter)
        let content: [String: Any] = [
            "rows": result.rows.map { pod -> [String: Any] in
                ["name": pod.name, "namespace": pod.namespace, "uid": pod.uid, "node": pod.node,
                 "serviceAccount": pod.serviceAccount, "cluster": pod.cluster, "issued": pod.issued,
                 "audiences": pod.audiences.joined(separator: ", "), "lastIssued": pod.lastIssued?.rfc3339Seconds ?? "never",
                 "denied": pod.denied, "timeline": Self.timelineLink(uid: pod.uid, name: pod.name)]
            },
        ]
        return page(.pods, "pods", title: "Pods", filter: filter, csv: "/pods.csv", content: content, hasNext: result.hasNext)
    }

    public func timeline(podUID: String?, podName: String?, _ filter: ReviewFilter) throws -> String {
        let result = try reader.timeline(podUID: podUID, podName: podName, filter: filter)
        var content = Self.events(result.rows)
        content["pod"] = result.rows.first?.podName ?? podName ?? podUID ?? ""
        if let podUID, !podUID.isEmpty { content["uid"] = podUID }
        var extra: [String: String] = [:]
        if let podUID { extra["uid"] = podUID }
        if let podName { extra["name"] = podName }
        return page(.pods, "timeline", title: "Pod timeline", path: "/pod", filter: filter, extra: extra,
                    csv: "/pod.csv", content: content, hasNext: result.hasNext)
    }

    public func denials(_ filter: ReviewFilter) throws -> String {
        let groups = try reader.denialGroups(filter)
        let events = try reader.denials(filter)
        var content = Self.events(events.rows)
        content["groups"] = groups.rows.map { group -> [String: Any] in
            ["kind": group.kind == "token_exchange" ? "exchange" : group.kind, "reason": group.reason,
             "namespace": group.namespace, "serviceAccount": group.serviceAccount, "count": group.count,
             "last": group.last.rfc3339Seconds]
        }
        return page(.denials, "denials", title: "Denials", filter: filter, csv: "/denials.csv", content: content,
                    hasNext: events.hasNext || groups.hasNext)
    }

    public func trace(_ input: String?) -> String {
        var content: [String: Any] = ["query": input ?? ""]
        if let input, !input.isEmpty {
            do {
                let trace = try reader.trace(input)
                var result: [String: Any] = ["jti": trace.jti]
                if let token = trace.token {
                    let claims: [(String, String?)] = [
                        ("jti", token.jti), ("issuer", token.issuer), ("subject", token.subject),
                        ("audience", token.audiences.joined(separator: ", ")), ("issued at", token.issuedAt?.rfc3339Seconds),
                        ("expires at", token.expiresAt?.rfc3339Seconds), ("pod (claim)", token.kubernetesPod),
                    ]
                    result["token"] = ["claims": claims.compactMap { name, value in value.map { ["name": name, "value": $0] } }]
                }
                if let event = trace.issuance {
                    let fields: [(String, String?)] = [
                        ("time", event.time.rfc3339Seconds), ("audit event", event.id.text), ("cluster", event.cluster),
                        ("pod", AuditTrace.qualified(event.namespace, event.podName, uid: event.podUID)),
                        ("node", AuditTrace.qualified(nil, event.nodeName, uid: event.nodeUID)),
                        ("ServiceAccount", AuditTrace.qualified(event.namespace, event.serviceAccountName, uid: event.serviceAccountUID)),
                        ("source token", event.subjectJTI.map { "jti \($0)" }), ("audience", event.audience),
                        ("expires at", event.expiresAt?.rfc3339Seconds), ("client", event.clientAddress),
                    ]
                    var issuance: [String: Any] = [
                        "fields": fields.compactMap { name, value in value.map { ["name": name, "value": $0] } },
                    ]
                    if event.podName != nil || event.podUID != nil {
                        issuance["timeline"] = Self.timelineLink(uid: event.podUID ?? "", name: event.podName ?? "")
                    }
                    result["issuance"] = issuance
                }
                let siblings = trace.sameSource.filter { $0.id != trace.issuance?.id }
                result["siblingCount"] = siblings.count
                result["siblings"] = Self.events(siblings)
                result["hasFromThis"] = !trace.issuedFromThis.isEmpty
                result["fromThisCount"] = trace.issuedFromThis.count
                result["fromThis"] = Self.events(trace.issuedFromThis)
                content["result"] = result
            } catch let error as AuditError {
                content["error"] = error.message
            } catch {
                content["error"] = "\(error)"
            }
        }
        return page(.trace, "trace", title: "Trace a token", filter: nil, csv: nil, content: content)
    }
}
