// SPDX-License-Identifier: Apache-2.0
import Logging
import TokenGateHTTP

/// `tokengate serve` as one value: the HTTPS server with the admission webhooks, the token broker
/// and the audit trail wired in, built from a ``ServiceConfiguration``.
///
/// Building it loads and checks everything (config, certificates, signing keys, database path),
/// so a server that starts has a valid configuration; ``run()`` serves until SIGTERM has drained
/// it, keeps the broker reloading meanwhile, and flushes the audit trail last.
public final class TokenGateService: Sendable {
    public let server: TokenGateServer
    let audit: AuditTrail?
    let broker: BrokerRuntime?
    let logger: Logger

    public init(_ configuration: ServiceConfiguration, logger: Logger) throws {
        let settings = configuration.server
        let metrics = ServerMetrics()
        let readiness = Readiness()
        let certificates = CertificateReloader(
            files: settings.certificateFiles, interval: settings.certificateReloadInterval, logger: logger, metrics: metrics)
        try certificates.loadInitial()

        var router = Router()
        let issuers = IssuerDirectory()
        let admission = try AdmissionSetup.handler(
            configPath: configuration.configPath, overrides: configuration.projectionOverrides, logger: logger,
            issuersInUse: { issuers.current })
        let audit = try AuditTrail.open(configuration.audit, metrics: metrics, logger: logger)
        AdmissionRoutes.register(on: &router, handler: admission, logger: logger) { audit?.record(admission: $0) }
        // A broker that cannot start stops the process, which takes the (still empty) trail's writer with it.
        broker = try BrokerRuntime.start(
            configPath: configuration.configPath, options: configuration.broker, router: &router, serverMetrics: metrics,
            audit: audit, logger: logger, issuers: issuers)
        readiness.addCheck("config") { nil }  // loaded and validated above, or the service did not start
        self.server = TokenGateServer(
            settings: settings, router: router, certificates: certificates, metrics: metrics, readiness: readiness, logger: logger)
        self.audit = audit
        self.logger = logger
    }

    /// Serves until SIGTERM (or SIGINT) has drained the server, then flushes the audit trail.
    public func run() async throws {
        let shutdown = GracefulShutdown()
        let trap = SignalTrap(shutdown: shutdown, logger: logger)
        defer { withExtendedLifetime((trap, broker?.hangup)) {} }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                if let broker { group.addTask { await broker.reloader.run() } }
                if let watcher = broker?.watcher { group.addTask { await watcher.run() } }
                try await server.run(until: shutdown)
                group.cancelAll()
            }
        } catch {
            await audit?.close(logger: logger)
            throw error
        }
        await audit?.close(logger: logger)
    }
}
