// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1
import NIOPosix
import TokenGateHTTP
import TokenGateService

/// An HTTPS client built from TokenGate's own ``TLSHandler`` in client mode (SNI, ALPN,
/// certificate verification), as the Kubernetes client will use it.
struct TLSTestClient {
    struct Response: Sendable {
        var status: Int
        var body: String
        var headers: HTTPHeaders
        var handshake: TLSHandshakeCompleted?
    }

    struct ConnectionClosed: Error {}

    let context: TLSContext
    let serverName: String?

    func request(port: Int, method: HTTPMethod = .GET, path: String, body: String? = nil, contentType: String = "application/json") async throws -> Response {
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: Response.self)
        let context = self.context
        let serverName = self.serverName
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(context: context, role: .client(serverName: serverName)))
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        var headers: HTTPHeaders = ["host": serverName ?? "127.0.0.1"]
        var buffer = ByteBuffer()
        if let body {
            buffer = ByteBuffer(string: body)
            headers.add(name: "content-type", value: contentType)
            headers.add(name: "content-length", value: String(buffer.readableBytes))
        }
        channel.write(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers)), promise: nil)
        if body != nil { channel.write(HTTPClientRequestPart.body(.byteBuffer(buffer)), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        defer { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }
}

private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<TLSTestClient.Response>
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()
    private var handshake: TLSHandshakeCompleted?
    private var done = false

    init(promise: EventLoopPromise<TLSTestClient.Response>) { self.promise = promise }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSHandshakeCompleted { handshake = event }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body(var part): body.writeBuffer(&part)
        case .end:
            guard let head, !done else { return }
            done = true
            promise.succeed(.init(status: Int(head.status.code), body: String(buffer: body), headers: head.headers, handshake: handshake))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done { done = true; promise.fail(error) }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done { done = true; promise.fail(TLSTestClient.ConnectionClosed()) }
    }
}
