// SPDX-License-Identifier: Apache-2.0
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import TokenGateBroker
import TokenGateCrypto
import TokenGateHTTP
import TokenGateJSON

/// The broker's HTTP face: `POST <tokenPath>` (RFC 8693), `GET /.well-known/openid-configuration`
/// and `GET /keys` (the broker as an OIDC issuer for other clusters).
///
/// The routes are fixed when the server starts (the router is immutable while serving): a config
/// reload changes clusters, policy and keys, but a new `tokenPath` or issuer path takes a restart.
public enum BrokerRoutes {
    public static let formMediaType = "application/x-www-form-urlencoded"
    /// Relying parties (kube-apiserver's OIDC authenticator, kube-oidc-proxy) refetch on an unknown
    /// `kid` anyway; a short max-age keeps a rotated key visible within a minute for the rest.
    static let publicCacheControl = "public, max-age=60"

    /// Adds the three routes. `observer` sees every exchange's audit record (log, audit trail).
    public static func register(
        on router: inout Router, exchange: TokenExchange, metrics: BrokerMetrics, logger: Logger,
        observer: @escaping @Sendable (ExchangeAuditRecord) -> Void = { _ in }
    ) {
        let settings = exchange.settings
        typealias Outcome = (status: Int, headers: [(name: String, value: String)], body: [UInt8], audit: ExchangeAuditRecord)
        /// Everything after the exchange itself, the same whichever path answered.
        @Sendable func answer(_ outcome: Outcome, started: ContinuousClock.Instant) -> ServerResponse {
            metrics.exchangeFinished(outcome: outcome.audit.decision.rawValue, reason: outcome.audit.reason)
            ExchangeLog.log(outcome.audit, status: outcome.status, latency: ContinuousClock.now - started, logger: logger)
            observer(outcome.audit)
            var headers = HTTPHeaders()
            headers.reserveCapacity(outcome.headers.count + 2)  // the server adds content-length (and connection)
            for (name, value) in outcome.headers { headers.add(name: name, value: value) }
            var body = ByteBuffer()
            body.reserveCapacity(outcome.body.count)  // one allocation of the right size
            body.writeBytes(outcome.body)
            return ServerResponse(status: HTTPResponseStatus(statusCode: outcome.status), headers: headers, body: body)
        }
        @Sendable func isForm(_ request: ServerRequest) -> Bool {
            ContentType.matches(request.headers.first(name: "content-type"), anyOf: [formMediaType])
        }
        // Tried on the event loop first: with the cluster's keys loaded and the TokenReview answer
        // cached (and no Pod GET), the exchange needs nothing it must wait for, and answering
        // inline saves the task and its thread hops. Otherwise the same request runs in a task.
        router.add(.POST, settings.tokenPath, immediately: { request in
            let started = ContinuousClock.now
            let client = clientAddress(request.remoteAddress)
            guard isForm(request) else { return answer(unsupportedMediaType(client: client), started: started) }
            guard let result = exchange.exchangeIfReady(form: Array(request.body.readableBytesView), clientAddress: client) else {
                return nil
            }
            return answer((result.status, result.headers, result.body, result.audit), started: started)
        }, otherwise: { request in
            let started = ContinuousClock.now
            let client = clientAddress(request.remoteAddress)
            guard isForm(request) else { return answer(unsupportedMediaType(client: client), started: started) }
            let result = await exchange.exchange(form: Array(request.body.readableBytesView), clientAddress: client)
            return answer((result.status, result.headers, result.body, result.audit), started: started)
        })
        for path in metadataPaths(issuer: settings.issuer, suffix: "/.well-known/openid-configuration") {
            router.add(.GET, path) { _ in
                var response = ServerResponse.json(.ok, exchange.discoveryDocument().serialized())
                response.headers.add(name: "cache-control", value: publicCacheControl)
                return response
            }
        }
        for path in metadataPaths(issuer: settings.issuer, suffix: "/keys") {
            router.add(.GET, path) { _ in
                do throws(KeyError) {
                    var response = ServerResponse.json(.ok, try exchange.jwksDocument().serialized())
                    response.headers.replaceOrAdd(name: "content-type", value: "application/jwk-set+json")
                    response.headers.add(name: "cache-control", value: publicCacheControl)
                    return response
                } catch {
                    logger.error("cannot publish the signing keys", metadata: ["error": "\(error.message)"])
                    return .failure(.internalServerError, reason: "InternalError", message: "the signing keys cannot be published; see the server log")
                }
            }
        }
    }

    /// `/keys` and `/.well-known/openid-configuration`, plus the same under the issuer's path when
    /// it has one (`https://host/tokengate` publishes `/tokengate/keys`), so discovery by the
    /// book and a proxy that strips the prefix both work.
    static func metadataPaths(issuer: String, suffix: String) -> [String] {
        var prefix = URLComponents(string: issuer)?.percentEncodedPath ?? ""
        while prefix.hasSuffix("/") { prefix.removeLast() }
        return prefix.isEmpty ? [suffix] : [suffix, prefix + suffix]
    }

    static func clientAddress(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress else { return "unknown" }
        let port = address.port.map(String.init) ?? "0"
        // Looked for as a byte: with Foundation imported, `contains(":")` would bridge to NSString on every request.
        return ip.utf8.contains(UInt8(ascii: ":")) ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    /// RFC 6749 §3.2: the token endpoint takes form posts only; said in the OAuth error shape so
    /// an OAuth client library shows it.
    static func unsupportedMediaType(client: String) -> (status: Int, headers: [(name: String, value: String)], body: [UInt8], audit: ExchangeAuditRecord) {
        var audit = ExchangeAuditRecord(time: Int64(Date().timeIntervalSince1970), clientAddress: client)
        audit.decision = .denied
        audit.reason = "unsupported_media_type"
        audit.error = "invalid_request"
        let body: JSON = [
            "error": "invalid_request",
            "error_description": .string("send the token request as content-type \(formMediaType) (RFC 8693 §2.1)"),
        ]
        let headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"), ("Cache-Control", "no-store"), ("Pragma", "no-cache"),
        ]
        return (415, headers, body.serialized(), audit)
    }
}
