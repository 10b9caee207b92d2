// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// A server for pages beside the webhook, with the same HTTP layer (limits, timeouts, routing) as
/// ``TokenGateServer`` but none of its operational routes or drain.
///
/// Without `tls` it serves plain HTTP and binds to a loopback address only: for pages reached
/// through `kubectl port-forward`, where the Kubernetes API server's TLS and RBAC guard the way in.
/// It refuses any other address (127.0.0.0/8, ::1, `localhost` are loopback): without TLS such a
/// listener would serve the audit trail to the network. With `tls` it binds anywhere and serves
/// HTTPS on TokenGate's OpenSSL layer (reloading the pair as ``TokenGateServer`` does); the routes
/// must then authenticate every request themselves (the review page's ``ReviewAccessGate``).
public final class PageServer: Sendable {
    public let host: String
    public let port: Int
    public let router: Router
    public let limits: HTTPLimits
    public let responseHeaders: HTTPHeaders
    /// The serving certificate when the listener is HTTPS; nil for plain HTTP on loopback.
    public let tls: CertificateReloader?
    private let logger: Logger
    private let listeningMessage: String
    private let registry = ConnectionRegistry()

    /// - Throws: ``LoopbackOnlyError`` when `host` is not a loopback address and there is no `tls`.
    public init(host: String, port: Int, router: Router, limits: HTTPLimits = HTTPLimits(),
                responseHeaders: HTTPHeaders = [:], tls: CertificateReloader? = nil, logger: Logger,
                listeningMessage: String = "listening") throws {
        guard tls != nil || Self.isLoopback(host) else { throw LoopbackOnlyError(host: host) }
        self.tls = tls
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
        if let tls, tls.current == nil { try tls.loadInitial() }
        let tls = self.tls
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
                        var context: TLSContext?
                        if let tls {
                            guard let current = tls.current else { throw TLSError("no TLS certificate loaded") }
                            context = current
                        }
                        registry.add(channel)
                        try ConnectionPipeline.configure(channel, tls: context, connection: connection, observer: reporter)
                    } catch {
                        channel.close(promise: nil)
                        throw error
                    }
                }
            }
            .bind(host: host, port: port).get()
        guard let address = listener.localAddress else { throw TLSError("the listener has no local address") }
        logger.info("\(listeningMessage)", metadata: [
            "transport": "\(tls == nil ? "plain HTTP, loopback only" : "HTTPS")",
            "address": "\(address.ipAddress ?? host):\(address.port ?? 0)",
            "routes": "\(router.table.map { "\($0.method.rawValue) \($0.path)" }.joined(separator: ", "))",
        ])
        onListening(address)
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { background in
                if let tls { background.addTask { await tls.run() } }
                await shutdown.wait()
                background.cancelAll()
            }
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
            + "or serve it over TLS with a bearer token checked by TokenReview and SubjectAccessReview "
            + "(give --review-tls-cert and --review-tls-key)"
    }
}
