// SPDX-License-Identifier: Apache-2.0

/// Text for an AdmissionReview denial and its warnings.
///
/// kubectl prints the message after its own prefix, so the message starts with the object and
/// continues with one problem per line:
///
/// ```text
/// Error from server (Invalid): error when creating "wf.yaml": admission webhook "validate.tokengate.io"
/// denied the request: Workflow openunison/k8s-delete would not load in OpenUnison (2 errors):
/// - spec.tasks[2].approvers[1].scope (line 14, column 7 of spec.tasks): "groups" is not allowed …
/// - spec.tasks[3].sync (line 20, column 11 of spec.tasks): expected a boolean, found the string "true" …
/// ```
///
/// Send it with `allowed: false`, `status.code` ``statusCode`` and `status.reason` ``reason``
/// (OpenUnison's own webhook leaves `allowed` out, which kubectl reports less clearly).
public enum DenialMessage {
    public static let statusCode = 422
    public static let reason = "Invalid"
    /// Errors listed in full; the rest are counted. Keeps the Status message a readable size.
    public static let maxListed = 20
    /// Kubernetes may truncate admission warnings longer than this.
    public static let maxWarningLength = 256

    /// The denial message for a report with errors.
    public static func message(kind: String, namespace: String?, name: String?, report: ValidationReport) -> String {
        let errors = report.errors
        let object = [namespace, name].compactMap { $0 }.joined(separator: "/")
        let what = kind == "Target" ? "would not work in OpenUnison" : "would not load in OpenUnison"
        var lines = ["\(kind)\(object.isEmpty ? "" : " " + object) \(what) (\(count(errors.count, "error"))):"]
        for error in errors.prefix(maxListed) {
            lines.append("- " + error.summary)
        }
        if errors.count > maxListed {
            lines.append("- … and \(errors.count - maxListed) more; run `tokengate lint` on the file to see them all")
        }
        return lines.joined(separator: "\n")
    }

    /// One line per warning, for the AdmissionReview response's `warnings`.
    public static func warnings(_ report: ValidationReport, limit: Int = maxListed) -> [String] {
        let warnings = report.warnings
        var lines = warnings.prefix(limit).map { shorten($0.summary) }
        if warnings.count > limit {
            lines.append("… and \(warnings.count - limit) more warnings; run `tokengate lint` to see them all")
        }
        return lines
    }

    private static func shorten(_ line: String) -> String {
        guard line.count > maxWarningLength else { return line }
        return String(line.prefix(maxWarningLength - 1)) + "…"
    }

    private static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }
}
