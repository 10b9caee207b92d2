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
            abstract: "Serve a read-only review page over the audit trail.",
            discussion: """
                Overview (exchanges and admissions per hour, signing keys, clusters), coverage of workloads, \
                pods, denials and token trace, each with filters and a CSV download. It only reads the trail.

                On loopback (the default) it is plain HTTP without authentication: reach it with \
                `kubectl port-forward`, so that Kubernetes RBAC on pods/portforward in TokenGate's \
                namespace decides who may look. On any other address (or with --review-require-auth) it \
                is HTTPS (--review-tls-cert/--review-tls-key) and every request needs \
                `Authorization: Bearer <token>`: TokenReview must authenticate the token and \
                SubjectAccessReview must allow that user `get` on --review-access-resource \
                (auditreviews.tokengate.io), else 401, 403 or, when the API server does not answer \
                a review within 2 s, 503. A yes is remembered for 10 s by the token's SHA-256.

                Examples:
                  tokengate audit serve --db /var/lib/tokengate/audit.db --listen 127.0.0.1:8090
                  tokengate audit serve --dsn … --listen 0.0.0.0:8443 --review-tls-cert tls.crt --review-tls-key tls.key
                """)

        @OptionGroup var store: AuditStoreOptions

        @Option(help: ArgumentHelp("Address to listen on, HOST:PORT. Loopback (127.0.0.0/8, ::1, localhost): plain HTTP, no authentication; anything else: TLS and bearer tokens.", valueName: "host:port"))
        var listen: String = "127.0.0.1:8090"

        @OptionGroup(title: "Off loopback") var access: ReviewAccessOptions

        @Option(name: .customLong("cert-reload-seconds"), help: ArgumentHelp("Off loopback, how often --review-tls-cert and --review-tls-key are checked for changes.", valueName: "seconds"))
        var certReloadSeconds: Double = 10

        @Option(name: .customLong("log-format"), help: "Log format: text or json.")
        var logFormat: String = "text"

        func validate() throws {
            try access.check(listen: listen, flag: "--listen", hasDefaultCertificate: false)
            guard LogFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format must be text or json") }
            guard certReloadSeconds > 0 else { throw ValidationError("--cert-reload-seconds must be more than 0") }
        }

        func run() async throws {
            (LogFormat(rawValue: logFormat) ?? .text).bootstrap(level: .info)
            let logger = Logger(label: "tokengate")
            guard let readable = try store.open() as? any AuditReadableStore else {
                throw ValidationError("this audit store cannot answer the review page's queries")
            }
            let pages = try ReviewPages(reader: ReviewReader(store: readable))
            let address = try ListenAddress(parsing: listen)
            let trail = try store.location
            logger.info("review page: read-only", metadata: ["trail": "\(trail)"])
            let server = try access.makeServer(
                address: address, pages: pages, defaultCertificate: nil,
                certificateReloadInterval: .milliseconds(Int64(certReloadSeconds * 1000)), logger: logger)
            let shutdown = GracefulShutdown()
            let trap = SignalTrap(shutdown: shutdown, logger: logger)
            defer { withExtendedLifetime(trap) {} }
            try await server.run(until: shutdown)
            readable.close()
        }
    }
}
