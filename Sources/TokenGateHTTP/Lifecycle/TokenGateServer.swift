// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTPS server: accepts connections, serves each on its event loop (``HTTPConnection``),
/// reloads certificates, and drains on shutdown.
///
/// Shutdown, once ``GracefulShutdown`` fires (SIGTERM):
/// 1. `/readyz` turns 503 while everything else keeps working, for `drainSeconds`;
/// 2. the listener closes; idle keep-alive connections close; busy ones finish their request,
///    answer it with `connection: close`, and close;
/// 3. connections still open after `shutdownGraceSeconds` are cut; ``run(until:)`` returns.
public final class TokenGateServer: Sendable {
    public let settings: ServerSettings
    public let router: Router
    public let certificates: CertificateReloader
    public let metrics: ServerMetrics
    public let readiness: Readiness
    private let logger: Logger
    private let registry = ConnectionRegistry()

    /// `router` holds the application routes; `/healthz`, `/readyz` and `/metrics` are added here.
    public init(
        settings: ServerSettings, router: Router, certificates: CertificateReloader, metrics: ServerMetrics,
        readiness: Readiness, logger: Logger
    ) {
        var router = router
        OperationalRoutes.register(on: &router, readiness: readiness, metrics: metrics)
        self.settings = settings
        self.router = router
        self.certificates = certificates
        self.metrics = metrics
        self.readiness = readiness
        self.logger = logger
        readiness.addCheck("tls") { [certificates] in certificates.current == nil ? "no TLS certificate loaded" : nil }
        metrics.addCollector { LogLineWriter.standardError.metricsText }
        metrics.addCollector { [registry, limits = settings.limits] in
            "# HELP tokengate_open_connections Client connections open now (limit \(limits.maxConnections), set by --max-connections).\n"
                + "# TYPE tokengate_open_connections gauge\ntokengate_open_connections \(registry.count)\n"
        }
    }

    /// Binds, serves until `shutdown` fires and the drain completes, then returns.
    /// - Parameter onListening: called with the bound address (useful with port 0).
    public func run(until shutdown: GracefulShutdown, onListening: @Sendable (SocketAddress) -> Void = { _ in }) async throws {
        if certificates.current == nil { try certificates.loadInitial() }
        let listener = try await bind()
        guard let address = listener.localAddress else { throw TLSError("the listener has no local address") }
        logger.info("listening", metadata: [
            "address": "\(address.ipAddress ?? settings.host):\(address.port ?? 0)",
            "routes": "\(router.table.map { "\($0.method.rawValue) \($0.path)" }.joined(separator: ", "))",
        ])
        onListening(address)

        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { background in
                background.addTask { await self.certificates.run() }
                background.addTask { await self.drain(on: shutdown, listener: listener) }
                // The listener closes when the drain says so (or fails); then in-flight requests finish.
                try? await listener.closeFuture.get()
                await registry.waitUntilEmpty()
                background.cancelAll()
            }
        } onCancel: { [registry] in
            // A cancelled server stops at once: no drain, and nothing left open to wait for.
            listener.close(promise: nil)
            registry.closeAll()
        }
        logger.info("stopped")
    }

    private func bind() async throws -> any Channel {
        let reporter = TLSHandshakeReporter(metrics: metrics, logger: logger)
        let certificates = self.certificates
        let registry = self.registry
        let limits = settings.limits
        let connection = HTTPConnection.Shared(
            router: router, limits: limits, metrics: metrics, logger: logger,
            isDraining: { [readiness] in readiness.isDraining })
        return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    do {
                        guard let context = certificates.current else { throw TLSError("no TLS certificate loaded") }
                        guard registry.count < limits.maxConnections else {
                            throw TLSError("connection limit (\(limits.maxConnections)) reached")
                        }
                        registry.add(channel)
                        try ConnectionPipeline.configure(channel, tls: context, connection: connection, observer: reporter)
                    } catch {
                        // NIO does not close a child whose initializer fails: close it here.
                        channel.close(promise: nil)
                        throw error
                    }
                }
            }
            .bind(host: settings.host, port: settings.port).get()
    }

    private func drain(on shutdown: GracefulShutdown, listener: any Channel) async {
        await shutdown.wait()
        if Task.isCancelled { return }
        readiness.startDraining()
        logger.info("draining: /readyz answers 503", metadata: ["drain_seconds": "\(settings.drainSeconds)"])
        try? await Task.sleep(for: .milliseconds(Int(settings.drainSeconds * 1000)))
        logger.info("closing the listener; finishing in-flight requests", metadata: ["connections": "\(registry.count)"])
        try? await listener.close()
        registry.quiesceAll()
        do {
            try await Task.sleep(for: .milliseconds(Int(settings.shutdownGraceSeconds * 1000)))
        } catch {
            return  // all connections finished in time
        }
        logger.warning("grace period over; closing remaining connections", metadata: ["connections": "\(registry.count)"])
        registry.closeAll()
    }
}
