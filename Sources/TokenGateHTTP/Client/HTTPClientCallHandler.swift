// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1
import Synchronization

/// One request on a client connection: what to send and where the response goes.
struct HTTPClientCall: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer?
    var maxResponseBytes: Int
    var promise: EventLoopPromise<HTTPSResponse>
    /// Streaming: body parts of a 2xx response go here as they arrive (on the event loop; it must
    /// not block) instead of being collected; `maxResponseBytes` then bounds only error bodies.
    var onBodyPart: (@Sendable ([UInt8]) -> Void)? = nil
}

/// Remembers why a client handshake failed, so the call's error says "certificate verify
/// failed" rather than just "connection closed". Written on the event loop by ``TLSHandler``.
final class HandshakeFailureNote: TLSHandshakeObserver {
    private let reason = Mutex<String?>(nil)

    var failure: String? { reason.withLock { $0 } }

    func tlsHandshakeSucceeded(_ info: TLSHandshakeCompleted) {}

    func tlsHandshakeFailed(_ reason: String, remoteAddress: SocketAddress?) {
        self.reason.withLock { $0 = reason }
    }
}

/// The last handler of a client connection: writes a ``HTTPClientCall`` as request parts and
/// completes its promise with the collected response, one call at a time.
///
/// Every way the connection can end (peer close, TLS failure, decode error, body over the
/// bound) fails the pending call with an ``HTTPSClientError``, so no caller waits forever; the
/// caller's deadline covers a peer that simply stops talking.
final class HTTPClientCallHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientCall
    typealias OutboundOut = HTTPClientRequestPart

    private struct Pending {
        var call: HTTPClientCall
        var head: HTTPResponseHead?
        var body: ByteBuffer
    }

    private let endpoint: String
    private let handshake: HandshakeFailureNote
    private var pending: Pending?

    init(endpoint: String, handshake: HandshakeFailureNote) {
        self.endpoint = endpoint
        self.handshake = handshake
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let call = unwrapOutboundIn(data)
        // The handshake may have failed before this call reached the connection.
        if let reason = handshake.failure {
            call.promise.fail(HTTPSClientError(.tls, "\(endpoint): \(reason)"))
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        guard pending == nil else {
            call.promise.fail(HTTPSClientError(.invalid, "\(endpoint): a call is already in progress on this connection"))
            promise?.fail(ChannelError.inappropriateOperationForState)
            return
        }
        pending = Pending(call: call, head: nil, body: context.channel.allocator.buffer(capacity: 0))
        context.write(wrapOutboundOut(.head(call.head)), promise: nil)
        if let body = call.body, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard var current = pending else { return }  // unsolicited bytes after a failure: ignored
        switch unwrapInboundIn(data) {
        case .head(let head):
            // 1xx (100 Continue) precedes the real response.
            if head.status.code < 200 { return }
            current.head = head
            pending = current
        case .body(var part):
            if let onBodyPart = current.call.onBodyPart, let head = current.head, (200..<300).contains(head.status.code) {
                onBodyPart(Array(part.readableBytesView))
                return
            }
            pending = nil  // keep `current` the only reference while appending
            guard current.body.readableBytes + part.readableBytes <= current.call.maxResponseBytes else {
                current.call.promise.fail(HTTPSClientError(
                    .tooLarge, "\(endpoint): response body exceeds \(current.call.maxResponseBytes) bytes"))
                context.close(promise: nil)
                return
            }
            current.body.writeBuffer(&part)
            pending = current
        case .end:
            pending = nil
            guard let head = current.head else {
                current.call.promise.fail(HTTPSClientError(.invalid, "\(endpoint): response ended without a status line"))
                context.close(promise: nil)
                return
            }
            let keepAlive = head.isKeepAlive
            current.call.promise.succeed(HTTPSResponse(
                status: Int(head.status.code), headers: head.headers, body: Array(current.body.readableBytesView), keepAlive: keepAlive))
            if !keepAlive { context.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(HTTPSClientError(.invalid, "\(endpoint): \(error)", beforeResponse: pending?.head == nil))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let reason = handshake.failure {
            fail(HTTPSClientError(.tls, "\(endpoint): \(reason)"))
        } else {
            fail(HTTPSClientError(.closed, "\(endpoint): the server closed the connection before answering",
                                  beforeResponse: pending?.head == nil && pending?.body.readableBytes == 0))
        }
        context.fireChannelInactive()
    }

    private func fail(_ error: HTTPSClientError) {
        guard let current = pending else { return }
        pending = nil
        current.call.promise.fail(error)
    }
}
