// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1

/// Idle and request-read deadlines for one connection, so slow or silent clients cannot pin
/// connections (slowloris).
///
/// Two small handlers feed it: ``RawBytesObserver`` sits between TLS and the HTTP decoder and
/// sees the first byte of each request (before the head is even parsed); ``RequestPhaseObserver``
/// sits after the HTTP codec and sees where requests and responses end.
///
///     idle ──first byte──▶ reading ──request end──▶ handling ──response end──▶ idle (or reading)
///     (idleTimeout)        (requestReadTimeout)     (no deadline: the handler's own business)
///
/// When a deadline passes the connection is closed; a request whose head arrived but whose body
/// stalled is first answered 408, so the client learns why.
///
/// One timer per connection, not one per phase: moving between phases only records the new
/// deadline. The timer fires at the deadline or one read-timeout after it was set, whichever is
/// sooner, and re-arms itself for what is left; so a keep-alive request costs no timer scheduling
/// at all, and an idle connection one wake-up per read timeout.
final class ConnectionTimeouts {
    private enum Phase { case idle, reading, handling }

    private let limits: HTTPLimits
    private var phase: Phase = .idle
    private var bytesWhileHandling = false
    private var timer: Scheduled<Void>?
    /// When the current phase ends; nil while a request is being handled (no deadline then).
    private var deadline: NIODeadline?
    private var channel: (any Channel)?
    private var headSeen = false
    /// Where a 408 is written from (the HTTP-level observer's context).
    fileprivate var httpContext: ChannelHandlerContext?

    init(limits: HTTPLimits) { self.limits = limits }

    func start(channel: any Channel) {
        self.channel = channel
        arm(limits.idleTimeout, for: .idle)
    }

    func bytesArrived() {
        switch phase {
        case .idle: arm(limits.requestReadTimeout, for: .reading)
        case .reading: break
        case .handling: bytesWhileHandling = true
        }
    }

    func requestHeadReceived() {
        if phase == .idle { arm(limits.requestReadTimeout, for: .reading) }
        headSeen = true
    }

    func requestComplete() {
        phase = .handling
        headSeen = false
        bytesWhileHandling = false
        deadline = nil
    }

    func responseComplete() {
        // An early answer (413 before the body was read) already told the client; a later
        // read timeout must only close, never write a second response.
        headSeen = false
        guard phase == .handling else { return }
        if bytesWhileHandling {
            arm(limits.requestReadTimeout, for: .reading)
        } else {
            arm(limits.idleTimeout, for: .idle)
        }
    }

    func stop() {
        timer?.cancel()
        timer = nil
        deadline = nil
        channel = nil
        httpContext = nil
    }

    private func sendRequestTimeout(_ context: ChannelHandlerContext) {
        let response = ServerResponse.failure(
            .requestTimeout, reason: "Timeout",
            message: "the request body did not arrive within \(limits.requestReadTimeout.nanoseconds / 1_000_000) ms")
        var headers = response.headers
        headers.replaceOrAdd(name: "content-length", value: String(response.body.readableBytes))
        headers.replaceOrAdd(name: "connection", value: "close")
        let head = HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(response.body))), promise: nil)
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
    }

    private func arm(_ timeout: TimeAmount, for phase: Phase) {
        self.phase = phase
        deadline = .now() + timeout
        if timer == nil { scheduleCheck() }
    }

    /// The connection's one timer: at the deadline, or one read timeout from now if that is sooner.
    private func scheduleCheck() {
        guard let channel else { return }
        let limit = NIODeadline.now() + limits.requestReadTimeout
        let at = deadline.map { min($0, limit) } ?? limit
        let loopBound = NIOLoopBound(self, eventLoop: channel.eventLoop)
        timer = channel.eventLoop.scheduleTask(deadline: at) { loopBound.value.check() }
    }

    private func check() {
        timer = nil
        guard let channel else { return }
        guard let deadline, deadline <= .now() else {
            scheduleCheck()  // extended since this timer was set, or a request is being handled
            return
        }
        if phase == .reading && headSeen, let context = httpContext {
            sendRequestTimeout(context)
        }
        channel.close(promise: nil)
    }
}

/// Reports decrypted bytes to ``ConnectionTimeouts`` and passes them on unchanged.
final class RawBytesObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeouts: ConnectionTimeouts

    init(timeouts: ConnectionTimeouts) { self.timeouts = timeouts }

    func handlerAdded(context: ChannelHandlerContext) { timeouts.start(channel: context.channel) }
    func handlerRemoved(context: ChannelHandlerContext) { timeouts.stop() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        timeouts.bytesArrived()
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeouts.stop()
        context.fireChannelInactive()
    }
}

/// Reports request and response boundaries to ``ConnectionTimeouts``.
final class RequestPhaseObserver: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let timeouts: ConnectionTimeouts

    init(timeouts: ConnectionTimeouts) { self.timeouts = timeouts }

    func handlerAdded(context: ChannelHandlerContext) { timeouts.httpContext = context }
    func handlerRemoved(context: ChannelHandlerContext) { timeouts.httpContext = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: timeouts.requestHeadReceived()
        case .body: break
        case .end: timeouts.requestComplete()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { timeouts.responseComplete() }
        context.write(data, promise: promise)
    }
}
