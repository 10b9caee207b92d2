// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Logging
import TokenGateAdmission
import TokenGateHTTP
import TokenGateService

/// `tokengate serve`: flags → settings → run the HTTPS server until SIGTERM has drained it.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTPS admission webhook and token broker server.",
        discussion: """
            Serves POST /mutate and POST /validate (AdmissionReview v1 and v1beta1), GET /healthz, \
            GET /readyz and GET /metrics over TLS 1.2+ with ALPN http/1.1. The certificate and key are \
            re-read when their files change (including Kubernetes' ..data symlink swap); a broken new \
            pair is logged and the old one kept. On SIGTERM /readyz turns 503, and after --drain-seconds \
            the listener closes, in-flight requests finish, and the process exits 0.

            With a broker: section in --config, it also serves the RFC 8693 token exchange (POST \
            broker.tokenPath, default /token), GET /.well-known/openid-configuration and GET /keys; \
            the config, signing keys and clusters' JWKS are reloaded without a restart (every \
            --broker-reload-seconds, or at once on SIGHUP). With --audit-db or --audit-dsn every \
            exchange and admission decision is stored in the audit trail (query it with \
            `tokengate audit`); the queue is flushed before exit.
            """)

    @Option(help: ArgumentHelp("Address to listen on, HOST:PORT. Port 0 picks a free port (the 'listening' log line says which).", valueName: "host:port"))
    var listen: String = "0.0.0.0:8443"

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("PEM serving certificate, leaf first, then intermediates (tls.crt).", valueName: "file"))
    var tlsCert: String

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("PEM private key of the serving certificate (tls.key).", valueName: "file"))
    var tlsKey: String

    @Option(name: .customLong("client-ca"), help: ArgumentHelp("PEM CA bundle; when set, clients must present a certificate it signed (for API servers configured with a client certificate).", valueName: "file"))
    var clientCA: String?

    @Option(help: ArgumentHelp("TokenGate configuration file (YAML; an OpenUnison values.yaml works too). Loaded and validated at start: serve refuses to start with an invalid one.", valueName: "file"))
    var config: String?

    @Option(name: .customLong("drain-seconds"), help: ArgumentHelp("After SIGTERM, seconds to keep serving with /readyz at 503 before closing the listener.", valueName: "seconds"))
    var drainSeconds: Double = 5

    @Option(name: .customLong("shutdown-grace-seconds"), help: ArgumentHelp("After the listener closes, seconds in-flight requests may take before connections are cut.", valueName: "seconds"))
    var shutdownGraceSeconds: Double = 30

    @Option(name: .customLong("log-format"), help: ArgumentHelp("Log line format: text (for people) or json (one object per line).", valueName: "text|json"))
    var logFormat: String = "text"

    @Option(name: .customLong("log-level"), help: ArgumentHelp("Lowest level logged: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: String = "info"

    @Option(name: .customLong("cert-reload-seconds"), help: ArgumentHelp("How often the certificate, key and client CA files are checked for changes (the webhook's, and the review page's with --review-listen).", valueName: "seconds"))
    var certReloadSeconds: Double = 10

    @Option(name: .customLong("max-body-bytes"), help: ArgumentHelp("Largest request body accepted; larger ones get 413.", valueName: "bytes"))
    var maxBodyBytes: Int = 7 * 1024 * 1024

    @Option(name: .customLong("max-header-bytes"), help: ArgumentHelp("Largest total size of request headers; larger ones get 431.", valueName: "bytes"))
    var maxHeaderBytes: Int = 32 * 1024

    @Option(name: .customLong("read-timeout-seconds"), help: ArgumentHelp("Time a client has from the first byte of a request to its last body byte.", valueName: "seconds"))
    var readTimeoutSeconds: Double = 10

    @Option(name: .customLong("idle-timeout-seconds"), help: ArgumentHelp("Time a keep-alive connection may stay idle between requests.", valueName: "seconds"))
    var idleTimeoutSeconds: Double = 60

    @Option(name: .customLong("max-connections"), help: ArgumentHelp("Open connections allowed at once; more are closed on accept.", valueName: "count"))
    var maxConnections: Int = 4096

    @OptionGroup(title: "Projection settings (override --config)") var projection: ProjectionOptions
    @OptionGroup(title: "Token broker") var brokerOptions: BrokerServeOptions
    @OptionGroup(title: "Audit trail") var auditOptions: AuditServeOptions

    func validate() throws {
        _ = try ListenAddress(parsing: listen)
        guard LogFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format must be text or json, not '\(logFormat)'") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
        for (name, value) in [("--drain-seconds", drainSeconds), ("--shutdown-grace-seconds", shutdownGraceSeconds)] where value < 0 {
            throw ValidationError("\(name) must be 0 or more")
        }
        for (name, value) in [("--cert-reload-seconds", certReloadSeconds), ("--read-timeout-seconds", readTimeoutSeconds), ("--idle-timeout-seconds", idleTimeoutSeconds)] where value <= 0 {
            throw ValidationError("\(name) must be more than 0")
        }
        guard maxConnections > 0 else { throw ValidationError("--max-connections must be at least 1") }
        guard maxBodyBytes > 0, maxHeaderBytes >= 1024 else { throw ValidationError("--max-body-bytes must be positive and --max-header-bytes at least 1024") }
    }

    func run() async throws {
        FileSizeLimit.failWritesInsteadOfExiting()
        let format = LogFormat(rawValue: logFormat) ?? .text
        format.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info)
        let logger = Logger(label: "tokengate")
        logger.info("starting", metadata: ["version": "\(TokenGateVersion.current)"])
        do {
            let service = try TokenGateService(try configuration(), logger: logger)
            try await auditOptions.runWithReviewPage(
                logger: logger, webhookCertificate: CertificateFiles(certificatePath: tlsCert, keyPath: tlsKey),
                certificateReloadInterval: .milliseconds(Int64(certReloadSeconds * 1000))) { try await service.run() }
        } catch {
            LogLineWriter.standardError.flush()  // the log lines before the error message that ends serve
            throw error
        }
    }

    /// The flags as the service's settings.
    func configuration() throws -> ServiceConfiguration {
        let address = try ListenAddress(parsing: listen)
        var settings = ServerSettings(
            host: address.host, port: address.port,
            certificateFiles: CertificateFiles(certificatePath: tlsCert, keyPath: tlsKey, clientCAPath: clientCA))
        settings.drainSeconds = drainSeconds
        settings.shutdownGraceSeconds = shutdownGraceSeconds
        settings.certificateReloadInterval = .milliseconds(Int(certReloadSeconds * 1000))
        settings.limits.maxBodyBytes = maxBodyBytes
        settings.limits.maxHeaderBytes = maxHeaderBytes
        settings.limits.maxConnections = maxConnections
        settings.limits.requestReadTimeout = .milliseconds(Int64(readTimeoutSeconds * 1000))
        settings.limits.idleTimeout = .milliseconds(Int64(idleTimeoutSeconds * 1000))
        var configuration = ServiceConfiguration(server: settings, configPath: config, projectionOverrides: projection.overrides)
        configuration.broker = brokerOptions.service
        configuration.audit = auditOptions.service
        return configuration
    }
}
