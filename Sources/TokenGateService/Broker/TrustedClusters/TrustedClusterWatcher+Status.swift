// SPDX-License-Identifier: Apache-2.0
import Foundation
import Logging
import Synchronization
import TokenGateAdmission
import TokenGateBroker
import TokenGateJSON
import TokenGateKubeClient
import TokenGateWorkflow

/// Status of the TrustedClusters: CA ConfigMaps, probes, and conditions written only on change.
extension TrustedClusterWatcher {
    /// CA ConfigMaps, probes and status writes for every resource.
    func reconcileStatus() async {
        for resource in registry.resources {
            if let spec = resource.spec, let reference = spec.caConfigMap { await readCA(resource, spec, reference) }
        }
        let now = ContinuousClock.now
        for resource in registry.resources {
            let placement = registry.placement(of: resource.name)
            var probe: ClusterProbe?
            if case .success(let cluster)? = placement {
                probe = await self.probe(cluster, now: now)
            }
            let conditions = TrustedClusterConditions.compute(resource: resource, placement: placement, probe: probe, now: Date())
            guard TrustedClusterConditions.differs(conditions, from: resource) else { continue }
            await writeStatus(resource, conditions)
        }
    }

    private func readCA(_ resource: TrustedClusterResource, _ spec: TrustedClusterSpec, _ reference: TrustedClusterSpec.ConfigMapKey) async {
        let now = ContinuousClock.now
        if case .success? = resource.configMapCA { return }
        // Retried every 5 s while it fails.
        if let last = caReads.withLock({ $0[resource.name] }), last.duration(to: now) < .seconds(5), resource.configMapCA != nil { return }
        caReads.withLock { $0[resource.name] = now }
        let path = "/api/v1/namespaces/\(namespace)/configmaps/\(reference.name)"
        let result: Result<[UInt8], TrustedClusterResource.CAProblem>
        do {
            let (status, body) = try await client.send("GET", path)
            if status == 200, let view = try? JSONView.parseOnThisThread(body), let pem = view.root["data"]?[reference.key]?.string {
                if let problem = TrustedClusterValidator.pemProblem(pem) {
                    result = .failure(.init(message: "ConfigMap \(namespace)/\(reference.name) key \(reference.key) \(problem)"))
                } else {
                    result = .success(Array(pem.utf8))
                }
            } else if status == 200 {
                result = .failure(.init(message: "ConfigMap \(namespace)/\(reference.name) has no key \(reference.key)"))
            } else if status == 404 {
                result = .failure(.init(message: "ConfigMap \(namespace)/\(reference.name) does not exist (it must be in TokenGate's namespace)"))
            } else {
                result = .failure(.init(message: "GET ConfigMap \(namespace)/\(reference.name) answered HTTP \(status)"))
            }
        } catch {
            result = .failure(.init(message: "GET ConfigMap \(namespace)/\(reference.name): \(error)"))
        }
        registry.setConfigMapCA(name: resource.name, for: spec, result)
    }

    /// The cluster's probe, redone when its settings changed, every 2 s while something fails,
    /// and every minute otherwise.
    private func probe(_ cluster: ClusterSettings, now: ContinuousClock.Instant) async -> ClusterProbe {
        if let last = probes.withLock({ $0[cluster.name] }), last.cluster == cluster {
            if last.at.duration(to: now) < (last.probe.isFailing ? .seconds(2) : .seconds(60)) { return last.probe }
        }
        var probe = ClusterProbe()
        if cluster.verification.usesJWKS, let cache = exchange.jwksCache(cluster: cluster.name) {
            let failure = await cache.refreshIfOlder(than: exchange.settings.jwksRefreshSeconds)
            let status = await cache.status()
            if !status.keyIDs.isEmpty {
                probe.jwks = .success(status.keyIDs.count)
            } else {
                probe.jwks = .failure(.init(message: failure?.message ?? status.lastError ?? "the key set is empty"))
            }
        }
        if cluster.apiServer != nil {
            switch await connections.probeAPIServer(cluster) {
            case .success(let status): probe.api = .success(status)
            case .failure(let error): probe.api = .failure(.init(message: error.message))
            }
        }
        probes.withLock { $0[cluster.name] = (cluster, probe, now) }
        return probe
    }

    private func writeStatus(_ resource: TrustedClusterResource, _ conditions: [ClusterCondition]) async {
        let body = TrustedClusterConditions.statusPatch(generation: resource.generation, conditions: conditions)
        do {
            let (status, answer) = try await client.send("PATCH", Self.path + "/" + resource.name + "/status", body: body,
                                                         contentType: "application/merge-patch+json")
            if status == 200 {
                registry.setObserved(name: resource.name, generation: resource.generation, conditions: conditions)
                let ready = conditions.first { $0.type == "Ready" }
                logger.info("TrustedCluster status written", metadata: [
                    "cluster": "\(resource.name)", "ready": "\(ready?.status ?? "")", "reason": "\(ready?.reason ?? "")",
                ])
            } else if status != 404 {
                logger.warning("cannot write TrustedCluster status", metadata: [
                    "cluster": "\(resource.name)", "error": "\(Self.failure("PATCH status", status, answer))",
                ])
            }
        } catch {
            logger.warning("cannot write TrustedCluster status", metadata: ["cluster": "\(resource.name)", "error": "\(error)"])
        }
    }
}
