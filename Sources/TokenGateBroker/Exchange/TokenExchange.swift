// SPDX-License-Identifier: Apache-2.0
import Synchronization
import TokenGateCrypto
import TokenGateJSON

/// The RFC 8693 token exchange, without the HTTP around it.
///
/// `exchange(form:clientAddress:)` takes the raw form body and returns status, JSON body,
/// headers and an audit record; it never throws and never crashes on client input. The server
/// wires it to `POST <tokenPath>` and implements the three seams — ``JWKSFetcher``,
/// ``TokenReviewer``, ``PodLookup`` — over HTTPS to each cluster.
///
/// Settings and signing keys live in a snapshot swapped by ``update(settings:)`` and
/// ``update(signingKeys:)`` (config or Secret reload); a request reads the snapshot once at its
/// start, so a reload never changes a request halfway. JWKS caches survive a reload for every
/// cluster whose issuer and key source did not change.
public final class TokenExchange: Sendable {
    struct State: Sendable {
        var settings: BrokerSettings
        var keys: SigningKeySet
        /// Keys from the published-keys ledger (other replicas', and this one's before a restart).
        var ledgerKeys: [LedgerKey] = []
        var caches: [String: JWKSCache]
        var reviewCache: TokenReviewCache
    }

    private let state: Mutex<State>
    private let loader: JWKSLoader
    private let reviewer: any TokenReviewer
    private let pods: any PodLookup
    private let clock: BrokerClock
    /// Subject tokens whose signature verified already: a pod's repeated exchanges with one
    /// projected token check its signature once.
    let signatures: VerifiedSignatures

    public init(
        settings: BrokerSettings, signingKeys: SigningKeySet, fetcher: any JWKSFetcher, files: any JWKSFileReader = LocalFiles(),
        reviewer: any TokenReviewer, pods: any PodLookup, clock: BrokerClock = .system
    ) {
        let loader = JWKSLoader(fetcher: fetcher, files: files)
        self.loader = loader
        self.reviewer = reviewer
        self.pods = pods
        self.clock = clock
        self.signatures = VerifiedSignatures(clock: clock)
        let caches = Self.caches(for: settings, keeping: [:], loader: loader, clock: clock)
        self.state = Mutex(State(settings: settings, keys: signingKeys, caches: caches,
                                 reviewCache: TokenReviewCache(lifetimeSeconds: settings.tokenReviewCacheSeconds, clock: clock)))
    }

    /// The settings in force.
    public var settings: BrokerSettings { state.withLock { $0.settings } }
    /// The signing keys in force.
    public var signingKeys: SigningKeySet { state.withLock { $0.keys } }

    /// Installs reloaded settings; clusters that kept their issuer and key source keep their cached keys.
    public func update(settings: BrokerSettings) {
        state.withLock { state in
            state.caches = Self.caches(for: settings, keeping: state.caches, loader: loader, clock: clock)
            if settings.tokenReviewCacheSeconds != state.settings.tokenReviewCacheSeconds {
                state.reviewCache = TokenReviewCache(lifetimeSeconds: settings.tokenReviewCacheSeconds, clock: clock)
            }
            state.settings = settings
        }
    }

    /// Installs reloaded signing keys. Keys that vanished stay published until tokens they signed
    /// have expired (longest policy TTL plus clock skew).
    public func update(signingKeys next: SigningKeySet) {
        let now = clock.now()
        state.withLock { state in
            state.keys = state.keys.rotated(to: next, now: now, retainFor: state.settings.signedTokenHorizonSeconds)
        }
    }

    /// Installs the keys last read from the published-keys ledger; each is published until its own date.
    public func update(ledgerKeys: [LedgerKey]) {
        state.withLock { $0.ledgerKeys = ledgerKeys }
    }

