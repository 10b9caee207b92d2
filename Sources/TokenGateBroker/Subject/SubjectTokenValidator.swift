// SPDX-License-Identifier: Apache-2.0
import TokenGateCrypto

/// Checks a subject token locally: structure, issuer, signature (when the cluster's mode uses
/// JWKS), audience, time and Kubernetes claims — the recipe of k8s-api.md §7.5, steps 1–4.
///
/// The order matters: the cheap structural checks run before any key lookup, the unverified
/// `iss` is used only to choose *which* configured cluster's keys to try (never to fetch
/// anything named in the token), and no claim is trusted before the signature verifies.
///
/// The steps are separate so the exchange can take its keys either by waiting
/// (``keys(for:caches:)``) or from what is already loaded (``loadedKeys(for:caches:)``) and run
/// the same checks around either: ``parse(_:)``, then the keys, then ``validate(_:keys:)``.
struct SubjectTokenValidator: Sendable {
    let settings: BrokerSettings
    let clock: BrokerClock
    /// Tokens already verified, so the same token's signature is checked once (nil: every time).
    var signatures: VerifiedSignatures? = nil

    /// A token that parsed and names a trusted cluster whose algorithms include its `alg`;
    /// nothing in it is trusted yet.
    struct Parsed: Sendable {
        let jws: JWSCompact
        let cluster: ClusterSettings
        /// SHA-256 of the token as presented: the key of ``VerifiedSignatures`` and, with cluster
        /// and audience, of the TokenReview cache, so the token is hashed once per exchange.
        let digest: TokenDigest
    }

    /// The validated token: its claims and the cluster whose issuer signed it.
    struct Validated: Sendable {
        let claims: SubjectClaims
        let cluster: ClusterSettings
        let algorithm: JWSAlgorithm
        let keyID: String?
    }

    /// What ``loadedKeys(for:caches:)`` found.
    enum LoadedKeys {
        /// The cluster does not check signatures locally (`verify: tokenreview`).
        case notNeeded
        case keys([PublicKey])
        /// Nothing that fits is loaded yet: only the waiting ``keys(for:caches:)`` can tell.
        case mustWait
    }

    /// All three steps, waiting for keys when it must.
    func validate(_ token: String, caches: [String: JWKSCache]) async throws(ExchangeError) -> Validated {
        let parsed = try parse(token)
        return try validate(parsed, keys: try await keys(for: parsed, caches: caches))
    }

    /// Structure, header, issuer and algorithm.
    func parse(_ token: String) throws(ExchangeError) -> Parsed {
        let jws: JWSCompact
        do {
            jws = try JWSCompact(parsing: token, maximumSize: settings.maxSubjectTokenBytes)
        } catch {
            throw .subject(error.code.rawValue, "subject_token is not an acceptable JWT: \(error.message)")
        }
        if let type = jws.protectedHeader["typ"], !type.isString("JWT") {
            // Kubernetes tokens carry no typ; an at+jwt here is an access token being replayed as a subject token.
            throw .subject("wrong_token_type", "subject_token has typ \(Self.shown(type.string ?? "?")); a Kubernetes ServiceAccount token has none")
        }
        guard let issuer = jws.claims["iss"]?.string else { throw .subject("missing_claim", "subject_token has no iss claim") }
        guard let cluster = settings.cluster(forIssuer: issuer) else {
            throw .subject("unknown_issuer", "subject_token's issuer \(Self.shown(issuer)) is not a cluster this broker trusts")
        }
        guard cluster.algorithms.contains(jws.algorithm) else {
            throw .subject(JWSError.Code.algorithmNotAllowed.rawValue,
                           "subject_token alg \(jws.algorithm) is not allowed for cluster \(cluster.name)")
        }
        return Parsed(jws: jws, cluster: cluster, digest: TokenDigest(token: token))
    }

