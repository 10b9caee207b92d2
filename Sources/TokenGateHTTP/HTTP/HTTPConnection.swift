// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import NIOHTTP1

/// Serves the requests of one connection, in order, on the connection's event loop.
///
/// An ``RouteHandler/immediate(_:)`` route is answered inside `channelRead` of the request's last
/// part: no task, no thread hop, the response written straight into the pipeline. A
/// ``RouteHandler/waiting(_:)`` route runs in a task that prefers this event loop as executor;
/// its answer is written back on the loop. An ``RouteHandler/immediateOrWaiting(now:otherwise:)``
/// route is tried inline and goes to a task only when the inline attempt gives no answer. NIO's
/// `HTTPServerPipelineHandler` (before this one) holds back a pipelined request until the previous
/// response is written, so responses keep request order and at most one request is in flight here.
///
/// Limits are checked as early as possible: the route, method, content type and a declared
/// `content-length` when the head arrives; the running body size as it streams in.
final class HTTPConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// What every connection of one server shares.
    struct Shared: Sendable {
        let router: Router
        let limits: HTTPLimits
        let metrics: ServerMetrics
        let logger: Logger
        /// True once the server drains: responses then carry `connection: close`.
        let isDraining: @Sendable () -> Bool
        /// Headers added to every response, refusals (404, 405, 413) included: the review page's
        /// Content-Security-Policy and friends.
        var responseHeaders: HTTPHeaders = [:]
    }

    private let shared: Shared
    private var current: HTTPRequestInProgress?
    /// After an early answer (413, or a refusal to `Expect: 100-continue`) the rest of the request
    /// is read and dropped, up to a bound, so the client sees the answer instead of a reset; then
    /// the connection closes.
    private var discarding: Int?
    private var remote: SocketAddress?
    private var executor: EventLoopTaskExecutor?

    init(shared: Shared) { self.shared = shared }

    func channelActive(context: ChannelHandlerContext) {
        remote = context.channel.remoteAddress
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { remote = context.channel.remoteAddress }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if let dropped = discarding {
            discard(part, dropped: dropped, context: context)
            return
        }
        switch part {
        case .head(let head):
            let request = HTTPRequestInProgress(head: head, router: shared.router, limits: shared.limits, metrics: shared.metrics)
            if let early = request.earlyAnswer(limits: shared.limits) {
                send(early, for: request, close: .afterDiscardingTheBody, context: context)
                discarding = 0
            } else {
                if request.expectsContinue {
                    context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
                }
                current = request
            }
        case .body(var chunk):
            guard var request = current else { return }
            current = nil  // `request` must hold the only reference, or appending copies the body
            request.bodyBytes += chunk.readableBytes
            if request.bodyBytes > shared.limits.maxBodyBytes {
                send(HTTPRequestInProgress.tooLarge(shared.limits), for: request, close: .afterDiscardingTheBody, context: context)
                discarding = request.bodyBytes
                return
            }
            if request.refusal == nil { request.body.writeBuffer(&chunk) }
            current = request
        case .end:
            guard let request = current else { return }
            current = nil
            dispatch(request, context: context)
        }
    }

    private func discard(_ part: HTTPServerRequestPart, dropped: Int, context: ChannelHandlerContext) {
        switch part {
        case .head, .end:
            context.close(promise: nil)
        case .body(let chunk):
            let total = dropped + chunk.readableBytes
            if total > 4 * shared.limits.maxBodyBytes { context.close(promise: nil) }
            discarding = total
        }
    }

    private func dispatch(_ request: HTTPRequestInProgress, context: ChannelHandlerContext) {
        if let refusal = request.refusal {
            respond(refusal, for: request, context: context)
            return
        }
        guard let route = request.route else {
            respond(.failure(.internalServerError, reason: "InternalError", message: "no route"), for: request, context: context)
            return
        }
        let serverRequest = ServerRequest(head: request.head, body: request.body, remoteAddress: remote)
        switch route.handler {
        case .immediate(let handler):
            respond(handler(serverRequest), for: request, context: context)
        case .waiting(let handler):
            runInTask(handler, serverRequest, for: request, context: context)
        case .immediateOrWaiting(let now, let otherwise):
            if let response = now(serverRequest) {
                respond(response, for: request, context: context)
            } else {
                runInTask(otherwise, serverRequest, for: request, context: context)
            }
        }
    }

    /// Runs `handler` in a task that prefers this event loop and writes its answer back on the loop.
    private func runInTask(
        _ handler: @escaping @Sendable (ServerRequest) async -> ServerResponse, _ serverRequest: ServerRequest,
        for request: HTTPRequestInProgress, context: ChannelHandlerContext
    ) {
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        let executor = self.executor ?? EventLoopTaskExecutor(loop)
        self.executor = executor
        Task(executorPreference: executor) {
            let response = await handler(serverRequest)
            loop.execute {
                let (this, context) = bound.value
                guard context.channel.isActive else { return }
                this.respond(response, for: request, context: context)
            }
        }
    }

    private func respond(_ response: consuming ServerResponse, for request: HTTPRequestInProgress, context: ChannelHandlerContext) {
        let close = !request.head.isKeepAlive || shared.isDraining()
        send(response, for: request, close: close ? .afterWriting : .no, context: context)
    }

    /// Whether a response ends its connection, and when.
    private enum Closing {
        case no
        case afterWriting
        /// The answer came before the body (413, a refused `100-continue`): the rest of the body
        /// is read and dropped first, so the client sees the answer instead of a reset.
        case afterDiscardingTheBody
    }

    /// Takes the response (`consuming`): a handler's fresh headers are then extended in place
    /// instead of being copied to add `content-length`.
    private func send(_ response: consuming ServerResponse, for request: HTTPRequestInProgress, close: Closing, context: ChannelHandlerContext) {
        var headers = response.headers
        response.headers = [:]  // `headers` is now the only reference to the handler's storage
        for (name, value) in shared.responseHeaders where !headers.contains(name: name) { headers.add(name: name, value: value) }
        headers.replaceOrAdd(name: "content-length", value: String(response.body.readableBytes))
        if close != .no {
            headers.replaceOrAdd(name: "connection", value: "close")
        } else if request.head.version == .http1_0 {
            headers.replaceOrAdd(name: "connection", value: "keep-alive")
        }
        let head = HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)
        let seconds = (ContinuousClock.now - request.started).inSeconds
        shared.metrics.requestFinished(
            route: request.routeLabel, method: request.head.method.rawValue, code: Int(response.status.code), seconds: seconds)
        if shared.logger.logLevel <= .debug {
            shared.logger.debug("request", metadata: [
                "http.method": "\(request.head.method.rawValue)", "http.route": "\(request.routeLabel)",
                "http.status": "\(response.status.code)", "duration_ms": "\(Int(seconds * 1000))",
            ])
        }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if response.body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil) }
        if close == .afterWriting {
            let closed = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: closed)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            closed.futureResult.whenComplete { _ in bound.value.close(promise: nil) }
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        shared.logger.debug("connection ended with an error", metadata: [
            "error": "\(error)", "client": "\(remote.map { "\($0)" } ?? "?")",
        ])
        context.close(promise: nil)
    }

    /// Paths and headers come from the client: keep them short and printable in messages.
    static func printable(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.prefix(200).map { $0.value >= 0x20 && $0.value < 0x7f ? Character($0) : "?" })
        return text.unicodeScalars.count > 200 ? cleaned + "…" : cleaned
    }
}
