// SPDX-License-Identifier: Apache-2.0
import Logging
import Synchronization
import TokenGateBroker
import TokenGateHTTP

/// Keeps a running broker current without a restart, on a timer and on demand (SIGHUP):
///
/// * **config**: the file's bytes are compared each poll; changed bytes are parsed, and a valid
///   `broker:` section replaces clusters, policy and limits (JWKS caches of unchanged clusters
///   survive). An invalid one is logged and counted, and the running settings stay.
/// * **signing keys**: the PEM files' bytes likewise; a new set signs from then on and keys that
///   left the files stay in `/keys` until tokens they signed have expired.
/// * **published keys**: the signing key is renewed in the published-keys ledger and `/keys`
///   takes up the ledger's keys (``KeyLedgerSync``), when the server has a ledger.
/// * **JWKS**: each cluster's keys are refetched once older than `jwksRefreshSeconds`; failures
///   are logged when they start or change, and the cached keys keep working.
public final class BrokerReloader: Sendable {
    /// Reads a file whole; injected so tests can feed content without a file system.
    public typealias FileReader = @Sendable (String) throws -> [UInt8]

    private struct State {
        var configBytes: [UInt8]?
        var keyBytes: [[UInt8]]
        var jwksFailures: [String: String] = [:]
        var trigger: AsyncStream<Bool>.Continuation?
    }

    public let configPath: String?
    public let interval: Duration
    private let exchange: TokenExchange
    private let connections: ClusterConnections
    private let metrics: BrokerMetrics
    private let logger: Logger
    private let read: FileReader
    private let keyLedger: KeyLedgerSync?
    private let state: Mutex<State>
    /// With TrustedCluster resources, reloaded settings go through the registry, which merges them.
    private let registry = Mutex<ClusterRegistry?>(nil)

    func use(registry: ClusterRegistry) { self.registry.withLock { $0 = registry } }

    /// - Parameters:
    ///   - configBytes: the config file content the running settings came from.
    public init(
        configPath: String?, configBytes: [UInt8]?, exchange: TokenExchange, connections: ClusterConnections,
        metrics: BrokerMetrics, interval: Duration, logger: Logger, keyLedger: KeyLedgerSync? = nil,
        read: @escaping FileReader = { try LocalFiles.contents(of: $0) }
    ) {
        self.configPath = configPath
        self.interval = interval
        self.exchange = exchange
        self.connections = connections
        self.metrics = metrics
        self.logger = logger
        self.read = read
        self.keyLedger = keyLedger
        let keyBytes = exchange.settings.signingKeyFiles.map { (try? read($0)) ?? [] }
        self.state = Mutex(State(configBytes: configBytes, keyBytes: keyBytes))
    }

