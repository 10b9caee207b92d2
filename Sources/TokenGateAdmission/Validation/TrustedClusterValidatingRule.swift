// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON
import TokenGateWorkflow

/// `POST /validate` for `tokengate.io` `TrustedCluster` objects: what the CRD's schema cannot say
/// (a CA bundle that is not PEM, an issuer another cluster already uses, a `jwksURL` on another
/// host with `verify: jwks`, an `apiServer` without `auth.selfIssued`), denied on CREATE and
/// UPDATE with the field path, what is wrong and the fix.
///
/// `issuersInUse` is asked on every review: the clusters of the config file and of the other
/// resources the server watches (empty when `broker.clusterResources` is off).
public struct TrustedClusterValidatingRule: ValidatingRule {
    public let name = "trustedcluster"
    private let issuersInUse: @Sendable () -> [String: String]

    public init(issuersInUse: @escaping @Sendable () -> [String: String] = { [:] }) {
        self.issuersInUse = issuersInUse
    }

    public func validate(_ request: AdmissionRequest) -> ValidationVerdict {
        guard request.operation == "CREATE" || request.operation == "UPDATE",
              request.subResource == nil || request.subResource == "",
              let object = request.object,
              let apiVersion = object["apiVersion"]?.string, let kind = object["kind"]?.string,
              TrustedClusterValidator.matches(apiVersion: apiVersion, kind: kind)
        else { return .allow }
        let (report, _) = TrustedClusterValidator(issuersInUse: issuersInUse()).validate(object: SpecValue(object))
        let warnings = DenialMessage.warnings(report)
        guard !report.isAllowed else { return ValidationVerdict(warnings: warnings) }
        let name = object["metadata"]?["name"]?.string ?? request.name ?? ""
        let errors = report.errors
        var lines = ["TrustedCluster \(name) is invalid (\(errors.count) error\(errors.count == 1 ? "" : "s")):"]
        lines += errors.prefix(DenialMessage.maxListed).map { "- " + $0.summary }
        if errors.count > DenialMessage.maxListed {
            lines.append("- … and \(errors.count - DenialMessage.maxListed) more; run `tokengate lint` on the file to see them all")
        }
        return ValidationVerdict(denial: .invalid(lines.joined(separator: "\n")), warnings: warnings,
                                 auditAnnotations: [(key: "trustedcluster-errors", value: String(errors.count))])
    }

    /// The same rules for an object read from the API (the watcher): report, and the spec when valid.
    public static func check(object: JSONView.Value, issuersInUse: [String: String]) -> (report: ValidationReport, spec: TrustedClusterSpec?) {
        TrustedClusterValidator(issuersInUse: issuersInUse).validate(object: SpecValue(object))
    }
}
