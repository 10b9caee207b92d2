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
        let latencyMS = String(format: latency.inSeconds * 1000)
        let client = request.remoteAddress?.ipAddress ?? "?"
        guard let record = outcome.record else {
            logger.info("admission request refused", metadata: [
                "endpoint": "\(endpoint.rawValue)", "http.status": "\(outcome.httpStatus)",
                "latency_ms": "\(latencyMS)", "client": "\(client)",
            ])
            return
        }
        var metadata: Logger.Metadata = [
            "endpoint": "\(endpoint.rawValue)", "uid": "\(record.uid)", "kind": "\(record.kind)",
            "operation": "\(record.operation)", "decision": "\(record.decision.rawValue)",
            "latency_ms": "\(latencyMS)", "dry_run": "\(record.dryRun)", "client": "\(client)",
        ]
        if let namespace = record.namespace { metadata["namespace"] = "\(namespace)" }
        if let name = record.name { metadata["name"] = "\(name)" }
        if !record.reason.isEmpty { metadata["reason"] = "\(record.reason)" }
        if record.patchOperations > 0 { metadata["patch_ops"] = "\(record.patchOperations)" }
        logger.info("admission", metadata: metadata)
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