    /// The keys `/keys` and discovery publish now: the key files' (and keys retired from them),
    /// plus the ledger's.
    public var publishedKeys: SigningKeySet {
        let now = clock.now()
        return state.withLock { $0.keys.pruned(now: now).publishing($0.ledgerKeys, now: now) }
    }

    /// The JSON served at `GET /.well-known/openid-configuration`.
    public func discoveryDocument() -> JSON {
        BrokerDiscovery.document(settings: settings, keys: publishedKeys)
    }

    /// The JSON served at `GET /keys` (`application/jwk-set+json`).
    public func jwksDocument() throws(KeyError) -> JSON {
        try publishedKeys.jwks()
    }

    /// Refreshes every cluster's keys older than `jwksRefreshSeconds`; returns failures for logging.
    public func refreshJWKS() async -> [UpstreamUnavailable] {
        let (caches, age) = state.withLock { (Array($0.caches.values), $0.settings.jwksRefreshSeconds) }
        var failures: [UpstreamUnavailable] = []
        for cache in caches {
            if let failure = await cache.refreshIfOlder(than: age) { failures.append(failure) }
        }
        return failures
    }

    /// The JWKS cache of a cluster (status pages, tests).
    public func jwksCache(cluster name: String) -> JWKSCache? { state.withLock { $0.caches[name] } }

    /// Runs one exchange. Never throws: every failure becomes an RFC 8693 error response.
    public func exchange(form: [UInt8], clientAddress: String) async -> ExchangeOutcome {
        let snapshot = state.withLock { $0 }
        var audit = ExchangeAuditRecord(time: clock.now(), clientAddress: clientAddress)
        do throws(ExchangeError) {
            return try await run(form: form, snapshot: snapshot, audit: &audit)
        } catch {
            return Self.refused(error, audit: &audit)
        }
    }

    /// Runs one exchange when it needs nothing it would have to wait for, and returns nil
    /// otherwise; then ``exchange(form:clientAddress:)`` gives the answer.
    ///
    /// The common case needs no network: the cluster's keys are loaded, its TokenReview answer
    /// for this token is in the short cache, and `checkPod` is off. The server then answers on
    /// the connection's event loop with no task, which is most of what a cached exchange used to
    /// cost beyond crypto. The checks are the same functions as the waiting path's, in the same
    /// order, so a request gets the same answer and audit record either way (tests hold the two
    /// to that). A refusal that needs no network is an answer too; nil means only "must wait",
    /// decided after the cheap parse and before the signature is checked.
    public func exchangeIfReady(form: [UInt8], clientAddress: String) -> ExchangeOutcome? {
        let snapshot = state.withLock { $0 }
        var audit = ExchangeAuditRecord(time: clock.now(), clientAddress: clientAddress)
        do throws(ExchangeError) {
            return try runIfReady(form: form, snapshot: snapshot, audit: &audit)
        } catch {
            return Self.refused(error, audit: &audit)
        }
    }

    private static func refused(_ error: ExchangeError, audit: inout ExchangeAuditRecord) -> ExchangeOutcome {
        audit.decision = switch error.code {
        case .temporarilyUnavailable: .unavailable
        case .serverError: .error
        default: .denied
        }
        audit.reason = error.reason
        audit.error = error.code.rawValue
        audit.detail = error.detail
        return .refused(error, audit: audit)
    }

