// SPDX-License-Identifier: Apache-2.0
import Synchronization
import TokenGateCrypto
import TokenGateJSON

/// The bearer token TokenGate presents to a remote API server that trusts TokenGate's issuer
/// (`auth.selfIssued`): a short-lived JWT signed with the broker's current signing key, so no
/// credential of the remote cluster is stored anywhere.
///
/// Header `{"alg", "typ": "JWT", "kid"}`; claims `iss` (the broker issuer), `sub`, `aud` (one
/// string), `exp`, `iat`, `nbf`, `jti`. A token is reused until ``refreshMargin(ttl:)`` before
/// it expires, or until the signing key or issuer changes (a rotated key signs the next one).
public final class SelfIssuedCredential: Sendable {
    public let auth: SelfIssuedAuth
    private let clock: BrokerClock
    private let cached = Mutex<Minted?>(nil)

    struct Minted: Sendable {
        let compact: String
        let issuer: String
        let keyID: String
        let expiresAt: Int64
    }

    public init(auth: SelfIssuedAuth, clock: BrokerClock = .system) {
        self.auth = auth
        self.clock = clock
    }

    /// How long before `exp` a cached token is replaced: a fifth of its life, at least 15 s, so a
    /// call in flight and a remote clock a little ahead never see it expire.
    public static func refreshMargin(ttl: Int64) -> Int64 { max(15, ttl / 5) }

    /// The token to send now, minted when none is cached or the cached one is due.
    public func token(issuer: String, signer: JWSSigner) throws(KeyError) -> String {
        let now = clock.now()
        let margin = Self.refreshMargin(ttl: auth.ttlSeconds)
        if let minted = cached.withLock({ $0 }), minted.issuer == issuer, minted.keyID == signer.keyID,
           now < minted.expiresAt - margin {
            return minted.compact
        }
        let minted = try Self.mint(auth: auth, issuer: issuer, signer: signer, now: now)
        cached.withLock { $0 = minted }
        return minted.compact
    }

    static func mint(auth: SelfIssuedAuth, issuer: String, signer: JWSSigner, now: Int64) throws(KeyError) -> Minted {
        let tokenID = Base64.encodeURL(try SecureRandom.bytes(16))
        let expiresAt = now + auth.ttlSeconds
        let compact = try signer.sign(type: "JWT") { w in
            w.object { w in
                w.key("iss"); w.string(issuer)
                w.key("sub"); w.string(auth.subject)
                w.key("aud"); w.string(auth.audience)
                w.key("exp"); w.int(expiresAt)
                w.key("iat"); w.int(now)
                w.key("nbf"); w.int(now)
                w.key("jti"); w.string(tokenID)
            }
        }
        return Minted(compact: String(decoding: compact, as: UTF8.self), issuer: issuer, keyID: signer.keyID, expiresAt: expiresAt)
    }
}
