// SPDX-License-Identifier: Apache-2.0
import TokenGateCrypto
import TokenGateJSON

/// The broker's own keys: one signs, all are published in its JWKS.
///
/// Rotation without breaking relying parties: put the new key first in `signingKeys` and keep
/// the old file for a while, or simply replace the file — ``rotated(to:now:retainFor:)`` keeps
/// publishing a key that disappeared from the files until every token it signed has expired
/// (the longest policy TTL plus clock skew), then drops it. That memory is this process's; the
/// published-keys ledger (``LedgerKey``) carries it across restarts and replicas.
public struct SigningKeySet: Sendable {
    /// A published verification key; `retiredUntil` is set once its private key is gone.
    public struct PublishedKey: Sendable {
        public let jwk: JWK
        public let retiredUntil: Int64?
    }

    /// Signs every new token.
    public let signer: JWSSigner
    /// Every key relying parties may need, the signing key first.
    public let published: [PublishedKey]

    /// - Parameter keys: private keys in priority order; the first signs.
    public init(keys: [PrivateKey]) throws(KeyError) {
        guard let first = keys.first else { throw KeyError(.malformed, "no signing key: configure at least one PEM file in broker.signingKeys") }
        self.signer = try JWSSigner(key: first)
        var published: [PublishedKey] = []
        for key in keys {
            let jwk = JWK(key: try key.publicKey())
            if !published.contains(where: { $0.jwk.keyID == jwk.keyID }) {
                published.append(PublishedKey(jwk: jwk, retiredUntil: nil))
            }
        }
        self.published = published
    }

    init(signer: JWSSigner, published: [PublishedKey]) {
        self.signer = signer
        self.published = published
    }

    /// The set after the key files changed: `next`'s keys, plus this set's keys that are no longer
    /// in the files, published until `now + retainFor` (already-retired keys keep their date).
    public func rotated(to next: SigningKeySet, now: Int64, retainFor: Int64) -> SigningKeySet {
        var published = next.published
        for old in self.published where !published.contains(where: { $0.jwk.keyID == old.jwk.keyID }) {
            let until = old.retiredUntil ?? now + retainFor
            if until > now { published.append(PublishedKey(jwk: old.jwk, retiredUntil: until)) }
        }
        return SigningKeySet(signer: next.signer, published: published)
    }

    /// The same keys minus retired ones whose time has passed.
    public func pruned(now: Int64) -> SigningKeySet {
        SigningKeySet(signer: signer, published: published.filter { ($0.retiredUntil ?? Int64.max) > now })
    }

    /// `{"keys":[…]}` for `GET /keys`.
    public func jwks() throws(KeyError) -> JSON {
        try JWKSet(keys: published.map(\.jwk)).json()
    }

    /// The algorithms of published keys, for discovery's `id_token_signing_alg_values_supported`.
    public var algorithms: [JWSAlgorithm] {
        Array(Set(published.map(\.jwk.algorithm))).sorted { $0.rawValue < $1.rawValue }
    }
}
