// SPDX-License-Identifier: Apache-2.0
import Foundation
import Logging
import Synchronization
import TokenGateAdmission
import TokenGateBroker
import TokenGateJSON
import TokenGateKubeClient
import TokenGateWorkflow

/// Keeps ``ClusterRegistry`` in step with the TrustedCluster resources of the management cluster
/// (`broker.clusterResources: true`) and writes their `status.conditions`.
///
/// * **LIST then WATCH**: `GET …/trustedclusters` (paged with `limit`/`continue`) gives the set
///   and its `resourceVersion`; `?watch=1&allowWatchBookmarks=true&resourceVersion=…` streams
///   ADDED/MODIFIED/DELETED and BOOKMARK events, each advancing the version the next WATCH
///   resumes from. A watch the server ends (`timeoutSeconds`) or that drops is resumed from the
///   last version after a short backoff; `410 Gone` (an ERROR event, or the HTTP status) means
///   the version is too old, so the set is LISTed again.
/// * **Backoff**: 250 ms doubling to 30 s, with jitter, reset by a successful call.
/// * **Deadlines**: every call has one: the client's timeout for LIST, GET and PATCH; the
///   watch's `timeoutSeconds` plus 15 s for a WATCH.
/// * **Status**: after each change and every `interval`, each resource's conditions are
///   computed (probing keys and API server as due) and PATCHed only when they differ from what
///   the API server has.
///
/// Events arrive on the connection's event loop and are only handed to a stream there; all the
/// work happens in this watcher's tasks.
final class TrustedClusterWatcher: Sendable {
    static let path = "/apis/tokengate.io/v1alpha1/trustedclusters"

    let client: KubeClient
    let registry: ClusterRegistry
    let exchange: TokenExchange
    let connections: ClusterConnections
    let namespace: String
    let interval: Duration
    let watchSeconds: Int
    let logger: Logger
    let probes = Mutex<[String: (cluster: ClusterSettings, probe: ClusterProbe, at: ContinuousClock.Instant)]>([:])
    let caReads = Mutex<[String: ContinuousClock.Instant]>([:])

    init(client: KubeClient, registry: ClusterRegistry, exchange: TokenExchange, connections: ClusterConnections, namespace: String,
         interval: Duration, watchSeconds: Int = 300, logger: Logger) {
        self.client = client
        self.registry = registry
        self.exchange = exchange
        self.connections = connections
        self.namespace = namespace
        self.interval = interval
        self.watchSeconds = watchSeconds
        self.logger = logger
    }

