// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateCrypto
import TokenGateJSON
@testable import TokenGateBroker

/// Routes the broker's JWKS, TokenReview and Pod calls to the stand-in API server of the
/// cluster being asked (each ``StandInKubernetes`` is a stand-in, not Kubernetes).
struct StandInClusters: JWKSFetcher, TokenReviewer, PodLookup {
    let clusters: [String: StandInKubernetes]

    func fetch(url: String, for cluster: ClusterSettings) async throws(UpstreamUnavailable) -> [UInt8] {
        guard let kube = clusters[cluster.name] else { throw UpstreamUnavailable(.jwks, cluster: cluster.name, "no such stand-in") }
        return try await kube.fetch(url: url, for: cluster)
    }

    func review(token: String, audiences: [String], cluster: ClusterSettings) async throws(UpstreamUnavailable) -> TokenReviewStatus {
        guard let kube = clusters[cluster.name] else { throw UpstreamUnavailable(.tokenReview, cluster: cluster.name, "no such stand-in") }
        return try await kube.review(token: token, audiences: audiences, cluster: cluster)
    }

    func pod(namespace: String, name: String, cluster: ClusterSettings) async throws(UpstreamUnavailable) -> LivePod? {
        guard let kube = clusters[cluster.name] else { throw UpstreamUnavailable(.pod, cluster: cluster.name, "no such stand-in") }
        return try await kube.pod(namespace: namespace, name: name, cluster: cluster)
    }
}

/// A broker wired to two stand-in clusters: `prod` (RSA keys, like most API servers) and
/// `staging` (EC keys), with a policy that lets `payments/payments-api` get tokens for the ledger.
struct BrokerFixture {
    static let brokerIssuer = "https://tokengate.example.com"
    static let brokerAudience = "https://tokengate.example.com/token"
    static let ledger = "https://ledger.example.com"

    let clock: TestClock
    let prod: TestIssuer
    let staging: TestIssuer
    let prodKube: StandInKubernetes
    let stagingKube: StandInKubernetes
    let settings: BrokerSettings
    let exchange: TokenExchange
    let brokerKey: PrivateKey

    static let defaultRules = [
        PolicyRule(name: "payments-ledger", serviceAccounts: [.init(namespace: "payments", name: "payments-*")],
                   audiences: [ledger, "https://reports.example.com"], maxTTLSeconds: 900, scopes: ["ledger.read"]),
        PolicyRule(name: "batch-unbound", serviceAccounts: [.init(namespace: "batch", name: "*")], audiences: [ledger],
                   maxTTLSeconds: 300, tokenType: .jwt, allowUnboundTokens: true),
    ]

    /// - Parameter checkPod: the clusters' `checkPod`; nil leaves ClusterSettings' default for the mode.
    init(verification: VerificationMode = .both, checkPod: Bool? = nil, rules: [PolicyRule] = defaultRules,
         signing: PrivateKey.Generation = .ecP256, prodAlgorithms: Set<JWSAlgorithm> = [.rs256, .es256]) throws {
        let clock = TestClock()
        self.clock = clock
        prod = try TestIssuer(issuer: "https://kubernetes.default.svc.cluster.local", kind: .rsa(bits: 2048))
        staging = try TestIssuer(issuer: "https://oidc.staging.example.com/id/ABC", kind: .ecP256)
        prodKube = StandInKubernetes(issuer: prod, clock: clock)
        stagingKube = StandInKubernetes(issuer: staging, clock: clock)
        settings = BrokerSettings(
            issuer: Self.brokerIssuer, audience: Self.brokerAudience,
            clusters: [
                ClusterSettings(name: "prod", issuer: prod.issuer, algorithms: prodAlgorithms, verification: verification,
                                checkPod: checkPod, apiServer: "https://10.0.0.1:6443"),
                ClusterSettings(name: "staging", issuer: staging.issuer, verification: verification, checkPod: checkPod,
                                apiServer: "https://10.0.0.2:6443"),
            ],
            policy: BrokerPolicy(rules: rules))
        brokerKey = try PrivateKey.generate(signing)
        let router = StandInClusters(clusters: ["prod": prodKube, "staging": stagingKube])
        exchange = TokenExchange(settings: settings, signingKeys: try SigningKeySet(keys: [brokerKey]), fetcher: router,
                                 reviewer: router, pods: router, clock: clock.brokerClock)
    }

    /// Adds the default pod to both stand-in clusters.
    func withDefaultPods() async -> BrokerFixture {
        await prodKube.add(TestPod())
        await stagingKube.add(TestPod())
        return self
    }

    /// A form body, percent-encoding every byte outside RFC 3986's unreserved set.
    static func form(_ pairs: [(String, String)]) -> [UInt8] {
        func encode(_ text: String) -> String {
            text.utf8.map { byte -> String in
                let c = Character(Unicode.Scalar(byte))
                if byte < 0x80, c.isLetter || c.isNumber || "-._~".contains(c) { return String(c) }
                return "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
            }.joined()
        }
        return Array(pairs.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&").utf8)
    }

    static func exchangeForm(token: String, audience: String = ledger, extra: [(String, String)] = []) -> [UInt8] {
        form([("grant_type", ExchangeRequest.grantType), ("subject_token", token),
              ("subject_token_type", ExchangeRequest.jwtTokenType), ("audience", audience)] + extra)
    }

    /// Runs an exchange and parses the JSON body.
    func run(_ form: [UInt8]) async throws -> (outcome: ExchangeOutcome, body: JSONNode) {
        let outcome = await exchange.exchange(form: form, clientAddress: "10.244.1.7:51234")
        return (outcome, try JSONDocument.parse(outcome.body).rootNode)
    }

    func run(token: String, audience: String = ledger, extra: [(String, String)] = []) async throws -> (outcome: ExchangeOutcome, body: JSONNode) {
        try await run(Self.exchangeForm(token: token, audience: audience, extra: extra))
    }

    /// A prod token for the default pod, aimed at the broker.
    func prodToken(lifetime: Int64 = 3600) throws -> String {
        try prod.token(audience: Self.brokerAudience, now: clock.now, lifetime: lifetime)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// Expects an RFC 8693 error response with this code and audit reason, and checks the
/// description leaks nothing internal.
func expectRefusal(
    _ result: (outcome: ExchangeOutcome, body: JSONNode), error: String, reason: String, status: Int = 400,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(result.outcome.status == status, "status", sourceLocation: sourceLocation)
    #expect(result.body["error"]?.string == error, "error was \(result.body.jsonText)", sourceLocation: sourceLocation)
    #expect(result.outcome.audit.reason == reason, "reason was \(result.outcome.audit.reason)", sourceLocation: sourceLocation)
    #expect(result.outcome.audit.decision != .granted, sourceLocation: sourceLocation)
    #expect(result.body["access_token"] == nil, sourceLocation: sourceLocation)
    let description = result.body["error_description"]?.string ?? ""
    #expect(!description.isEmpty, sourceLocation: sourceLocation)
    for secret in ["172.18.0.2", "10.0.0.1", "go-jose", "connection refused", "BEGIN", "openid/v1/jwks", "e87dbbd6"] {
        #expect(!description.contains(secret), "description leaks \(secret): \(description)", sourceLocation: sourceLocation)
    }
    #expect(result.outcome.headers.contains { $0.name == "Cache-Control" && $0.value == "no-store" }, sourceLocation: sourceLocation)
}
