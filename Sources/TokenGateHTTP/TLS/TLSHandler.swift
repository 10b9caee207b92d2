// SPDX-License-Identifier: Apache-2.0
import NIOCore

/// TLS over OpenSSL for one connection, as a SwiftNIO handler: ciphertext on the socket side,
/// plaintext towards the rest of the pipeline.
///
/// Server mode answers ClientHellos with the context it was given when the connection was
/// accepted (the reloader's snapshot at that moment). Client mode sends SNI and ALPN `http/1.1`
/// and verifies the server certificate against the context's trust roots and `serverName`, so
/// the Kubernetes client can reuse this handler.
///
/// Writes made before the handshake completes are held and sent once it does. A failed
/// handshake sends OpenSSL's alert (or, for a plain HTTP request on the TLS port, a plain 400
/// that tells the user to use https) and closes; it is reported to the observer, never thrown
/// into the pipeline, so a misbehaving client cannot reach the HTTP layer.
public final class TLSHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    public enum Role: Sendable {
        case server
        /// `serverName` is the DNS name or IP the certificate must match (DNS names also go in SNI).
        case client(serverName: String?)
    }

    private enum State {
        case idle, handshaking, active, closing, closed
    }

    private let connection: TLSConnection
    private let role: Role
    private let observer: (any TLSHandshakeObserver)?
    private let handshakeTimeout: TimeAmount
    private var state: State = .idle
    private var handshakeTimer: Scheduled<Void>?
    private var receivedBytes = false
    /// Writes not yet flushed, and flushed writes waiting for the handshake.
    private var unflushed: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    private var waitingForHandshake: [(ByteBuffer, EventLoopPromise<Void>?)] = []

    public init(
        context: TLSContext, role: Role, observer: (any TLSHandshakeObserver)? = nil,
        handshakeTimeout: TimeAmount = .seconds(10)
    ) throws {
        self.connection = try TLSConnection(context: context, role: role)
        self.role = role
        self.observer = observer
        self.handshakeTimeout = handshakeTimeout
    }

    /// The context this connection uses (for tests: which certificate did it get?).
    public var tlsContext: TLSContext { connection.context }

    // MARK: lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startHandshake(context: context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        startHandshake(context: context)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        if state == .handshaking && receivedBytes {
            observer?.tlsHandshakeFailed("connection closed during the TLS handshake", remoteAddress: context.channel.remoteAddress)
        }
        state = .closed
        failBufferedWrites(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    private func startHandshake(context: ChannelHandlerContext) {
        guard state == .idle else { return }
        state = .handshaking
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        handshakeTimer = context.eventLoop.scheduleTask(in: handshakeTimeout) {
            let (handler, context) = loopBound.value
            guard handler.state == .handshaking else { return }
            handler.handshakeFailed(context: context, TLSError("TLS handshake did not complete within \(handler.handshakeTimeout)"))
        }
        if case .client = role { driveHandshake(context: context) }
    }

    // MARK: inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard state == .handshaking || state == .active else { return }  // closing: drop
        if buffer.readableBytes > 0 { receivedBytes = true }
        connection.receive(buffer)
        if state == .handshaking {
            driveHandshake(context: context)
        }
        if state == .active {
            readPlaintext(context: context)
        }
    }

    private func driveHandshake(context: ChannelHandlerContext) {
        switch connection.handshake() {
        case .needMoreData:
            sendCiphertext(context: context, flush: true)
        case .complete, .closedByPeer:
            sendCiphertext(context: context, flush: false)
            handshakeTimer?.cancel()
            state = .active
            let info = TLSHandshakeCompleted(
                negotiatedProtocol: connection.negotiatedALPN, protocolVersion: connection.protocolVersion,
                cipher: connection.cipher, peerCertificateSubject: connection.peerCertificateSubject)
            observer?.tlsHandshakeSucceeded(info)
            context.fireUserInboundEventTriggered(info)
            let held = waitingForHandshake
            waitingForHandshake = []
            encrypt(held, context: context)
            context.flush()
        case .failed(let error):
            handshakeFailed(context: context, error)
        }
    }

    private func handshakeFailed(context: ChannelHandlerContext, _ error: TLSError) {
        handshakeTimer?.cancel()
        state = .closing
        observer?.tlsHandshakeFailed(error.message, remoteAddress: context.channel.remoteAddress)
        if error.peerSpokePlainHTTP {
            // Discard OpenSSL's alert: an HTTP client cannot read it. Say in HTTP what went wrong.
            _ = connection.takeCiphertext(allocator: context.channel.allocator)
            let body = #"{"kind":"Status","apiVersion":"v1","status":"Failure","code":400,"reason":"BadRequest","message":"this port speaks TLS: use https://"}"#
            let text = "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: \(body.utf8.count)\r\nconnection: close\r\n\r\n\(body)"
            context.write(wrapOutboundOut(context.channel.allocator.buffer(string: text)), promise: nil)
        } else {
            sendCiphertext(context: context, flush: false)  // the alert
        }
        failBufferedWrites(error)
        // Close once the alert (or the 400) has left, so the client can read why.
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)))
            .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    private func readPlaintext(context: ChannelHandlerContext) {
        var plaintext = context.channel.allocator.buffer(capacity: 0)
        let step = connection.read(into: &plaintext)
        // Reading may produce output (TLS 1.3 key updates, alerts).
        sendCiphertext(context: context, flush: true)
        if plaintext.readableBytes > 0 {
            context.fireChannelRead(wrapInboundOut(plaintext))
        }
        switch step {
        case .needMoreData, .complete:
            break
        case .closedByPeer:
            // Answer close_notify with ours, then close.
            if state == .active { close(context: context, mode: .all, promise: nil) }
        case .failed(let error):
            guard state == .active else { return }
            state = .closing
            sendCiphertext(context: context, flush: true)
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }

    // MARK: outbound

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard state != .closing && state != .closed else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        unflushed.append((unwrapOutboundIn(data), promise))
    }

    public func flush(context: ChannelHandlerContext) {
        let writes = unflushed
        // Keeps the capacity the last flush needed: one allocation per flush, not one per doubling.
        unflushed.removeAll(keepingCapacity: true)
        switch state {
        case .active:
            encrypt(writes, context: context)
            context.flush()
        case .idle, .handshaking:
            waitingForHandshake.append(contentsOf: writes)
        case .closing, .closed:
            for (_, promise) in writes { promise?.fail(ChannelError.ioOnClosedChannel) }
        }
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all && state == .active {
            state = .closing
            connection.shutdown()
            sendCiphertext(context: context, flush: true)
        }
        if mode == .all { failBufferedWrites(ChannelError.ioOnClosedChannel) }
        context.close(mode: mode, promise: promise)
    }

    /// Small writes flushed together (an HTTP head, body and end) are encrypted as one TLS
    /// record: fewer records, fewer AEAD operations, fewer bytes on the wire.
    static let coalescingLimit = 16 * 1024

    private func encrypt(_ writes: [(ByteBuffer, EventLoopPromise<Void>?)], context: ChannelHandlerContext) {
        var index = 0
        while index < writes.count {
            var plaintext = writes[index].0
            var promises = [writes[index].1]
            index += 1
            if plaintext.readableBytes < Self.coalescingLimit {
                while index < writes.count, plaintext.readableBytes + writes[index].0.readableBytes <= Self.coalescingLimit {
                    var next = writes[index].0
                    plaintext.writeBuffer(&next)
                    promises.append(writes[index].1)
                    index += 1
                }
            }
            if case .failed(let error) = connection.write(plaintext) {
                for promise in promises { promise?.fail(error) }
                for (_, later) in writes.dropFirst(index) { later?.fail(error) }
                context.fireErrorCaught(error)
                context.close(promise: nil)
                return
            }
            let ciphertext = connection.takeCiphertext(allocator: context.channel.allocator) ?? context.channel.allocator.buffer(capacity: 0)
            let combined: EventLoopPromise<Void>?
            if promises.count == 1 {
                combined = promises[0]
            } else {
                let all = promises.compactMap { $0 }
                combined = all.isEmpty ? nil : context.eventLoop.makePromise(of: Void.self)
                if let combined {
                    for promise in all { combined.futureResult.cascade(to: promise) }
                }
            }
            context.write(wrapOutboundOut(ciphertext), promise: combined)
        }
    }

    private func sendCiphertext(context: ChannelHandlerContext, flush: Bool) {
        if let ciphertext = connection.takeCiphertext(allocator: context.channel.allocator) {
            context.write(wrapOutboundOut(ciphertext), promise: nil)
            if flush { context.flush() }
        }
    }

    private func failBufferedWrites(_ error: any Error) {
        let pending = unflushed + waitingForHandshake
        unflushed = []
        waitingForHandshake = []
        for (_, promise) in pending { promise?.fail(error) }
    }
}
