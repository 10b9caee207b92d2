// SPDX-License-Identifier: Apache-2.0
import TokenGateCrypto
import TokenGateJSON

/// A verification key from the published-keys ledger: one this replica signed with before a
/// restart, or another replica signs with now. `/keys` publishes it until ``publishUntil`` even
/// though no key file here holds it, so a relying party that fetches `/keys` through the Service
/// can verify every live token whichever replica answers.
public struct LedgerKey: Sendable {
    public let jwk: JWK
    /// Unix seconds; after this no token the key signed is valid anywhere.
    public let publishUntil: Int64

    /// The largest JWK text read back (an RSA-4096 public JWK is under 1 KiB).
    public static let maximumJWKBytes = 8192

    /// Reads a ledger row. The database is trusted less than the key files: the JWK must be a
    /// public signing key (no private members) and `keyID` its SHA-256 thumbprint kid, so a row
    /// cannot publish one key under another key's kid.
    public init(keyID: String, jwkJSON: String, publishUntil: Int64) throws(KeyError) {
        guard jwkJSON.utf8.count <= Self.maximumJWKBytes, let document = try? JSONView.parseOnThisThread(Array(jwkJSON.utf8)) else {
            throw KeyError(.malformed, "ledger key \(keyID): the stored JWK is not JSON of at most \(Self.maximumJWKBytes) bytes")
        }
        let jwk = try JWK(parsing: document.root)
        guard jwk.keyID == keyID, jwk.key.keyID == keyID else {
            throw KeyError(.malformed, "ledger key \(keyID): the stored JWK is another key (its kid is \(jwk.key.keyID))")
        }
        self.jwk = jwk
        self.publishUntil = publishUntil
    }

    /// What a replica writes to the ledger while `keys.signer` signs: its public JWK, published
    /// until a token signed now has expired everywhere (``BrokerSettings/signedTokenHorizonSeconds``)
    /// plus `marginSeconds`, the time until the next renewal may come.
    public static func entry(
        signingWith keys: SigningKeySet, settings: BrokerSettings, now: Int64, marginSeconds: Int64
    ) throws(KeyError) -> (keyID: String, jwkJSON: String, publishUntil: Int64) {
        let jwk = JWK(key: try keys.signer.key.publicKey())
        return (jwk.keyID, try jwk.json().jsonText, now + settings.signedTokenHorizonSeconds + marginSeconds)
    }
}

extension SigningKeySet {
    /// This set plus the ledger's keys still due at `now`, for `/keys` and discovery. A key in
    /// both stays once, where the key files put it (the signing key first).
    public func publishing(_ ledger: [LedgerKey], now: Int64) -> SigningKeySet {
        var published = self.published
        for key in ledger where key.publishUntil > now && !published.contains(where: { $0.jwk.keyID == key.jwk.keyID }) {
            published.append(PublishedKey(jwk: key.jwk, retiredUntil: key.publishUntil))
        }
        return SigningKeySet(signer: signer, published: published)
    }
}

extension BrokerSettings {
    /// How long a token signed now can be accepted by a relying party: the longest lifetime any
    /// policy rule grants plus clock skew. A retired key stays published that long.
    public var signedTokenHorizonSeconds: Int64 { policy.longestTTLSeconds + clockSkewSeconds }
}
