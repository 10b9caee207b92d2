// SPDX-License-Identifier: Apache-2.0

/// Plain-text tables of events for people (`tokengate audit query` without `--format json`).
public enum AuditTable {
    public struct Column: Sendable {
        let title: String
        let value: @Sendable (AuditEvent) -> String
    }

    static let time = Column(title: "TIME") { $0.time.rfc3339Seconds }
    static let decision = Column(title: "DECISION") { $0.decision.rawValue }

    /// Columns for a mixed trail: one line per event, whatever its kind.
    public static let columns: [Column] = [
        time,
        Column(title: "KIND") { $0.kind == .tokenExchange ? "exchange" : $0.kind.rawValue },
        decision,
        Column(title: "NAMESPACE") { $0.namespace ?? "" },
        Column(title: "POD/OBJECT") { event in
            if let pod = event.podName { return pod }
            guard let name = event.objectName else { return "" }
            return event.resourceKind.map { "\($0)/\(name)" } ?? name
        },
        Column(title: "SERVICEACCOUNT") { $0.serviceAccountName ?? "" },
        Column(title: "AUDIENCE") { $0.audience ?? "" },
        Column(title: "ISSUED JTI") { $0.issuedJTI ?? "" },
        Column(title: "SOURCE JTI") { $0.subjectJTI ?? "" },
        Column(title: "REASON") { event in
            [event.reason, event.patchSummary].compactMap { $0 }.joined(separator: "; ")
        },
    ]

    /// Columns for a list of exchanges (trace).
    public static let exchangeColumns: [Column] = [
        time, decision,
        Column(title: "POD") { AuditTrace.qualified($0.namespace, $0.podName, uid: nil) ?? "" },
        Column(title: "AUDIENCE") { $0.audience ?? "" },
        Column(title: "ISSUED JTI") { $0.issuedJTI ?? "" },
        Column(title: "EXPIRES") { $0.expiresAt?.rfc3339Seconds ?? "" },
        Column(title: "CLIENT") { $0.clientAddress ?? "" },
        Column(title: "REASON") { $0.reason ?? "" },
    ]

    /// Header and one line per event, columns padded to their widest cell. Control characters in
    /// values (they come from clients) are shown escaped so they cannot forge lines or colours.
    public static func render(_ events: [AuditEvent], columns: [Column] = columns) -> [String] {
        let cells = events.map { event in columns.map { sanitize($0.value(event)) } }
        let widths = columns.indices.map { index in
            ([columns[index].title.count] + cells.map { $0[index].count }).max() ?? 0
        }
        func line(_ values: [String]) -> String {
            var text = ""
            for (index, value) in values.enumerated() {
                text += index == values.count - 1 ? value : value.padding(widths[index] + 2)
            }
            var trimmed = Substring(text)
            while trimmed.last == " " { trimmed.removeLast() }
            return String(trimmed)
        }
        return [line(columns.map(\.title))] + cells.map(line)
    }

    static func sanitize(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return value }
        var out = ""
        for scalar in value.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\x" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
