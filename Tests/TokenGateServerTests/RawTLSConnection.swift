// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOPosix
import Synchronization
import TokenGateHTTP
import TokenGateService

/// A TLS connection that writes whatever bytes a test gives it (several pipelined requests, half
/// a body) and collects every decrypted byte the server sends back, until the server closes.
final class RawTLSConnection: Sendable {
    private let channel: any Channel
    private let received: Collector

    private init(channel: any Channel, received: Collector) {
        self.channel = channel
        self.received = received
    }

    static func connect(port: Int, trusting ca: [UInt8]) async throws -> RawTLSConnection {
        let context = try TLSContext.client(trustRoots: .pem(ca))
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(context: context, role: .client(serverName: "localhost")))
                    try channel.pipeline.syncOperations.addHandler(collector)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawTLSConnection(channel: channel, received: collector)
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    func close() async { try? await channel.close() }

    /// Waits (bounded: a hang guard, not a timing assertion) until `predicate` holds for what
    /// was received so far, and returns it.
    func receive(until predicate: @Sendable (String) -> Bool, within limit: Duration = .seconds(20)) async throws -> String {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let text = received.text
            if predicate(text) { return text }
            try await Task.sleep(for: .milliseconds(5))
        }
        struct Timeout: Error, CustomStringConvertible { let description: String }
        throw Timeout(description: "no matching answer within \(limit); received so far:\n\(received.text)")
    }

    var isClosedByServer: Bool { received.closed }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        private let state = Mutex((text: "", closed: false))

        var text: String { state.withLock { $0.text } }
        var closed: Bool { state.withLock { $0.closed } }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            state.withLock { $0.text += String(buffer: buffer) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            state.withLock { $0.closed = true }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }
}

extension String {
    /// How many HTTP responses (status lines) the text holds, in order of their bodies' markers.
    func occurrences(of marker: String) -> Int { components(separatedBy: marker).count - 1 }
}
