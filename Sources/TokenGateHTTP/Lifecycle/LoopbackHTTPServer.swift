// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// A plain-HTTP server that binds to a loopback address only, with the same HTTP layer (limits,
/// timeouts, routing) as ``TokenGateServer`` but no TLS: for pages reached through
/// `kubectl port-forward`, where the Kubernetes API server's TLS and RBAC guard the way in.
///
/// It refuses any address that is not loopback (127.0.0.0/8, ::1, `localhost`): without TLS and
/// authentication such a listener would serve the audit trail to the network.
public final class LoopbackHTTPServer: Sendable {
    public let host: String
    public let port: Int
    public let router: Router
    public let limits: HTTPLimits
    public let responseHeaders: HTTPHeaders
    private let logger: Logger
    private let listeningMessage: String
    private let registry = ConnectionRegistry()

    /// - Throws: ``LoopbackOnlyError`` when `host` is not a loopback address.
    public init(host: String, port: Int, router: Router, limits: HTTPLimits = HTTPLimits(),
                responseHeaders: HTTPHeaders = [:], logger: Logger, listeningMessage: String = "listening") throws {
        guard Self.isLoopback(host) else { throw LoopbackOnlyError(host: host) }
        self.host = host
        self.port = port
        self.router = router
        self.limits = limits
        self.responseHeaders = responseHeaders
        self.logger = logger
        self.listeningMessage = listeningMessage
    }

    /// True for `localhost`, 127.0.0.0/8 and `::1`.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { return false }
        return parts[0] == "127"
    }

    /// Binds, serves until `shutdown` fires, then closes every connection and returns.
    public func run(until shutdown: GracefulShutdown, onListening: @Sendable (SocketAddress) -> Void = { _ in }) async throws {
        let metrics = ServerMetrics()
        var shared = HTTPConnection.Shared(router: router, limits: limits, metrics: metrics, logger: logger, isDraining: { false })
        shared.responseHeaders = responseHeaders
        let connection = shared
        let registry = self.registry
        let limits = self.limits
        let reporter = TLSHandshakeReporter(metrics: metrics, logger: logger)
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    do {
                        guard registry.count < limits.maxConnections else {
                            throw TLSError("connection limit (\(limits.maxConnections)) reached")
                        }
                        registry.add(channel)
                        try ConnectionPipeline.configure(channel, tls: nil, connection: connection, observer: reporter)
                    } catch {
                        channel.close(promise: nil)
                        throw error
                    }
                }
            }
            .bind(host: host, port: port).get()
        guard let address = listener.localAddress else { throw TLSError("the listener has no local address") }
        logger.info("\(listeningMessage)", metadata: [
            "transport": "plain HTTP, loopback only",
            "address": "\(address.ipAddress ?? host):\(address.port ?? 0)",
            "routes": "\(router.table.map { "\($0.method.rawValue) \($0.path)" }.joined(separator: ", "))",
        ])
        onListening(address)
        await withTaskCancellationHandler {
            await shutdown.wait()
        } onCancel: {
            listener.close(promise: nil)
        }
        try? await listener.close()
        registry.closeAll()
        logger.info("stopped")
    }
}

public struct LoopbackOnlyError: Error, CustomStringConvertible {
    public let host: String
    public init(host: String) { self.host = host }
    public var description: String {
        "refusing to serve the review page on \(host): it binds to loopback only (127.0.0.1, ::1, localhost). "
            + "Reach it with `kubectl port-forward`, so Kubernetes RBAC on pods/portforward decides who may look; "
            + "binding elsewhere (TLS plus TokenReview and SubjectAccessReview) is not implemented yet"
    }
}
