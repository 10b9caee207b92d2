// SPDX-License-Identifier: Apache-2.0
import TokenGateCrypto
import TokenGateJSON
@testable import TokenGateBroker

/// A STAND-IN for a Kubernetes API server, in memory (no socket): it serves OIDC discovery and
/// the JWKS, answers TokenReview and Pod GET the way kube-apiserver does (k8s-api.md §4.2, §5.3).
/// It is not Kubernetes; it implements the documented behaviour the broker depends on:
///
/// * discovery: `issuer` and `jwks_uri`; JWKS: every key of the issuer (rotation publishes both);
/// * TokenReview (the `status` KAS returns; the wire codec is TokenGateKubeClient's): verifies the signature with the issuer's keys, the issuer, `exp`/`nbf` with
///   60 s leeway, intersects the token's `aud` with `spec.audiences` (returned in
///   `status.audiences`), then checks that the ServiceAccount and the bound pod still exist with
///   the token's UIDs; answers `authenticated: false` with an `error` otherwise;
/// * Pod GET: the pod, or nil for 404.
///
/// Switches let a test take parts of it down (an outage) and count what the broker asked.
actor StandInKubernetes: JWKSFetcher, TokenReviewer, PodLookup {
    let issuer: String
    let jwksURL: String
    private(set) var keys: [PrivateKey]
    private var pods: [String: TestPod] = [:]
    private var serviceAccounts: [String: String] = [:]  // "ns/name" -> uid
    let clock: TestClock

    var jwksDown = false
    var apiDown = false
    var discoveryIssuerOverride: String?
    private(set) var jwksFetches = 0
    private(set) var discoveryFetches = 0
    private(set) var reviews = 0
    private(set) var podGets = 0
    private(set) var lastReviewAudiences: [String] = []

    init(issuer: TestIssuer, clock: TestClock) {
        self.issuer = issuer.issuer
        self.jwksURL = "https://172.18.0.2:6443/openid/v1/jwks"
        self.keys = [issuer.key]
        self.clock = clock
    }

    func add(_ pod: TestPod) {
        pods["\(pod.namespace)/\(pod.name)"] = pod
        serviceAccounts["\(pod.namespace)/\(pod.serviceAccount)"] = pod.serviceAccountUID
    }
    func deletePod(namespace: String, name: String) { pods["\(namespace)/\(name)"] = nil }
    func publish(_ key: PrivateKey) { keys.append(key) }
    func setJWKSDown(_ down: Bool) { jwksDown = down }
    func setAPIDown(_ down: Bool) { apiDown = down }
    func setDiscoveryIssuer(_ issuer: String?) { discoveryIssuerOverride = issuer }

    // MARK: JWKSFetcher

    func fetch(url: String, for cluster: ClusterSettings) async throws(UpstreamUnavailable) -> [UInt8] {
        if jwksDown { throw UpstreamUnavailable(.jwks, cluster: cluster.name, "connection refused (stand-in outage)") }
        if url == JWKSLoader.discoveryURL(issuer: issuer) {
            discoveryFetches += 1
            let document: JSON = [
                "issuer": .string(discoveryIssuerOverride ?? issuer), "jwks_uri": .string(jwksURL),
                "response_types_supported": ["id_token"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["ES256", "RS256"],
            ]
            return document.serialized()
        }
        if url == jwksURL {
            jwksFetches += 1
            do {
                return try JWKSet(keys: keys.map { JWK(key: try $0.publicKey()) }).json().serialized()
            } catch {
                throw UpstreamUnavailable(.jwks, cluster: cluster.name, "stand-in could not encode keys")
            }
        }
        throw UpstreamUnavailable(.jwks, cluster: cluster.name, "HTTP 404 for \(url)")
    }

    // MARK: TokenReviewer

    func review(token: String, audiences: [String], cluster: ClusterSettings) async throws(UpstreamUnavailable) -> TokenReviewStatus {
        if apiDown { throw UpstreamUnavailable(.tokenReview, cluster: cluster.name, "dial tcp: connection refused (stand-in outage)") }
        reviews += 1
        lastReviewAudiences = audiences
        return answer(token: token, requested: audiences)
    }

    private func answer(token: String, requested: [String]) -> TokenReviewStatus {
        func rejected(_ error: String) -> TokenReviewStatus { TokenReviewStatus(authenticated: false, error: error) }
        guard let jws = try? JWSCompact(parsing: token) else { return rejected("invalid bearer token") }
        let verified = keys.contains { key in
            guard let publicKey = try? key.publicKey() else { return false }
            return (try? jws.verify(with: publicKey, allowed: [.rs256, .es256])) != nil
        }
        guard verified else { return rejected("invalid bearer token, square/go-jose: error in cryptographic primitive") }
        let claims = jws.payload
        guard claims["iss"]?.string == issuer else { return rejected("invalid bearer token, token issuer mismatch") }
        let tokenAudiences = claims["aud"]?.elements.compactMap(\.string) ?? []
        let effective = requested.isEmpty ? [issuer] : requested
        let intersection = effective.filter(tokenAudiences.contains)
        guard !intersection.isEmpty else { return rejected("token audiences \(tokenAudiences) is invalid for the target audiences \(effective)") }
        let now = clock.now
        guard let exp = claims["exp"]?.int, now < exp + 60 else { return rejected("service account token has expired") }
        guard let k8s = claims["kubernetes.io"], let ns = k8s["namespace"]?.string,
            let saName = k8s["serviceaccount"]?["name"]?.string, let saUID = k8s["serviceaccount"]?["uid"]?.string
        else { return rejected("invalid bearer token") }
        guard serviceAccounts["\(ns)/\(saName)"] == saUID else {
            return rejected("service account \(ns)/\(saName) has been deleted")
        }
        var extra: [String: [String]] = [:]
        if let podName = k8s["pod"]?["name"]?.string, let podUID = k8s["pod"]?["uid"]?.string {
            guard let pod = pods["\(ns)/\(podName)"] else { return rejected("pods \"\(podName)\" not found") }
            guard pod.uid == podUID else {
                return rejected("pod \(podName) UID (\(pod.uid)) does not match claim (\(podUID))")
            }
            extra["authentication.kubernetes.io/pod-name"] = [podName]
            extra["authentication.kubernetes.io/pod-uid"] = [podUID]
        }
        if let jti = claims["jti"]?.string { extra["authentication.kubernetes.io/credential-id"] = ["JTI=" + jti] }
        if let node = k8s["node"]?["name"]?.string { extra["authentication.kubernetes.io/node-name"] = [node] }
        if let uid = k8s["node"]?["uid"]?.string { extra["authentication.kubernetes.io/node-uid"] = [uid] }
        return TokenReviewStatus(
            authenticated: true, audiences: intersection, username: "system:serviceaccount:\(ns):\(saName)", uid: saUID,
            groups: ["system:serviceaccounts", "system:serviceaccounts:\(ns)", "system:authenticated"], extra: extra)
    }

    // MARK: PodLookup

    func pod(namespace: String, name: String, cluster: ClusterSettings) async throws(UpstreamUnavailable) -> LivePod? {
        if apiDown { throw UpstreamUnavailable(.pod, cluster: cluster.name, "dial tcp: connection refused (stand-in outage)") }
        podGets += 1
        guard let pod = pods["\(namespace)/\(name)"] else { return nil }  // 404
        return LivePod(uid: pod.uid, serviceAccountName: pod.serviceAccount, nodeName: pod.nodeName)
    }
}
