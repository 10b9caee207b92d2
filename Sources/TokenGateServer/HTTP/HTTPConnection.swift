// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import NIOHTTP1

/// Serves the requests of one connection, in order, in the connection's own task (so route
/// handlers never run on the event loop).
///
/// Requests are answered one after another; NIO's `HTTPServerPipelineHandler` holds back a
/// pipelined request until the previous response is written, so responses keep request order.
/// Limits are checked as early as possible: the route, method, content type and a declared
/// `content-length` when the head arrives; the running body size as it streams in.
struct HTTPConnection: Sendable {
    typealias Channel = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    let router: Router
    let limits: HTTPLimits
    let metrics: ServerMetrics
    let logger: Logger
    /// True once the server drains: responses then carry `connection: close`.
    let isDraining: @Sendable () -> Bool

    /// What to do with the request whose head was just read.
    private struct InProgress {
        var head: HTTPRequestHead
        var route: Route?
        /// A refusal decided from the head (404/405/415), sent once the body has been read so
        /// the connection stays usable.
        var refusal: ServerResponse?
        var routeLabel: String
        var body: ByteBuffer
        var bodyBytes = 0
        var started: ContinuousClock.Instant
    }

    func serve(_ connection: Channel) async {
        let remote = connection.channel.remoteAddress
        do {
            try await connection.executeThenClose { inbound, outbound in
                var current: InProgress?
                /// After an early answer (413, or a refusal to `Expect: 100-continue`) the rest
                /// of the request is read and dropped, up to a bound, so the client sees the
                /// answer instead of a reset; then the connection closes.
                var discarding: Int?
                for try await part in inbound {
                    if var dropped = discarding {
                        switch part {
                        case .head, .end: return
                        case .body(let chunk):
                            dropped += chunk.readableBytes
                            if dropped > 4 * limits.maxBodyBytes { return }
                            discarding = dropped
                        }
                        continue
                    }
                    switch part {
                    case .head(let head):
                        var request = begin(head)
                        if let early = earlyAnswer(for: &request) {
                            try await send(early, for: request, close: true, outbound: outbound)
                            discarding = 0
                        } else {
                            if expectsContinue(head) {
                                try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: .continue)))
                            }
                            current = request
                        }
                    case .body(var chunk):
                        guard var request = current else { continue }
                        current = nil  // `request` must hold the only reference, or appending copies the body
                        request.bodyBytes += chunk.readableBytes
                        if request.bodyBytes > limits.maxBodyBytes {
                            try await send(tooLarge(), for: request, close: true, outbound: outbound)
                            current = nil
                            discarding = request.bodyBytes
                            continue
                        }
                        if request.refusal == nil { request.body.writeBuffer(&chunk) }
                        current = request
                    case .end:
                        guard let request = current else { continue }
                        current = nil
                        let response: ServerResponse
                        if let refusal = request.refusal {
                            response = refusal
                        } else if let route = request.route {
                            response = await route.handler(ServerRequest(head: request.head, body: request.body, remoteAddress: remote))
                        } else {
                            response = .failure(.internalServerError, reason: "InternalError", message: "no route")
                        }
                        let close = !request.head.isKeepAlive || isDraining()
                        try await send(response, for: request, close: close, outbound: outbound)
                        if close { return }
                    }
                }
            }
        } catch {
            logger.debug("connection ended with an error", metadata: ["error": "\(error)", "client": "\(remote.map { "\($0)" } ?? "?")"])
        }
    }

    private func begin(_ head: HTTPRequestHead) -> InProgress {
        metrics.requestStarted()
        let path = ServerRequest.split(head.uri).path
        var request = InProgress(head: head, route: nil, refusal: nil, routeLabel: "unmatched", body: ByteBuffer(), started: .now)
        switch router.match(method: head.method, path: path) {
        case .notFound:
            request.refusal = .failure(.notFound, reason: "NotFound", message: "no endpoint at \(Self.printable(path))")
        case .methodNotAllowed(let allowed):
            request.routeLabel = path
            var refusal = ServerResponse.failure(
                .methodNotAllowed, reason: "MethodNotAllowed",
                message: "\(head.method.rawValue) is not allowed on \(path); use \(allowed.map(\.rawValue).joined(separator: ", "))")
            refusal.headers.add(name: "allow", value: allowed.map(\.rawValue).joined(separator: ", "))
            request.refusal = refusal
        case .found(let route):
            request.routeLabel = route.path
            request.route = route
            if let accepted = route.acceptedContentTypes, !ContentType.matches(head.headers.first(name: "content-type"), anyOf: accepted) {
                let sent = head.headers.first(name: "content-type").map { "'\(Self.printable($0))'" } ?? "none"
                request.refusal = .failure(
                    .unsupportedMediaType, reason: "UnsupportedMediaType",
                    message: "\(path) accepts content-type \(accepted.joined(separator: " or ")), got \(sent)")
            }
        }
        if let declared = head.headers.first(name: "content-length").flatMap(Int.init), declared > 0, declared <= limits.maxBodyBytes,
            request.refusal == nil
        {
            request.body.reserveCapacity(declared)
        }
        return request
    }

    /// An answer that cannot wait for the body: a declared body over the limit, or a refused
    /// request whose client waits for `100 Continue` before sending its body.
    private func earlyAnswer(for request: inout InProgress) -> ServerResponse? {
        if let declared = request.head.headers.first(name: "content-length").flatMap(Int.init), declared > limits.maxBodyBytes {
            return tooLarge()
        }
        if let refusal = request.refusal, expectsContinue(request.head) { return refusal }
        return nil
    }

    private func tooLarge() -> ServerResponse {
        .failure(.payloadTooLarge, reason: "RequestEntityTooLarge", message: "request body exceeds \(limits.maxBodyBytes) bytes")
    }

    private func expectsContinue(_ head: HTTPRequestHead) -> Bool {
        head.headers.first(name: "expect")?.lowercased() == "100-continue"
    }

    private func send(_ response: ServerResponse, for request: InProgress, close: Bool, outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws {
        var headers = response.headers
        headers.replaceOrAdd(name: "content-length", value: String(response.body.readableBytes))
        if close {
            headers.replaceOrAdd(name: "connection", value: "close")
        } else if request.head.version == .http1_0 {
            headers.replaceOrAdd(name: "connection", value: "keep-alive")
        }
        let head = HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)
        let seconds = (ContinuousClock.now - request.started).inSeconds
        metrics.requestFinished(route: request.routeLabel, method: request.head.method.rawValue, code: Int(response.status.code), seconds: seconds)
        if logger.logLevel <= .debug {
            logger.debug("request", metadata: [
                "http.method": "\(request.head.method.rawValue)", "http.route": "\(request.routeLabel)",
                "http.status": "\(response.status.code)", "duration_ms": "\(Int(seconds * 1000))",
            ])
        }
        try await outbound.write(contentsOf: [.head(head), .body(.byteBuffer(response.body)), .end(nil)])
    }

    /// Paths and headers come from the client: keep them short and printable in messages.
    static func printable(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.prefix(200).map { $0.value >= 0x20 && $0.value < 0x7f ? Character($0) : "?" })
        return text.unicodeScalars.count > 200 ? cleaned + "…" : cleaned
    }
}

extension Duration {
    /// The duration as fractional seconds, for metrics and logs.
    var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
