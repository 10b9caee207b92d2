// SPDX-License-Identifier: Apache-2.0
import Foundation
import Synchronization
import TokenGateAudit
import TokenGateBroker
import TokenGateCrypto
import TokenGateHTTP
import TokenGateKubeClient

/// The broker's three seams — ``JWKSFetcher``, ``TokenReviewer``, ``PodLookup`` — over HTTPS to
/// each trusted cluster, with metrics.
///
/// Connections are built per cluster on first use and rebuilt when that cluster's settings
/// change (config reload), so a reload that adds a cluster needs nothing else. A cluster whose
/// connection cannot be built (unreadable CA, bad kubeconfig) answers every call with
/// ``UpstreamUnavailable`` carrying the configuration error, and is retried every 10 s.
public final class ClusterConnections: JWKSFetcher, TokenReviewer, PodLookup, Sendable {
    private struct Entry {
        let settings: ClusterSettings
        let built: Result<ClusterConnection, KubeClientError>
        let at: ContinuousClock.Instant
    }

    public let timeout: Duration
    private let metrics: BrokerMetrics?
    /// Where each JWKS fetch's and TokenReview's outcome goes (the audit writer's cluster checks,
    /// which only fold it into memory: safe on every call).
    private let checks: (@Sendable (ClusterCheck) -> Void)?
    private let environment: [String: String]
    private let entries = Mutex<[String: Entry]>([:])
    private let signing = SelfIssuedSigning()

    /// - Parameters:
    ///   - timeout: the budget of each call to a cluster (connect to last byte).
    ///   - checks: called with the outcome of every JWKS fetch and TokenReview; must not block.
    public init(timeout: Duration = .seconds(2), metrics: BrokerMetrics? = nil,
                checks: (@Sendable (ClusterCheck) -> Void)? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.timeout = timeout
        self.metrics = metrics
        self.checks = checks
        self.environment = environment
    }

    /// Builds connections for `clusters` now and drops those of clusters no longer configured.
    /// - Returns: configuration problems, one message per cluster, for the log.
    @discardableResult
    public func prepare(_ clusters: [ClusterSettings]) -> [String] {
        let names = Set(clusters.map(\.name))
        let removed = entries.withLock { entries in
            let gone = entries.filter { !names.contains($0.key) }
            for name in gone.keys { entries[name] = nil }
            return gone.values
        }
        for entry in removed { if case .success(let connection) = entry.built { connection.close() } }
        return clusters.compactMap { cluster in
            if case .failure(let error) = connection(for: cluster) { return error.message }
            return nil
        }
    }

    /// Where `auth.selfIssued` clusters get the issuer and signing key of each call's token
    /// (the broker's current ones: `{ (exchange.settings.issuer, exchange.signingKeys.signer) }`).
    public func useSelfIssuedSigner(_ provider: @escaping @Sendable () -> (issuer: String, signer: JWSSigner)) {
        signing.use(provider)
    }

    /// The clusters, among `clusters` (already prepared), whose API server gets a long-lived token
    /// of that cluster (`tokenFile` or a kubeconfig token) instead of the pod's own or a self-issued one.
    public func staticTokenClusters(_ clusters: [ClusterSettings]) -> [String] {
        let current = entries.withLock { $0 }
        return clusters.compactMap { cluster in
            guard let entry = current[cluster.name], entry.settings == cluster,
                  case .success(let connection) = entry.built, connection.usesStaticToken else { return nil }
            return cluster.name
        }
    }