    /// Polls until the calling task is cancelled. The first round runs at once, so every
    /// cluster's keys are fetched before the first exchange needs them.
    public func run() async {
        let (triggers, continuation) = AsyncStream.makeStream(of: Bool.self, bufferingPolicy: .bufferingNewest(1))
        state.withLock { $0.trigger = continuation }
        continuation.yield(false)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [interval] in
                while !Task.isCancelled {
                    do { try await Task.sleep(for: interval) } catch { break }
                    continuation.yield(false)
                }
            }
            for await forced in triggers {
                if Task.isCancelled { break }
                await poll(forced: forced)
            }
            group.cancelAll()
        }
        state.withLock { $0.trigger = nil }
        continuation.finish()
    }

    /// Asks for a reload now (SIGHUP): the config and keys are re-read even if unchanged.
    public func requestReload() {
        let trigger = state.withLock { $0.trigger }
        trigger?.yield(true)
    }

    /// One round: config, signing keys, the published-keys ledger, JWKS.
    public func poll(forced: Bool = false) async {
        if forced { logger.info("reload requested", metadata: ["config": "\(configPath ?? "(none)")"]) }
        reloadConfig(forced: forced)
        reloadSigningKeys(forced: forced)
        await keyLedger?.sync()
        await refreshJWKS()
    }

    func reloadConfig(forced: Bool) {
        guard let configPath else { return }
        let bytes: [UInt8]
        do {
            bytes = try read(configPath)
        } catch {
            logger.warning("cannot read the config file; keeping the running broker settings",
                           metadata: ["config": "\(configPath)", "error": "\(error)"])
            return
        }
        guard forced || state.withLock({ $0.configBytes != bytes }) else { return }
        state.withLock { $0.configBytes = bytes }
        let text = String(decoding: bytes, as: UTF8.self)
        guard BrokerConfig.hasBrokerSection(yaml: text) else {
            metrics.reloaded("config", success: false)
            logger.error("the config file no longer has a broker: section; the broker keeps running with its last settings (restart to turn it off)",
                         metadata: ["config": "\(configPath)"])
            return
        }
        var next: BrokerSettings
        do {
            next = try BrokerSettings.parse(yaml: text)
        } catch {
            metrics.reloaded("config", success: false)
            logger.error("the new config is invalid; the broker keeps its running settings",
                         metadata: ["config": "\(configPath)", "error": "\(error)"])
            return
        }
        let current = exchange.settings
        if next.tokenPath != current.tokenPath || next.issuer != current.issuer {
            logger.warning("broker.tokenPath and broker.issuer take effect on restart; keeping the running ones",
                           metadata: ["tokenPath": "\(current.tokenPath)", "issuer": "\(current.issuer)"])
            next.tokenPath = current.tokenPath
            next.issuer = current.issuer
        }
        if next.clusterResources != current.clusterResources {
            logger.warning("broker.clusterResources takes effect on restart; keeping the running one",
                           metadata: ["clusterResources": "\(current.clusterResources)"])
            next.clusterResources = current.clusterResources
        }
        if let registry = registry.withLock({ $0 }) {
            registry.updateFile(next)
        } else {
            exchange.update(settings: next)
            for problem in connections.prepare(next.clusters) {
                logger.warning("cluster connection", metadata: ["error": "\(problem)"])
            }
        }
        // Warn again for each cluster added or changed that still uses a static token.
        BrokerRuntime.warnAboutStaticTokens(next.clusters.filter { !current.clusters.contains($0) }, connections: connections, logger: logger)
        metrics.reloaded("config", success: true)
        let before = Set(current.clusters.filter { $0.source == .file }.map(\.name)), after = Set(next.clusters.map(\.name))
        logger.info("broker configuration reloaded", metadata: [
            "clusters": "\(next.clusters.map(\.name).joined(separator: ","))",
            "added": "\(after.subtracting(before).sorted().joined(separator: ","))",
            "removed": "\(before.subtracting(after).sorted().joined(separator: ","))",
            "policy_rules": "\(next.policy.rules.count)",
        ])
        if next.signingKeyFiles != current.signingKeyFiles { reloadSigningKeys(forced: true) }
    }

    func reloadSigningKeys(forced: Bool) {
        let paths = exchange.settings.signingKeyFiles
        var bytes: [[UInt8]] = []
        for path in paths {
            do {
                bytes.append(try read(path))
            } catch {
                // Mid-rotation a Secret's files may briefly be missing: wait for the next poll.
                logger.warning("cannot read a signing key file; keeping the running keys", metadata: ["file": "\(path)", "error": "\(error)"])
                return
            }
        }
        guard forced || state.withLock({ $0.keyBytes != bytes }) else { return }
        state.withLock { $0.keyBytes = bytes }
        do {
            let keys = try SigningKeyFiles.keySet(paths)
            exchange.update(signingKeys: keys)
            metrics.reloaded("signing_keys", success: true)
            logger.info("signing keys reloaded", metadata: [
                "signing_kid": "\(keys.signer.keyID)",
                "published_kids": "\(exchange.signingKeys.published.map(\.jwk.keyID).joined(separator: ","))",
            ])
        } catch {
            metrics.reloaded("signing_keys", success: false)
            logger.error("the new signing keys are unusable; the running keys keep signing", metadata: ["error": "\(error)"])
        }
    }

    func refreshJWKS() async {
        let failures = await exchange.refreshJWKS()
        var report: [UpstreamUnavailable] = []
        var recovered: [String] = []
        state.withLock { state in
            let failed = Set(failures.map(\.cluster))
            for name in state.jwksFailures.keys where !failed.contains(name) {
                state.jwksFailures[name] = nil
                recovered.append(name)
            }
            for failure in failures where state.jwksFailures[failure.cluster] != failure.message {
                state.jwksFailures[failure.cluster] = failure.message
                report.append(failure)
            }
        }
        for failure in report {
            logger.warning("cluster keys could not be refreshed; cached keys stay in use",
                           metadata: ["cluster": "\(failure.cluster)", "error": "\(failure.description)"])
        }
        for name in recovered {
            logger.info("cluster keys refreshed again", metadata: ["cluster": "\(name)"])
        }
    }
}
