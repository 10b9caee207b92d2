// SPDX-License-Identifier: Apache-2.0
import TokenGateCrypto
import TokenGateJSON

/// Successful TokenReview answers, kept for a few seconds by token hash.
///
/// Kubernetes itself caches positive authentications for 10 s, so a shorter broker cache adds
/// no staleness beyond what the API server already has, while a burst of exchanges from one pod
/// costs one review. Only `authenticated: true` answers are kept (a rejection is cheap to repeat
/// and must not outlive a transient error), never beyond the token's own expiry, and the table
/// is bounded. Keys are SHA-256 of the token, so the cache holds no usable credential.
public actor TokenReviewCache {
    private struct Entry {
        let status: TokenReviewStatus
        let expiresAt: Int64
    }

    public static let maximumEntries = 4096

    private let lifetime: Int64
    private let clock: BrokerClock
    private var entries: [String: Entry] = [:]

    public init(lifetimeSeconds: Int64, clock: BrokerClock) {
        self.lifetime = min(max(lifetimeSeconds, 0), 10)
        self.clock = clock
    }

    /// The cached review, or a fresh one from `reviewer` (cached when positive).
    public func review(
        token: String, audiences: [String], cluster: ClusterSettings, tokenExpiry: Int64, reviewer: any TokenReviewer
    ) async throws(UpstreamUnavailable) -> (status: TokenReviewStatus, cached: Bool) {
        let key = Self.key(token: token, audiences: audiences, cluster: cluster.name)
        let now = clock.now()
        if let entry = entries[key], entry.expiresAt > now { return (entry.status, true) }
        let status = try await reviewer.review(token: token, audiences: audiences, cluster: cluster)
        if status.authenticated, lifetime > 0 {
            store(key, Entry(status: status, expiresAt: min(clock.now() + lifetime, tokenExpiry)))
        }
        return (status, false)
    }

    public var count: Int { entries.count }

    private func store(_ key: String, _ entry: Entry) {
        if entries.count >= Self.maximumEntries {
            let now = clock.now()
            entries = entries.filter { $0.value.expiresAt > now }
            if entries.count >= Self.maximumEntries, let victim = entries.first?.key { entries[victim] = nil }
        }
        entries[key] = entry
    }

    static func key(token: String, audiences: [String], cluster: String) -> String {
        Base64.encodeURL(SHA256.hash(cluster + "\n" + audiences.joined(separator: "\n") + "\n" + token))
    }
}
