// SPDX-License-Identifier: Apache-2.0
import Synchronization
import TokenGateCrypto
import TokenGateJSON

/// Successful TokenReview answers, kept for a few seconds by token hash.
///
/// Kubernetes itself caches positive authentications for 10 s, so a shorter broker cache adds
/// no staleness beyond what the API server already has, while a burst of exchanges from one pod
/// costs one review. Only `authenticated: true` answers are kept (a rejection is cheap to repeat
/// and must not outlive a transient error), never beyond the token's own expiry, and the table
/// is bounded. Keys are SHA-256 of the token, so the cache holds no usable credential.
///
/// A lock, not an actor: a hit is a table lookup, which the exchange's synchronous path
/// (``TokenExchange/exchangeIfReady(form:clientAddress:)``) makes on the event loop without a
/// task or an executor hop. The lock is never held across an await.
public final class TokenReviewCache: Sendable {
    private struct Entry {
        let status: TokenReviewStatus
        let expiresAt: Int64
    }

    /// SHA-256 of cluster, audiences and token (``key(token:audiences:cluster:)``).
    typealias Key = TokenDigest

    public static let maximumEntries = 4096

    private let lifetime: Int64
    private let clock: BrokerClock
    private let entries = Mutex<[Key: Entry]>([:])

    public init(lifetimeSeconds: Int64, clock: BrokerClock) {
        self.lifetime = min(max(lifetimeSeconds, 0), 10)
        self.clock = clock
    }

    /// The cached review, or a fresh one from `reviewer` (cached when positive).
    ///
    /// Exchanges that miss together (a burst from one pod, or every connection at the moment an
    /// entry expires) share one review: the first asks the API server, the others wait for its
    /// answer instead of sending the same TokenReview again. `cached` is false only for the one
    /// that asked: the others made no review of their own.
    public func review(
        token: String, audiences: [String], cluster: ClusterSettings, tokenExpiry: Int64, reviewer: any TokenReviewer
    ) async throws(UpstreamUnavailable) -> (status: TokenReviewStatus, cached: Bool) {
        try await review(token: token, digest: TokenDigest(token: token), audiences: audiences, cluster: cluster,
                         tokenExpiry: tokenExpiry, reviewer: reviewer)
    }

    /// ``review(token:audiences:cluster:tokenExpiry:reviewer:)`` with the token's digest already made.
    func review(
        token: String, digest: TokenDigest, audiences: [String], cluster: ClusterSettings, tokenExpiry: Int64,
        reviewer: any TokenReviewer
    ) async throws(UpstreamUnavailable) -> (status: TokenReviewStatus, cached: Bool) {
        let key = Self.key(digest: digest, audiences: audiences, cluster: cluster.name)
        if let status = lookup(key) { return (status, true) }
        let (flight, asks) = inFlight.withLock { flights in
            if let running = flights[key] { return (running, false) }
            let flight = Task { () -> Result<TokenReviewStatus, UpstreamUnavailable> in
                do throws(UpstreamUnavailable) {
                    return .success(try await reviewer.review(token: token, audiences: audiences, cluster: cluster))
                } catch {
                    return .failure(error)
                }
            }
            flights[key] = flight
            return (flight, true)
        }
        let result = await flight.value
        if asks {
            if case .success(let status) = result, status.authenticated, lifetime > 0 {
                store(key, Entry(status: status, expiresAt: min(clock.now() + lifetime, tokenExpiry)))
            }
            // After the store: an exchange that misses from here on finds the entry.
            inFlight.withLock { $0[key] = nil }
        }
        return (try result.get(), !asks)
    }

    /// Reviews being asked now, by key; each entry is removed by the exchange that started it.
    private let inFlight = Mutex<[Key: Task<Result<TokenReviewStatus, UpstreamUnavailable>, Never>]>([:])

    /// The cached review when there is one, without waiting for anything; nil on a miss.
    public func cachedReview(token: String, audiences: [String], cluster: ClusterSettings) -> TokenReviewStatus? {
        cachedReview(digest: TokenDigest(token: token), audiences: audiences, cluster: cluster)
    }

    /// ``cachedReview(token:audiences:cluster:)`` with the token's digest already made.
    func cachedReview(digest: TokenDigest, audiences: [String], cluster: ClusterSettings) -> TokenReviewStatus? {
        lookup(Self.key(digest: digest, audiences: audiences, cluster: cluster.name))
    }

    public var count: Int { entries.withLock { $0.count } }

    private func lookup(_ key: Key) -> TokenReviewStatus? {
        let now = clock.now()
        return entries.withLock { entries in
            guard let entry = entries[key], entry.expiresAt > now else { return nil }
            return entry.status
        }
    }

    private func store(_ key: Key, _ entry: Entry) {
        let now = clock.now()
        entries.withLock { entries in
            if entries.count >= Self.maximumEntries {
                entries = entries.filter { $0.value.expiresAt > now }
                if entries.count >= Self.maximumEntries, let victim = entries.first?.key { entries[victim] = nil }
            }
            entries[key] = entry
        }
    }

    /// SHA-256 of `cluster \n audiences (joined by \n) \n` and the token's own SHA-256, hashed from
    /// one stack buffer: the token itself (about 1 KiB) is hashed once per exchange, in
    /// ``SubjectTokenValidator/parse(_:)``, not again here.
    static func key(digest: TokenDigest, audiences: [String], cluster: String) -> Key {
        var length = cluster.utf8.count + 1 + MemoryLayout.size(ofValue: digest.words)
        for (index, audience) in audiences.enumerated() { length += audience.utf8.count + (index > 0 ? 1 : 0) }
        length += 1
        return withUnsafeTemporaryAllocation(byteCount: length, alignment: 8) { buffer in
            var at = 0
            func put(_ bytes: UnsafeRawBufferPointer) {
                UnsafeMutableRawBufferPointer(rebasing: buffer[at..<(at + bytes.count)]).copyMemory(from: bytes)
                at += bytes.count
            }
            func put(_ text: String) {
                var text = text
                text.withUTF8 { put(UnsafeRawBufferPointer($0)) }
            }
            func newline() { buffer[at] = 0x0A; at += 1 }
            put(cluster)
            newline()
            for (index, audience) in audiences.enumerated() {
                if index > 0 { newline() }
                put(audience)
            }
            newline()
            withUnsafeBytes(of: digest.words) { put($0) }
            return Key(of: UnsafeRawBufferPointer(buffer))
        }
    }
}