    /// Runs until cancelled.
    func run() async {
        let (signals, signal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.watchLoop(signal: signal) }
            group.addTask {
                for await _ in signals { await self.reconcileStatus() }
            }
            group.addTask {
                while (try? await Task.sleep(for: self.interval)) != nil { signal.yield() }
                signal.finish()
            }
            await group.next()
            group.cancelAll()
            signal.finish()
        }
    }

    // MARK: - LIST / WATCH

    private enum WatchEnd: Error {
        case gone
    }

    func watchLoop(signal: AsyncStream<Void>.Continuation) async {
        var resourceVersion: String?
        var backoff = Duration.milliseconds(250)
        var failures = 0
        while !Task.isCancelled {
            do {
                if resourceVersion == nil {
                    resourceVersion = try await list()
                    signal.yield()
                }
                var version = resourceVersion ?? ""
                defer { if resourceVersion != nil { resourceVersion = version } }  // a dropped watch resumes from here
                let started = ContinuousClock.now
                try await watch(from: &version, signal: signal)
                if failures > 0 { logger.info("TrustedCluster watch recovered", metadata: ["resource_version": "\(version)"]) }
                failures = 0
                // A watch that lasted its timeoutSeconds resumes at once; one the server ended at once
                // waits like a failure, so a misbehaving server is never hammered.
                if started.duration(to: .now) >= .seconds(1) {
                    backoff = .milliseconds(250)
                    continue
                }
            } catch WatchEnd.gone {
                logger.info("TrustedCluster watch: resourceVersion too old (410 Gone); listing again")
                resourceVersion = nil
                continue
            } catch {
                if Task.isCancelled { return }
                failures += 1
                if failures == 1 || failures % 10 == 0 {
                    logger.warning("TrustedCluster list/watch failed; retrying", metadata: [
                        "error": "\(error)", "retry_in_ms": "\(backoff.milliseconds)", "attempt": "\(failures)",
                    ])
                }
            }
            let jitter = Double.random(in: 0.8...1.2)
            guard (try? await Task.sleep(for: backoff * jitter)) != nil else { return }
            backoff = min(backoff * 2, .seconds(30))
        }
    }

    /// LISTs every page; replaces the registry's resources. Returns the list's resourceVersion.
    func list() async throws -> String {
        var items: [TrustedClusterResource] = []
        var continueToken: String?
        var version = ""
        repeat {
            var path = Self.path + "?limit=250"
            if let continueToken { path += "&continue=" + Self.escape(continueToken) }
            let (status, body) = try await client.send("GET", path)
            if status == 410 { throw WatchEnd.gone }  // an expired continue token
            guard status == 200 else { throw Self.failure("LIST trustedclusters", status, body) }
            let view = try JSONView.parseOnThisThread(body)
            for item in view.root["items"].map({ Array($0.elements) }) ?? [] { items.append(Self.resource(item)) }
            version = view.root["metadata"]?["resourceVersion"]?.string ?? ""
            continueToken = view.root["metadata"]?["continue"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        } while continueToken != nil
        registry.replaceAll(items)
        logger.info("TrustedClusters listed", metadata: ["count": "\(items.count)", "resource_version": "\(version)"])
        return version
    }

    /// One WATCH from `version`, which follows every event and bookmark, also when the watch drops.
    func watch(from version: inout String, signal: AsyncStream<Void>.Continuation) async throws {
        let path = Self.path + "?watch=1&allowWatchBookmarks=true&resourceVersion=" + Self.escape(version)
            + "&timeoutSeconds=\(watchSeconds)"
        let (lines, sink) = AsyncStream<[UInt8]>.makeStream()
        var last = version
        var gone = false
        defer { version = last }
        let client = self.client, deadline = Duration.seconds(watchSeconds + 15)
        let (status, body) = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            group.addTask {
                defer { sink.finish() }
                return try await client.watch(path, timeout: deadline) { sink.yield($0) }
            }
            for await line in lines {
                switch handle(line) {
                case .version(let next): last = next
                case .gone: gone = true
                case .ignored: break
                }
                signal.yield()
            }
            return try await group.next() ?? (0, [])
        }
        if gone || status == 410 { throw WatchEnd.gone }
        guard status == 200 else { throw Self.failure("WATCH trustedclusters", status, body) }
    }

    enum EventOutcome: Equatable {
        case version(String)
        case gone
        case ignored
    }

    /// One watch event line.
    func handle(_ line: [UInt8]) -> EventOutcome {
        guard let view = try? JSONView.parseOnThisThread(line), let type = view.root["type"]?.string, let object = view.root["object"] else {
            logger.warning("TrustedCluster watch: an event that is not JSON was skipped")
            return .ignored
        }
        let version = object["metadata"]?["resourceVersion"]?.string
        switch type {
        case "ADDED", "MODIFIED":
            registry.upsert(Self.resource(object))
        case "DELETED":
            if let name = object["metadata"]?["name"]?.string {
                registry.remove(name: name)
                probes.withLock { _ = $0.removeValue(forKey: name) }
            }
        case "BOOKMARK":
            break
        case "ERROR":
            if object["code"]?.int == 410 { return .gone }
            logger.warning("TrustedCluster watch: the API server sent an error", metadata: ["message": "\(object["message"]?.string ?? "")"])
            return .ignored
        default:
            return .ignored
        }
        return version.map { .version($0) } ?? .ignored
    }

    static func resource(_ object: JSONView.Value) -> TrustedClusterResource {
        let metadata = object["metadata"]
        let name = metadata?["name"]?.string ?? ""
        let (report, spec) = TrustedClusterValidatingRule.check(object: object, issuersInUse: [:])
        let observed = TrustedClusterConditions.observed(object["status"])
        return TrustedClusterResource(
            name: name, generation: metadata?["generation"]?.int ?? 0, spec: spec, problem: report.errors.first?.summary,
            observed: observed.conditions, observedGeneration: observed.generation)
    }

    // MARK: - helpers

    static func failure(_ what: String, _ status: Int, _ body: [UInt8]) -> KubeClientError {
        let message = (try? JSONView.parseOnThisThread(body))?.root["message"]?.string ?? "HTTP \(status)"
        switch status {
        case 401, 403:
            return .forbidden("\(what) was refused (\(status): \(message)); TokenGate's ServiceAccount needs the tokengate-trustedclusters ClusterRole")
        case 404:
            return .badResponse("\(what): 404 (\(message)); is the TrustedCluster CRD installed?")
        default:
            return .unavailable("\(what): HTTP \(status): \(message)")
        }
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
