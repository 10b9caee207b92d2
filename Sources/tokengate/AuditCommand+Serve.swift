// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import Logging
import TokenGateAudit
import TokenGateHTTP
import TokenGateReview

extension AuditCommand {
    /// `tokengate audit serve`: the read-only review page over the trail.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve a read-only review page over the audit trail (loopback only).",
            discussion: """
                Overview (exchanges and admissions per hour, signing keys, clusters), coverage of workloads, \
                pods, denials and token trace, each with filters and a CSV download. The page binds to \
                loopback: reach it with `kubectl port-forward`, so that Kubernetes RBAC on pods/portforward \
                in TokenGate's namespace decides who may look. It only reads the trail.

                Example:
                  tokengate audit serve --db /var/lib/tokengate/audit.db --listen 127.0.0.1:8090
                """)

        @OptionGroup var store: AuditStoreOptions

        @Option(help: ArgumentHelp("Loopback address to listen on, HOST:PORT (127.0.0.1, ::1 or localhost).", valueName: "host:port"))
        var listen: String = "127.0.0.1:8090"

        @Option(name: .customLong("log-format"), help: "Log format: text or json.")
        var logFormat: String = "text"

        func validate() throws {
            let address = try ListenAddress(parsing: listen)
            guard LoopbackHTTPServer.isLoopback(address.host) else {
                throw ValidationError(LoopbackOnlyError(host: address.host).description)
            }
            guard LogFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format must be text or json") }
        }

        func run() async throws {
            (LogFormat(rawValue: logFormat) ?? .text).bootstrap(level: .info)
            let logger = Logger(label: "tokengate")
            guard let readable = try store.open() as? any AuditReadableStore else {
                throw ValidationError("this audit store cannot answer the review page's queries")
            }
            let pages = try ReviewPages(reader: ReviewReader(store: readable))
            var router = Router()
            ReviewRoutes.register(on: &router, pages: pages)
            let address = try ListenAddress(parsing: listen)
            let server = try LoopbackHTTPServer(
                host: address.host, port: address.port, router: router, responseHeaders: ReviewRoutes.securityHeaders(pages),
                logger: logger)
            let trail = try store.location
            logger.info("review page: read-only, plain HTTP on loopback; reach it with kubectl port-forward", metadata: [
                "trail": "\(trail)",
            ])
            let shutdown = GracefulShutdown()
            let trap = SignalTrap(shutdown: shutdown, logger: logger)
            defer { withExtendedLifetime(trap) {} }
            try await server.run(until: shutdown)
            readable.close()
        }
    }
}
