// SPDX-License-Identifier: Apache-2.0
import Foundation
import Logging
import TokenGateAdmission
import TokenGateAudit
import TokenGateKubeClient
import TokenGateBroker
import TokenGateHTTP

/// The running broker: what the service keeps alive next to the HTTPS server.
struct BrokerRuntime: Sendable {
    let exchange: TokenExchange
    let reloader: BrokerReloader
    let hangup: ReloadSignal
    /// With `broker.clusterResources: true`: LIST/WATCH of TrustedCluster resources.
    let watcher: TrustedClusterWatcher?

    /// Turns the broker on when `--config` has a `broker:` section: validates it (the server
    /// refuses to start with an invalid one, like the admission config), loads the signing keys,
    /// registers `POST <tokenPath>`, `GET /.well-known/openid-configuration` and `GET /keys`, and
    /// adds the broker's series to `/metrics`. Without a broker section nothing is registered.
    static func start(
        configPath: String?, options: ServiceConfiguration.Broker, router: inout Router, serverMetrics: ServerMetrics,
        audit: AuditTrail?, logger: Logger, issuers: IssuerDirectory = IssuerDirectory()
    ) throws(ServiceStartupError) -> BrokerRuntime? {
        guard let configPath else {
            logger.info("token broker off: no --config")
            return nil
        }
        let bytes: [UInt8]
        do {
            bytes = try LocalFiles.contents(of: configPath)
        } catch {
            throw ServiceStartupError(message: "--config \(configPath): cannot read: \(error)")
        }
        let settings: BrokerSettings
        do {
            guard let parsed = try BrokerConfig.settings(yaml: String(decoding: bytes, as: UTF8.self)) else {
                logger.info("token broker off: the config has no broker: section", metadata: ["config": "\(configPath)"])
                return nil
            }
            settings = parsed
        } catch {
            throw ServiceStartupError(message: "--config \(configPath): \(error)")
        }
        let keys: SigningKeySet
        do {
            keys = try SigningKeyFiles.keySet(settings.signingKeyFiles)
        } catch {
            throw ServiceStartupError(message: "--config \(configPath): broker.signingKeys: \(error)")
        }
        let metrics = BrokerMetrics()
        // Each JWKS fetch's and TokenReview's outcome, for the review page's clusters table.
        let checks: (@Sendable (ClusterCheck) -> Void)? = audit.map { trail in { @Sendable check in trail.record(check: check) } }
        let connections = ClusterConnections(
            timeout: .milliseconds(Int64(options.kubeTimeoutSeconds * 1000)), metrics: metrics, checks: checks)
        for problem in connections.prepare(settings.clusters) {
            logger.warning("cluster connection", metadata: ["error": "\(problem)"])
        }
        let exchange = TokenExchange(settings: settings, signingKeys: keys, fetcher: connections, reviewer: connections, pods: connections)
        connections.useSelfIssuedSigner { [exchange] in (exchange.settings.issuer, exchange.signingKeys.signer) }
        warnAboutStaticTokens(settings.clusters, connections: connections, logger: logger)
        BrokerRoutes.register(on: &router, exchange: exchange, metrics: metrics, logger: logger) { record in
            audit?.record(exchange: record)
        }
        serverMetrics.addCollector { metrics.render() }
        let keyLedger = try KeyLedgerSync.start(options: options, audit: audit, exchange: exchange, metrics: metrics, logger: logger)
        let reloader = BrokerReloader(
            configPath: configPath, configBytes: bytes, exchange: exchange, connections: connections, metrics: metrics,
            interval: .milliseconds(Int64(options.reloadSeconds * 1000)), logger: logger, keyLedger: keyLedger)
        var watcher: TrustedClusterWatcher?
        if settings.clusterResources {
            let registry = ClusterRegistry(file: settings, exchange: exchange, connections: connections, issuers: issuers, logger: logger)
            reloader.use(registry: registry)
            registry.apply()
            watcher = try Self.trustedClusterWatcher(
                settings: settings, registry: registry, exchange: exchange, connections: connections, options: options, logger: logger)
        } else {
            issuers.set(Dictionary(settings.clusters.map { ($0.issuer, $0.name) }, uniquingKeysWith: { first, _ in first }))
        }
        let hangup = ReloadSignal { reloader.requestReload() }
        logger.info("token broker on", metadata: [
            "issuer": "\(settings.issuer)", "token_path": "\(settings.tokenPath)", "audience": "\(settings.audience)",
            "clusters": "\(settings.clusters.map(\.name).joined(separator: ","))", "signing_kid": "\(keys.signer.keyID)",
        ])
        return BrokerRuntime(exchange: exchange, reloader: reloader, hangup: hangup, watcher: watcher)
    }

    /// One warning per cluster that still reaches its API server with a long-lived token of that
    /// cluster stored here (`tokenFile`, a kubeconfig token): `auth.selfIssued` needs none.
    static func warnAboutStaticTokens(_ clusters: [ClusterSettings], connections: ClusterConnections, logger: Logger) {
        for name in connections.staticTokenClusters(clusters) {
            logger.warning("cluster uses a static API token; switch it to auth.selfIssued so no credential of that cluster is stored here",
                           metadata: ["cluster": "\(name)"])
        }
    }

    /// The management cluster's API (in-cluster, or `clusterResourcesKubeconfig`) and the watcher on it.
    static func trustedClusterWatcher(
        settings: BrokerSettings, registry: ClusterRegistry, exchange: TokenExchange, connections: ClusterConnections,
        options: ServiceConfiguration.Broker, logger: Logger
    ) throws(ServiceStartupError) -> TrustedClusterWatcher {
        let endpoint: KubeEndpoint
        do {
            if let kubeconfig = settings.clusterResourcesKubeconfig {
                endpoint = try KubeConfigFile.load(path: kubeconfig)
            } else {
                endpoint = try KubeEndpoint.inCluster()
            }
        } catch {
            throw ServiceStartupError(message: "broker.clusterResources: cannot reach the Kubernetes API to read TrustedClusters: \(error)")
        }
        let client: KubeClient
        do {
            client = KubeClient(endpoint: endpoint, transport: try HTTPSKubeTransport(endpoint: endpoint),
                                timeout: .milliseconds(Int64(options.kubeTimeoutSeconds * 1000)))
        } catch {
            throw ServiceStartupError(message: "broker.clusterResources: \(error)")
        }
        let namespace = ProjectionSettings.podNamespace()
            ?? (try? String(contentsOfFile: "/var/run/secrets/kubernetes.io/serviceaccount/namespace", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            ?? "tokengate-system"
        logger.info("TrustedCluster resources on", metadata: ["api": "\(endpoint.host):\(endpoint.port)", "namespace": "\(namespace)"])
        return TrustedClusterWatcher(
            client: client, registry: registry, exchange: exchange, connections: connections, namespace: namespace,
            interval: .milliseconds(Int64(max(0.5, min(options.reloadSeconds, 10)) * 1000)), logger: logger)
    }
}
