// SPDX-License-Identifier: Apache-2.0
import Mustache
import TokenGateAudit

/// The parts every view shares: links, event rows, and the layout around a view's template.
extension ReviewPages {
    static func timelineLink(uid: String, name: String) -> String {
        "/pod?" + (uid.isEmpty ? "name=" + FormQuery.encode(name) : "uid=" + FormQuery.encode(uid))
    }

    static func objectName(_ event: AuditEvent) -> String {
        if let pod = event.podName { return pod }
        guard let name = event.objectName else { return "" }
        return event.resourceKind.map { "\($0)/\(name)" } ?? name
    }

    static func reason(_ event: AuditEvent) -> String {
        [event.reason, event.patchSummary].compactMap { $0 }.joined(separator: "; ")
    }

    /// The `events` partial's context.
    static func events(_ events: [AuditEvent]) -> [String: Any] {
        ["events": events.map { event -> [String: Any] in
            var row: [String: Any] = [
                "time": event.time.rfc3339Seconds, "kind": event.kind == .tokenExchange ? "exchange" : event.kind.rawValue,
                "decision": event.decision.rawValue,
                "decisionClass": event.decision == .denied ? "denied" : event.decision == .allowed ? "skipped" : "projected",
                "cluster": event.cluster ?? "", "namespace": event.namespace ?? "", "object": objectName(event),
                "serviceAccount": event.serviceAccountName ?? "", "audience": event.audience ?? "",
                "issuedJTI": event.issuedJTI ?? "", "subjectJTI": event.subjectJTI ?? "", "reason": reason(event),
            ]
            if let jti = event.issuedJTI { row["issuedLink"] = "/trace?q=" + FormQuery.encode(jti) }
            return row
        }]
    }

    func page(
        _ view: View, _ template: String, title: String, path: String? = nil, filter: ReviewFilter?,
        extra: [String: String] = [:], csv: String?, content: [String: Any], hasNext: Bool = false
    ) -> String {
        let path = path ?? view.path
        var context = content
        context["title"] = title
        context["style"] = ReviewTemplates.style
        context["store"] = reader.store.kindName
        context["nav"] = View.allCases.map { ["href": $0.path, "label": $0.label, "on": $0 == view] as [String: Any] }
        if let filter {
            let extraChanges = extra.mapValues { Optional($0) }
            var form: [String: Any] = [
                "path": path, "cluster": filter.cluster ?? "", "namespace": filter.namespace ?? "",
                "sa": filter.serviceAccount ?? "", "since": filter.sinceText, "until": filter.untilText,
                "extra": extra.sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value] },
            ]
            if let csv { form["csv"] = csv + "?" + filter.queryString(extraChanges.merging(["page": nil]) { $1 }) }
            context["filterForm"] = form
            context["problems"] = filter.problems
            if filter.page > 0 || hasNext {
                var pager: [String: Any] = [:]
                if filter.page > 0 {
                    pager["previous"] = path + "?" + filter.queryString(extraChanges.merging(["page": String(filter.page - 1)]) { $1 })
                }
                if hasNext {
                    pager["next"] = path + "?" + filter.queryString(extraChanges.merging(["page": String(filter.page + 1)]) { $1 })
                }
                context["pager"] = pager
            }
        }
        var library = library
        library.register(library.getTemplate(named: template)!, named: "content")
        return library.render(context, withTemplate: "layout") ?? ""
    }
}
