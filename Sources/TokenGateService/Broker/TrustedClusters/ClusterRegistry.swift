// SPDX-License-Identifier: Apache-2.0
import Logging
import Synchronization
import TokenGateBroker
import TokenGateWorkflow

/// One `status.conditions[]` entry of a TrustedCluster.
struct ClusterCondition: Sendable, Equatable {
    var type: String
    var status: String
    var reason: String
    var message: String
    var observedGeneration: Int64
    var lastTransitionTime: String

    /// Equal but for `lastTransitionTime`: whether writing this would change anything.
    func sameState(as other: ClusterCondition) -> Bool {
        type == other.type && status == other.status && reason == other.reason && message == other.message
            && observedGeneration == other.observedGeneration
    }
}

/// A TrustedCluster as the watcher last saw it.
struct TrustedClusterResource: Sendable {
    var name: String
    var generation: Int64
    /// The checked spec; nil when the object breaks the rules (`problem` says how).
    var spec: TrustedClusterSpec?
    var problem: String?
    /// `status.conditions` as stored in the API server, by type.
    var observed: [String: ClusterCondition] = [:]
    var observedGeneration: Int64?
    /// The CA read from `spec.caConfigMap`, or why it could not be.
    var configMapCA: Result<[UInt8], CAProblem>?

    struct CAProblem: Error, Sendable, Equatable {
        let message: String
    }
}

/// Why a resource's cluster is not in use, for its `Ready` condition.
struct ClusterExclusion: Error, Sendable, Equatable {
    let reason: String
    let message: String
}

/// The trusted clusters in force: the config file's, plus the TrustedCluster resources', merged.
///
/// The file's entry wins a name or an issuer both use; the resource then reports the conflict.
/// Among resources, the one first by name keeps a shared issuer. Every change installs the merged
/// settings in the exchange (new exchanges use them; one in flight keeps its snapshot) and
/// prepares the connections, so a cluster added by resource is usable at once.
final class ClusterRegistry: Sendable {
    private struct State {
        var file: BrokerSettings
        var resources: [String: TrustedClusterResource] = [:]
        var exclusions: [String: ClusterExclusion] = [:]
        var merged: [String: ClusterSettings] = [:]
    }

    private let state: Mutex<State>
    /// Held through a whole ``apply()``, so concurrent changes install in the order they merged.
    private let applying = Mutex(())
    private let exchange: TokenExchange
    private let connections: ClusterConnections
    private let issuers: IssuerDirectory
    private let logger: Logger

    init(file: BrokerSettings, exchange: TokenExchange, connections: ClusterConnections, issuers: IssuerDirectory, logger: Logger) {
        self.state = Mutex(State(file: file))
        self.exchange = exchange
        self.connections = connections
        self.issuers = issuers
        self.logger = logger
    }

    // MARK: - changes

    /// The config file was reloaded.
    func updateFile(_ settings: BrokerSettings) {
        state.withLock { $0.file = settings }
        apply()
    }

    /// A fresh LIST: the resources are exactly these.
    func replaceAll(_ resources: [TrustedClusterResource]) {
        state.withLock { state in
            var next: [String: TrustedClusterResource] = [:]
            for var resource in resources {
                if let old = state.resources[resource.name], old.spec == resource.spec { resource.configMapCA = old.configMapCA }
                next[resource.name] = resource
            }
            state.resources = next
        }
        apply()
    }

    /// ADDED or MODIFIED.
    func upsert(_ resource: TrustedClusterResource) {
        var resource = resource
        state.withLock { state in
            if let old = state.resources[resource.name], old.spec == resource.spec { resource.configMapCA = old.configMapCA }
            state.resources[resource.name] = resource
        }
        apply()
    }

    /// DELETED.
    func remove(name: String) {
        state.withLock { _ = $0.resources.removeValue(forKey: name) }
        apply()
    }

    /// The CA of `spec.caConfigMap`, read (or not) for the spec it was read for.
    func setConfigMapCA(name: String, for spec: TrustedClusterSpec, _ result: Result<[UInt8], TrustedClusterResource.CAProblem>) {
        let changed = state.withLock { state -> Bool in
            guard var resource = state.resources[name], resource.spec == spec, resource.configMapCA != result else { return false }
            resource.configMapCA = result
            state.resources[name] = resource
            return true
        }
        if changed { apply() }
    }

    /// What was written to the API server's status, so it is not written again.
    func setObserved(name: String, generation: Int64, conditions: [ClusterCondition]) {
        state.withLock { state in
            guard var resource = state.resources[name] else { return }
            resource.observed = Dictionary(conditions.map { ($0.type, $0) }, uniquingKeysWith: { $1 })
            resource.observedGeneration = generation
            state.resources[name] = resource
        }
    }

    // MARK: - reading

    var resources: [TrustedClusterResource] { state.withLock { Array($0.resources.values) }.sorted { $0.name < $1.name } }