    /// The keys that may have signed the token, fetched when they must be (nil: the cluster's
    /// mode does not check signatures locally).
    func keys(for parsed: Parsed, caches: [String: JWKSCache]) async throws(ExchangeError) -> [PublicKey]? {
        guard parsed.cluster.verification.usesJWKS else { return nil }
        let cache = try cache(for: parsed.cluster, in: caches)
        do {
            return try await cache.keys(keyID: parsed.jws.keyID, algorithm: parsed.jws.algorithm)
        } catch {
            throw .unavailable(error)
        }
    }

    /// The keys from what the cluster's cache has loaded, without waiting.
    func loadedKeys(for parsed: Parsed, caches: [String: JWKSCache]) throws(ExchangeError) -> LoadedKeys {
        guard parsed.cluster.verification.usesJWKS else { return .notNeeded }
        let cache = try cache(for: parsed.cluster, in: caches)
        guard let keys = cache.loadedKeys(keyID: parsed.jws.keyID, algorithm: parsed.jws.algorithm) else { return .mustWait }
        return .keys(keys)
    }

    /// Signature (with `keys`, when the cluster checks them), claims, audience and time.
    func validate(_ parsed: Parsed, keys: [PublicKey]?) throws(ExchangeError) -> Validated {
        let jws = parsed.jws, cluster = parsed.cluster
        if let keys { try verifySignature(parsed, candidates: keys) }
        let claims = try SubjectClaims.parse(jws.claims)
        try checkAudienceAndTime(claims)
        return Validated(claims: claims, cluster: cluster, algorithm: jws.algorithm, keyID: jws.keyID)
    }

    private func cache(for cluster: ClusterSettings, in caches: [String: JWKSCache]) throws(ExchangeError) -> JWKSCache {
        guard let cache = caches[cluster.name] else {
            throw ExchangeError(.serverError, reason: "no_jwks_cache", "the broker is not ready; retry shortly")
        }
        return cache
    }

    private func verifySignature(_ parsed: Parsed, candidates: [PublicKey]) throws(ExchangeError) {
        let jws = parsed.jws, cluster = parsed.cluster
        guard !candidates.isEmpty else {
            throw .subject(JWSError.Code.unknownKey.rawValue,
                           "subject_token was signed with a key cluster \(cluster.name) does not publish (unknown kid)",
                           detail: "kid \(jws.keyID ?? "(none)")")
        }
        if let signatures, signatures.verified(parsed.digest, byOneOf: candidates) { return }
        var failure: JWSError?
        for key in candidates {
            do {
                try jws.verify(with: key, allowed: cluster.algorithms)
                signatures?.remember(parsed.digest, verifiedBy: key)
                return
            } catch {
                failure = error
            }
        }
        throw .subject(failure?.code.rawValue ?? "bad_signature", "subject_token signature does not verify")
    }

    private func checkAudienceAndTime(_ claims: SubjectClaims) throws(ExchangeError) {
        guard claims.audiences.contains(settings.audience) else {
            throw .subject("wrong_audience", "subject_token's aud does not include this broker's audience \(settings.audience); "
                + "project the token with audience: \(settings.audience)")
        }
        let now = clock.now(), skew = settings.clockSkewSeconds
        if now >= claims.expiresAt + skew {
            throw .subject("expired", "subject_token has expired; read the token file again (the kubelet rotates it)")
        }
        if let nbf = claims.notBefore, now < nbf - skew {
            throw .subject("not_yet_valid", "subject_token is not valid yet (nbf is in the future); check the clocks")
        }
        if let iat = claims.issuedAt, iat > now + skew {
            throw .subject("not_yet_valid", "subject_token was issued in the future (iat); check the clocks")
        }
        if let warnAfter = claims.warnAfter, now > warnAfter + skew {
            throw .subject("stale", "subject_token is past its kubernetes.io.warnafter time; read the token file again")
        }
    }

    /// A client-supplied string, shortened and quoted for an error description.
    static func shown(_ text: String) -> String {
        let clean = text.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }.map(String.init).joined()
        return "\"" + (clean.count > 80 ? String(clean.prefix(80)) + "…" : clean) + "\""
    }
}
