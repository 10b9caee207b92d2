// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import NIOHTTP1
import TokenGateAdmission
import TokenGateHTTP

/// `POST /mutate` and `POST /validate`: hand the body to the ``AdmissionReviewHandler`` and log
/// one structured line per review; `observer` (the audit trail) sees every decision's record.
public enum AdmissionRoutes {
    public static func register(
        on router: inout Router, handler: any AdmissionReviewHandler, logger: Logger,
        observer: @escaping @Sendable (AdmissionRecord) -> Void = { _ in }
    ) {
        let parsers = EventLoopParsers()
        for endpoint in AdmissionEndpoint.allCases {
            router.add(.POST, "/\(endpoint.rawValue)", accepting: ["application/json"]) { request in
                let started = ContinuousClock.now
                // Borrowed, not copied: the review reads the body where the TLS layer decrypted it.
                let outcome = handler.review(request.body.readableBytesSpan, at: endpoint, parser: parsers.current)
                let latency = ContinuousClock.now - started
                log(outcome, endpoint: endpoint, latency: latency, request: request, logger: logger)
                if let record = outcome.record { observer(record) }
                return .json(HTTPResponseStatus(statusCode: outcome.httpStatus), outcome.body)
            }
        }
    }

    static func log(_ outcome: AdmissionOutcome, endpoint: AdmissionEndpoint, latency: Duration, request: ServerRequest, logger: Logger) {
        let client = request.remoteAddress?.ipAddress ?? "?"
        // Keys in ascending order: the JSON handler writes the line as they come (OrderedLogFields).
        guard let record = outcome.record else {
            logger.log(level: .info, "admission request refused") { fields in
                fields.add("client", client)
                fields.add("endpoint", endpoint.rawValue)
                fields.add("http.status", String(outcome.httpStatus))
                fields.add("latency_ms", String(format: latency.inSeconds * 1000))
            }
            return
        }
        logger.log(level: .info, "admission") { fields in
            fields.add("client", client)
            fields.add("decision", record.decision.rawValue)
            fields.add("dry_run", record.dryRun ? "true" : "false")
            fields.add("endpoint", endpoint.rawValue)
            fields.add("kind", record.kind)
            fields.add("latency_ms", String(format: latency.inSeconds * 1000))
            fields.add("name", record.name)
            fields.add("namespace", record.namespace)
            fields.add("operation", record.operation)
            fields.add("patch_ops", record.patchOperations > 0 ? String(record.patchOperations) : nil)
            fields.add("reason", record.reason.isEmpty ? nil : record.reason)
            fields.add("uid", record.uid)
        }
    }
}

extension String {
    /// Three decimals, without Foundation's formatter.
    init(format value: Double) {
        let thousandths = Int((value * 1000).rounded())
        let fraction = String(thousandths % 1000)
        self = "\(thousandths / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