    private func run(form: [UInt8], snapshot: State, audit: inout ExchangeAuditRecord) async throws(ExchangeError) -> ExchangeOutcome {
        let settings = snapshot.settings
        let request = try ExchangeRequest(form: form)
        audit.audiences = request.audiences

        let validator = SubjectTokenValidator(settings: settings, clock: clock, signatures: signatures)
        let parsed = try validator.parse(request.subjectToken)
        let validated = try validator.validate(parsed, keys: try await validator.keys(for: parsed, caches: snapshot.caches))
        var claims = try bound(validated, settings: settings, audit: &audit)
        let cluster = validated.cluster
        let confirmation = ClusterConfirmation(audience: settings.audience, reviewer: reviewer, pods: pods, cache: snapshot.reviewCache)
        if cluster.verification.usesAPIServer {
            audit.tokenReviewCached = try await confirmation.review(token: request.subjectToken, digest: parsed.digest,
                                                                   claims: claims, cluster: cluster)
        }
        // The Pod GET follows checkPod in every mode, `verify: jwks` included.
        let pod = try await confirmation.pod(claims: claims, cluster: cluster)
        if claims.node == nil, let nodeName = pod?.nodeName {
            claims.node = SubjectClaims.ObjectReference(name: nodeName, uid: nil)
            audit.nodeName = nodeName
        }
        return try issue(request: request, claims: claims, cluster: cluster, snapshot: snapshot, audit: &audit)
    }

    /// ``run(form:snapshot:audit:)`` without its three waits: nil as soon as one of them could
    /// not be skipped. Keep the two in step.
    private func runIfReady(form: [UInt8], snapshot: State, audit: inout ExchangeAuditRecord) throws(ExchangeError) -> ExchangeOutcome? {
        let settings = snapshot.settings
        let request = try ExchangeRequest(form: form)
        audit.audiences = request.audiences

        let validator = SubjectTokenValidator(settings: settings, clock: clock, signatures: signatures)
        let parsed = try validator.parse(request.subjectToken)
        let cluster = parsed.cluster
        let keys: [PublicKey]?
        switch try validator.loadedKeys(for: parsed, caches: snapshot.caches) {
        case .mustWait: return nil
        case .notNeeded: keys = nil
        case .keys(let loaded): keys = loaded
        }
        let confirmation = ClusterConfirmation(audience: settings.audience, reviewer: reviewer, pods: pods, cache: snapshot.reviewCache)
        var review: TokenReviewStatus?
        if cluster.verification.usesAPIServer {
            review = confirmation.cachedStatus(digest: parsed.digest, cluster: cluster)
            if review == nil { return nil }
        }
        // A pod-bound token on a checkPod cluster needs the Pod GET; whether the token is pod-bound
        // is known only from verified claims, so any token of such a cluster waits.
        if cluster.checkPod { return nil }

        let validated = try validator.validate(parsed, keys: keys)
        let claims = try bound(validated, settings: settings, audit: &audit)
        if let review {
            try confirmation.check(review, claims: claims)
            audit.tokenReviewCached = true
        }
        return try issue(request: request, claims: claims, cluster: cluster, snapshot: snapshot, audit: &audit)
    }

    /// Records the validated claims and refuses a token without a pod unless policy allows it.
    private func bound(_ validated: SubjectTokenValidator.Validated, settings: BrokerSettings,
                       audit: inout ExchangeAuditRecord) throws(ExchangeError) -> SubjectClaims {
        let claims = validated.claims
        let cluster = validated.cluster
        Self.record(claims, cluster: cluster.name, into: &audit)
        let allowsUnbound = settings.policy.allowsUnbound(cluster: cluster.name, namespace: claims.namespace,
                                                          serviceAccount: claims.serviceAccount.name)
        if claims.pod == nil, !allowsUnbound {
            throw .subject("not_pod_bound", "subject_token is not bound to a pod; use the pod's projected ServiceAccount token")
        }
        return claims
    }