    func connection(for cluster: ClusterSettings) -> Result<ClusterConnection, KubeClientError> {
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[cluster.name] }), entry.settings == cluster {
            if case .success = entry.built { return entry.built }
            if entry.at.duration(to: now) < .seconds(10) { return entry.built }
        }
        let built: Result<ClusterConnection, KubeClientError>
        do {
            built = .success(try ClusterConnection(settings: cluster, timeout: timeout, environment: environment, signing: signing))
        } catch {
            built = .failure(error)
        }
        let replaced = entries.withLock { entries in
            let old = entries[cluster.name]
            entries[cluster.name] = Entry(settings: cluster, built: built, at: now)
            return old
        }
        if case .success(let old)? = replaced?.built, old !== (try? built.get()) { old.close() }
        return built
    }

    private func kube(_ cluster: ClusterSettings, _ service: UpstreamUnavailable.Service) throws(UpstreamUnavailable) -> KubeClient {
        switch connection(for: cluster) {
        case .failure(let error):
            throw UpstreamUnavailable(service, cluster: cluster.name, error.message)
        case .success(let connection):
            guard let kube = connection.kube else {
                throw UpstreamUnavailable(service, cluster: cluster.name,
                                          "no API server configured (set apiServer, kubeconfig or inCluster, or use verify: jwks and checkPod: false)")
            }
            return kube
        }
    }

    // MARK: - JWKSFetcher

    public func fetch(url: String, for cluster: ClusterSettings) async throws(UpstreamUnavailable) -> [UInt8] {
        let discovery = url.hasSuffix("/.well-known/openid-configuration")
        let service: UpstreamUnavailable.Service = discovery ? .discovery : .jwks
        let document = discovery ? "discovery" : "jwks"
        do throws(HTTPSClientError) {
            let parsed = try HTTPSURL(parsing: url)
            let connection: ClusterConnection
            switch self.connection(for: cluster) {
            case .success(let built): connection = built
            case .failure(let error): throw HTTPSClientError(.invalid, error.message)
            }
            let response = try await connection.get(parsed, maxBytes: JWKSLoader.maximumDocumentBytes)
            guard response.status == 200 else {
                throw HTTPSClientError(.invalid, "GET \(url) answered HTTP \(response.status)" + Self.hint(status: response.status, selfIssued: cluster.auth != nil))
            }
            metrics?.jwksFetched(cluster: cluster.name, document: document, success: true)
            if !discovery { checks?(.success(.jwks, cluster: cluster.name)) }
            return response.body
        } catch {
            metrics?.jwksFetched(cluster: cluster.name, document: document, success: false)
            let failure = UpstreamUnavailable(service, cluster: cluster.name, error.message)
            checks?(.failure(.jwks, cluster: cluster.name, reason: "\(document): \(error.message)"))
            throw failure
        }
    }

    static func hint(status: Int, selfIssued: Bool = false) -> String {
        switch status {
        case 401 where selfIssued, 403 where selfIssued:
            "; the API server refused TokenGate's self-issued token: its authentication config must trust the broker issuer with the audience in auth.selfIssued, and its RBAC must grant the mapped user"
        case 401, 403:
            "; the API server serves discovery and JWKS to authenticated ServiceAccounts only: set tokenFile (or inCluster/kubeconfig) for this cluster"
        default: ""
        }
    }

    // MARK: - TokenReviewer

    public func review(token: String, audiences: [String], cluster: ClusterSettings) async throws(UpstreamUnavailable) -> TokenReviewStatus {
        let kube: KubeClient
        do throws(UpstreamUnavailable) {
            kube = try self.kube(cluster, .tokenReview)
        } catch {
            checks?(.failure(.tokenReview, cluster: cluster.name, reason: error.message))
            throw error
        }
        let started = ContinuousClock.now
        do {
            let result = try await kube.reviewToken(token, audiences: audiences)
            metrics?.tokenReviewed(cluster: cluster.name, result: result.authenticated ? "authenticated" : "rejected",
                                   seconds: (ContinuousClock.now - started).inSeconds)
            // An answer is a working TokenReview, whatever it says about the token.
            checks?(.success(.tokenReview, cluster: cluster.name))
            return TokenReviewStatus(
                authenticated: result.authenticated, audiences: result.audiences, username: result.username, uid: result.uid,
                groups: result.groups, extra: result.extra, error: result.error)
        } catch {
            metrics?.tokenReviewed(cluster: cluster.name, result: "error", seconds: (ContinuousClock.now - started).inSeconds)
            checks?(.failure(.tokenReview, cluster: cluster.name, reason: "\(error)"))
            throw UpstreamUnavailable(.tokenReview, cluster: cluster.name, "\(error)")
        }
    }

    /// Whether TokenGate may use the cluster's API server: a TokenReview of a token that is
    /// certainly invalid, which any caller allowed to create TokenReviews gets an answer to.
    /// - Returns: the HTTP status (201/200: authenticated and allowed, 401: TokenGate's credential
    ///   is refused, 403: RBAC lacks TokenReview), or the reason no answer came.
    public func probeAPIServer(_ cluster: ClusterSettings) async -> Result<Int, UpstreamUnavailable> {
        do throws(UpstreamUnavailable) {
            let kube = try kube(cluster, .tokenReview)
            do {
                let body = TokenReviewCodec.requestBody(token: "tokengate-probe.invalid.token", audiences: [])
                return .success(try await kube.send("POST", TokenReviewCodec.path, body: body).status)
            } catch {
                throw UpstreamUnavailable(.tokenReview, cluster: cluster.name, "\(error)")
            }
        } catch {
            return .failure(error)
        }
    }

    // MARK: - PodLookup

    public func pod(namespace: String, name: String, cluster: ClusterSettings) async throws(UpstreamUnavailable) -> LivePod? {
        let kube = try kube(cluster, .pod)
        do {
            guard let pod = try await kube.pod(namespace: namespace, name: name) else {
                metrics?.podLookedUp(cluster: cluster.name, result: "not_found")
                return nil
            }
            metrics?.podLookedUp(cluster: cluster.name, result: "found")
            return LivePod(uid: pod.uid, serviceAccountName: pod.serviceAccountName, nodeName: pod.nodeName,
                           deletionTimestamp: pod.deletionTimestamp)
        } catch {
            metrics?.podLookedUp(cluster: cluster.name, result: "error")
            throw UpstreamUnavailable(.pod, cluster: cluster.name, "\(error)")
        }
    }
}
