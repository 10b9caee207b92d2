// SPDX-License-Identifier: Apache-2.0
import Synchronization
import TokenGateCrypto

/// The verification keys of one cluster, cached between requests.
///
/// * Keys are loaded on first use and refreshed in the background by ``refreshIfOlder(than:)``.
/// * A token whose `kid` is unknown triggers a refetch — at most once per
///   `minimumRefetchInterval`, so a stream of forged kids cannot turn the broker into a
///   load generator against the API server (RFC 8725 §3.10).
/// * A failed fetch never replaces a working set: during an outage the last good keys keep
///   verifying tokens. Only when no set was ever loaded does a lookup fail as unavailable.
/// * Concurrent misses share one fetch.
///
/// The set last loaded is also kept behind a lock, so the exchange's synchronous path can use it
/// without entering the actor (``loadedKeys(keyID:algorithm:)``).
public actor JWKSCache {
    public let cluster: ClusterSettings
    private let loader: JWKSLoader
    private let minimumRefetchInterval: Int64
    private let clock: BrokerClock

    private var current: JWKSet? {
        didSet { loaded.withLock { $0 = current } }
    }
    /// `current`, readable without the actor.
    private nonisolated let loaded = Mutex<JWKSet?>(nil)
    private var loadedAt: Int64?
    private var lastAttempt: Int64?
    private var lastError: UpstreamUnavailable?
    private var inFlight: Task<Result<JWKSet, UpstreamUnavailable>, Never>?

    public init(cluster: ClusterSettings, loader: JWKSLoader, minimumRefetchInterval: Int64, clock: BrokerClock) {
        self.cluster = cluster
        self.loader = loader
        self.minimumRefetchInterval = minimumRefetchInterval
        self.clock = clock
    }

    /// Keys that may verify a token with this `kid` and algorithm; empty when none is known even
    /// after an allowed refetch.
    /// - Throws: ``UpstreamUnavailable`` only when no key set has ever been loaded.
    public func keys(keyID: String?, algorithm: JWSAlgorithm) async throws(UpstreamUnavailable) -> [PublicKey] {
        if let current {
            let found = current.candidates(keyID: keyID, algorithm: algorithm)
            if !found.isEmpty { return found }
            // A known kid with the wrong algorithm, or no kid at all: a refetch cannot help.
            if keyID == nil || current.contains(keyID: keyID ?? "") { return [] }
            if let lastAttempt, clock.now() - lastAttempt < minimumRefetchInterval { return [] }
        }
        switch await refresh() {
        case .success(let set):
            return set.candidates(keyID: keyID, algorithm: algorithm)
        case .failure(let error):
            if let current { return current.candidates(keyID: keyID, algorithm: algorithm) }
            throw error
        }
    }

    /// Keys for this `kid` and algorithm from the set already loaded, without waiting; nil when no
    /// set is loaded or none of its keys fits, where only ``keys(keyID:algorithm:)`` can decide
    /// (about a refetch, or an empty answer).
    public nonisolated func loadedKeys(keyID: String?, algorithm: JWSAlgorithm) -> [PublicKey]? {
        let found = loaded.withLock { $0?.candidates(keyID: keyID, algorithm: algorithm) }
        guard let found, !found.isEmpty else { return nil }
        return found
    }

    /// Refetches when the set is older than `maximumAge` seconds (or missing). Called by the
    /// server's background refresher; returns the error of a failed attempt for logging.
    @discardableResult
    public func refreshIfOlder(than maximumAge: Int64) async -> UpstreamUnavailable? {
        if let loadedAt, clock.now() - loadedAt < maximumAge { return nil }
        if case .failure(let error) = await refresh() { return error }
        return nil
    }

    /// What the cache holds, for readiness and metrics.
    public struct Status: Sendable {
        public let keyIDs: [String]
        public let loadedAt: Int64?
        public let lastError: String?
    }

    public func status() -> Status {
        Status(keyIDs: current?.keys.map(\.keyID) ?? [], loadedAt: loadedAt, lastError: lastError?.description)
    }

    /// One fetch at a time; concurrent callers await the same task.
    private func refresh() async -> Result<JWKSet, UpstreamUnavailable> {
        if let inFlight { return await inFlight.value }
        lastAttempt = clock.now()
        let loader = self.loader, cluster = self.cluster
        let task = Task { () -> Result<JWKSet, UpstreamUnavailable> in
            do throws(UpstreamUnavailable) {
                return .success(try await loader.load(for: cluster))
            } catch {
                return .failure(error)
            }
        }
        inFlight = task
        let result = await task.value
        inFlight = nil
        switch result {
        case .success(let set):
            current = set
            loadedAt = clock.now()
            lastError = nil
        case .failure(let error):
            lastError = error
        }
        return result
    }
}