    /// Policy, lifetime and signature: the rest of an exchange once the cluster has confirmed.
    private func issue(request: ExchangeRequest, claims: SubjectClaims, cluster: ClusterSettings, snapshot: State,
                       audit: inout ExchangeAuditRecord) throws(ExchangeError) -> ExchangeOutcome {
        let settings = snapshot.settings
        let rule = try decide(settings.policy, claims: claims, cluster: cluster.name, request: request)
        audit.policyRule = rule.name
        let type = rule.tokenType
        if let requested = request.requestedTokenType, requested != type {
            throw ExchangeError(.invalidRequest, reason: "unsupported_requested_token_type",
                                "policy issues \(type.uri) for this audience, not \(requested.uri)")
        }
        let now = clock.now()
        let ttl = min(request.requestedLifetime ?? rule.maxTTLSeconds, rule.maxTTLSeconds, claims.effectiveExpiry - now)
        guard ttl >= 1 else {
            throw .subject("expired", "subject_token expires now; read the token file again (the kubelet rotates it)")
        }
        let token: IssuedToken
        do {
            token = try IssuedToken.mint(subject: claims, cluster: cluster.name, issuer: settings.issuer, audiences: request.audiences,
                                         scopes: request.scopes, type: type, ttl: ttl, now: now, signer: snapshot.keys.signer)
        } catch {
            throw ExchangeError(.serverError, reason: "signing_failed", "the broker could not sign a token; retry", detail: error.message)
        }
        audit.decision = .granted
        audit.reason = "issued"
        audit.issuedTokenID = token.tokenID
        audit.expiresAt = token.expiresAt
        return .granted(token, scopes: request.scopes, ttl: ttl, audit: audit)
    }

    private func decide(_ policy: BrokerPolicy, claims: SubjectClaims, cluster: String, request: ExchangeRequest) throws(ExchangeError) -> PolicyRule {
        let subject = BrokerPolicy.Subject(cluster: cluster, namespace: claims.namespace, serviceAccount: claims.serviceAccount.name,
                                           podBound: claims.pod != nil)
        let who = "\(claims.namespace)/\(claims.serviceAccount.name)"
        switch policy.decide(subject, audiences: request.audiences, scopes: request.scopes) {
        case .success(let rule):
            return rule
        case .failure(.noRuleForServiceAccount):
            throw ExchangeError(.invalidTarget, reason: "no_policy", "no policy allows ServiceAccount \(who) to obtain tokens")
        case .failure(.notPodBound):
            throw .subject("not_pod_bound", "subject_token is not bound to a pod; use the pod's projected ServiceAccount token")
        case .failure(.audienceNotAllowed(let audience)):
            let what = audience.map { "audience \(SubjectTokenValidator.shown($0)) is" } ?? "these audiences together are"
            throw ExchangeError(.invalidTarget, reason: "audience_not_allowed", "\(what) not allowed for ServiceAccount \(who)")
        case .failure(.scopeNotAllowed(let scope)):
            let what = scope.map { "scope \(SubjectTokenValidator.shown($0)) is" } ?? "these scopes together are"
            throw ExchangeError(.invalidScope, reason: "scope_not_allowed", "\(what) not allowed for ServiceAccount \(who) and this audience")
        }
    }

    private static func record(_ claims: SubjectClaims, cluster: String, into audit: inout ExchangeAuditRecord) {
        audit.cluster = cluster
        audit.namespace = claims.namespace
        audit.serviceAccount = claims.serviceAccount.name
        audit.serviceAccountUID = claims.serviceAccount.uid
        audit.podName = claims.pod?.name
        audit.podUID = claims.pod?.uid
        audit.nodeName = claims.node?.name
        audit.nodeUID = claims.node?.uid
        audit.subjectTokenID = claims.tokenID
    }

    private static func caches(
        for settings: BrokerSettings, keeping old: [String: JWKSCache], loader: JWKSLoader, clock: BrokerClock
    ) -> [String: JWKSCache] {
        var caches: [String: JWKSCache] = [:]
        for cluster in settings.clusters where cluster.verification.usesJWKS {
            // Same issuer, key source and connection details: the cached keys are still right.
            if let existing = old[cluster.name], existing.cluster == cluster {
                caches[cluster.name] = existing
            } else {
                caches[cluster.name] = JWKSCache(cluster: cluster, loader: loader,
                                                 minimumRefetchInterval: settings.jwksRefetchIntervalSeconds, clock: clock)
            }
        }
        return caches
    }
}
