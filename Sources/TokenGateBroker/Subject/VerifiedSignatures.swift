// SPDX-License-Identifier: Apache-2.0
import Synchronization
import TokenGateCrypto

/// Subject tokens whose signature has already verified, by SHA-256 of the token, with the key
/// that verified it.
///
/// A pod presents the same projected token for every exchange until the kubelet rotates it (at
/// 80 % of its lifetime: 48 minutes for the default hour), so most exchanges carry a token whose
/// RS256 signature this broker has checked before — the largest single cost of a cached exchange
/// after its own ES256 signature. Verifying the same bytes with the same key gives the same
/// answer, so a hit skips only that: the token is still parsed, its `alg` still checked against
/// the cluster, its claims, audience and times still checked on every exchange, and the hit
/// counts only while the key that verified it is still one of the cluster's candidate keys (a
/// key dropped from the cluster's JWKS drops every token it verified). Envoy's JWT filter keeps
/// the same kind of cache of verified tokens.
///
/// Only successes are kept; a token that fails to verify is checked again each time. The table
/// holds digests and references to public keys, no credential, and is bounded.
final class VerifiedSignatures: Sendable {
    private struct Entry {
        /// DER `SubjectPublicKeyInfo` of the key that verified the token (shared, not copied).
        let keyDER: [UInt8]
        let expiresAt: Int64
    }

    static let maximumEntries = 4096
    /// How long a verified token is remembered: long enough that a pod's steady exchanges hit,
    /// short enough that the table turns over (a token's own `exp` is checked separately).
    static let lifetimeSeconds: Int64 = 300

    private let entries = Mutex<[TokenDigest: Entry]>([:])
    private let clock: BrokerClock
    private let hitCount = Atomic<Int>(0)

    init(clock: BrokerClock) {
        self.clock = clock
    }

    /// Whether `digest` verified before with one of `candidates`, and not too long ago.
    func verified(_ digest: TokenDigest, byOneOf candidates: [PublicKey]) -> Bool {
        let now = clock.now()
        guard let keyDER = entries.withLock({ entries -> [UInt8]? in
            guard let entry = entries[digest], entry.expiresAt > now else { return nil }
            return entry.keyDER
        }) else { return false }
        // Array == compares storage identity first: the same key object answers at once.
        guard candidates.contains(where: { $0.derSPKI == keyDER }) else { return false }
        hitCount.add(1, ordering: .relaxed)
        return true
    }

    /// Remembers that `digest` verified with `key`.
    func remember(_ digest: TokenDigest, verifiedBy key: PublicKey) {
        let now = clock.now()
        entries.withLock { entries in
            if entries.count >= Self.maximumEntries {
                entries = entries.filter { $0.value.expiresAt > now }
                if entries.count >= Self.maximumEntries, let victim = entries.first?.key { entries[victim] = nil }
            }
            entries[digest] = Entry(keyDER: key.derSPKI, expiresAt: now + Self.lifetimeSeconds)
        }
    }

    var count: Int { entries.withLock { $0.count } }
    /// Signatures not checked again because they had verified before.
    var hits: Int { hitCount.load(ordering: .relaxed) }
}