    /// The cluster settings a resource is in force with, or why it is not.
    func placement(of name: String) -> Result<ClusterSettings, ClusterExclusion>? {
        state.withLock { state in
            if let cluster = state.merged[name] { return .success(cluster) }
            return state.exclusions[name].map { .failure($0) }
        }
    }

    // MARK: - merge

    /// Installs file + resources in the exchange and the connections. Synchronous (no await), so
    /// holding `applying` throughout cannot stall a task; exchange and connections never call back.
    func apply() {
        applying.withLock { _ in applyLocked() }
    }

    private func applyLocked() {
        let (settings, added, removed) = state.withLock { state -> (BrokerSettings, [String], [String]) in
            let (merged, exclusions) = Self.merge(file: state.file, resources: Array(state.resources.values))
            let before = Set(state.merged.keys)
            state.merged = Dictionary(merged.clusters.filter { $0.source == .resource }.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
            state.exclusions = exclusions
            let after = Set(state.merged.keys)
            return (merged, after.subtracting(before).sorted(), before.subtracting(after).sorted())
        }
        exchange.update(settings: settings)
        for problem in connections.prepare(settings.clusters) {
            logger.warning("cluster connection", metadata: ["error": "\(problem)"])
        }
        issuers.set(Dictionary(settings.clusters.map { ($0.issuer, $0.name) }, uniquingKeysWith: { first, _ in first }))
        if !added.isEmpty {
            logger.info("trusted clusters added from resources", metadata: ["clusters": "\(added.joined(separator: ","))"])
        }
        if !removed.isEmpty {
            logger.info("trusted clusters from resources no longer in use", metadata: ["clusters": "\(removed.joined(separator: ","))"])
        }
    }

    /// The file's clusters, then each usable resource by name; the rest are excluded with a reason.
    static func merge(file: BrokerSettings, resources: [TrustedClusterResource]) -> (BrokerSettings, [String: ClusterExclusion]) {
        var settings = file
        var issuers = Dictionary(file.clusters.map { ($0.issuer, $0.name) }, uniquingKeysWith: { first, _ in first })
        let fileNames = Set(file.clusters.map(\.name))
        var exclusions: [String: ClusterExclusion] = [:]
        for resource in resources.sorted(by: { $0.name < $1.name }) {
            guard let spec = resource.spec else {
                exclusions[resource.name] = ClusterExclusion(reason: "InvalidSpec", message: resource.problem ?? "the spec breaks TokenGate's rules")
                continue
            }
            if fileNames.contains(spec.name) {
                exclusions[resource.name] = ClusterExclusion(
                    reason: "NameConflict",
                    message: "the config file's broker.clusters has a cluster named \(spec.name); the file's entry is used: rename this resource or remove the file's entry")
                continue
            }
            if let owner = issuers[spec.issuer] {
                exclusions[resource.name] = ClusterExclusion(
                    reason: "IssuerConflict",
                    message: "issuer \(spec.issuer) is already used by cluster \(owner); iss must pick exactly one cluster")
                continue
            }
            var caPEM: [UInt8]?
            if let bundle = spec.caBundle {
                caPEM = Array(bundle.utf8)
            } else if let reference = spec.caConfigMap {
                switch resource.configMapCA {
                case .success(let pem)?: caPEM = pem
                case .failure(let problem)?:
                    exclusions[resource.name] = ClusterExclusion(reason: "CAUnavailable", message: problem.message)
                    continue
                case nil:
                    exclusions[resource.name] = ClusterExclusion(
                        reason: "CAUnavailable", message: "ConfigMap \(reference.name) (key \(reference.key)) has not been read yet")
                    continue
                }
            }
            issuers[spec.issuer] = spec.name
            settings.clusters.append(clusterSettings(spec, caPEM: caPEM))
        }
        return (settings, exclusions)
    }

    static func clusterSettings(_ spec: TrustedClusterSpec, caPEM: [UInt8]?) -> ClusterSettings {
        var cluster = ClusterSettings(
            name: spec.name, issuer: spec.issuer, jwks: spec.jwksURL.map { .url($0) } ?? .discovery,
            verification: VerificationMode(rawValue: spec.verify) ?? .both, checkPod: spec.checkPod, apiServer: spec.apiServer,
            auth: spec.selfIssued.map { .selfIssued(SelfIssuedAuth(audience: $0.audience, subject: $0.subject, ttlSeconds: $0.ttlSeconds)) })
        cluster.caPEM = caPEM
        cluster.source = .resource
        return cluster
    }
}

/// Issuers in force, by cluster name's issuer → name, for the TrustedCluster webhook rule.
final class IssuerDirectory: Sendable {
    private let issuers = Mutex<[String: String]>([:])

    var current: [String: String] { issuers.withLock { $0 } }

    func set(_ next: [String: String]) { issuers.withLock { $0 = next } }
}
