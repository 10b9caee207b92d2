// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Logging
import TokenGateBroker
import TokenGateHTTP
import TokenGateService

/// `serve`'s broker flags.
struct BrokerServeOptions: ParsableArguments {
    @Option(name: .customLong("broker-reload-seconds"), help: ArgumentHelp(
        "How often the broker re-reads --config and its signing-key files, and refreshes clusters' stale JWKS. SIGHUP reloads at once.",
        valueName: "seconds"))
    var reloadSeconds: Double = 10

    @Option(name: .customLong("kube-timeout-seconds"), help: ArgumentHelp(
        "Time budget of each call to a cluster's API server or JWKS endpoint, connect to last byte; over it the exchange answers 503 temporarily_unavailable.",
        valueName: "seconds"))
    var kubeTimeoutSeconds: Double = 2

    @Option(name: .customLong("broker-key-ledger"), help: ArgumentHelp(
        "SQLite file (on a persistent volume) where the broker records its signing keys, so /keys keeps a replaced key after a restart until its tokens expire. Default: the audit database (--audit-db, or --audit-dsn shared by replicas).",
        valueName: "file"))
    var keyLedger: String?

    func validate() throws {
        guard reloadSeconds > 0 else { throw ValidationError("--broker-reload-seconds must be more than 0") }
        guard kubeTimeoutSeconds > 0, kubeTimeoutSeconds <= 60 else { throw ValidationError("--kube-timeout-seconds must be in (0, 60]") }
    }
}

/// The running broker: what serve keeps alive next to the HTTPS server.
struct BrokerRuntime {
    let exchange: TokenExchange
    let reloader: BrokerReloader
    let hangup: ReloadSignal
}

extension ServeCommand {
    /// Turns the broker on when `--config` has a `broker:` section: validates it (serve refuses to
    /// start with an invalid one, like the admission config), loads the signing keys, registers
    /// `POST <tokenPath>`, `GET /.well-known/openid-configuration` and `GET /keys`, and adds the
    /// broker's series to `/metrics`. Without a broker section nothing is registered.
    static func makeBroker(
        configPath: String?, options: BrokerServeOptions, router: inout Router, serverMetrics: ServerMetrics, logger: Logger,
        audit: AuditTrail?
    ) throws -> BrokerRuntime? {
        guard let configPath else {
            logger.info("token broker off: no --config")
            return nil
        }
        let bytes: [UInt8]
        do {
            bytes = try LocalFiles.contents(of: configPath)
        } catch {
            throw ServeStartupError(message: "--config \(configPath): cannot read: \(error)")
        }
        let settings: BrokerSettings
        do {
            guard let parsed = try BrokerConfig.settings(yaml: String(decoding: bytes, as: UTF8.self)) else {
                logger.info("token broker off: the config has no broker: section", metadata: ["config": "\(configPath)"])
                return nil
            }
            settings = parsed
        } catch {
            throw ServeStartupError(message: "--config \(configPath): \(error)")
        }
        let keys: SigningKeySet
        do {
            keys = try SigningKeyFiles.keySet(settings.signingKeyFiles)
        } catch {
            throw ServeStartupError(message: "--config \(configPath): broker.signingKeys: \(error)")
        }
        let metrics = BrokerMetrics()
        let connections = ClusterConnections(timeout: .milliseconds(Int64(options.kubeTimeoutSeconds * 1000)), metrics: metrics)
        for problem in connections.prepare(settings.clusters) {
            logger.warning("cluster connection", metadata: ["error": "\(problem)"])
        }
        let exchange = TokenExchange(settings: settings, signingKeys: keys, fetcher: connections, reviewer: connections, pods: connections)
        BrokerRoutes.register(on: &router, exchange: exchange, metrics: metrics, logger: logger) { record in
            audit?.record(exchange: record)
        }
        serverMetrics.addCollector { metrics.render() }
        let keyLedger = try makeKeyLedger(options: options, audit: audit, exchange: exchange, metrics: metrics, logger: logger)
        let reloader = BrokerReloader(
            configPath: configPath, configBytes: bytes, exchange: exchange, connections: connections, metrics: metrics,
            interval: .milliseconds(Int64(options.reloadSeconds * 1000)), logger: logger, keyLedger: keyLedger)
        let hangup = ReloadSignal { reloader.requestReload() }
        logger.info("token broker on", metadata: [
            "issuer": "\(settings.issuer)", "token_path": "\(settings.tokenPath)", "audience": "\(settings.audience)",
            "clusters": "\(settings.clusters.map(\.name).joined(separator: ","))", "signing_kid": "\(keys.signer.keyID)",
        ])
        return BrokerRuntime(exchange: exchange, reloader: reloader, hangup: hangup)
    }
}
