// SPDX-License-Identifier: Apache-2.0
import Foundation
import NIOHTTP1
import Testing
import Synchronization
import TokenGateBroker
import TokenGateCrypto
import TokenGateJSON
import TokenGateKubeClient
@testable import TokenGateHTTP
@testable import TokenGateService

/// The broker's seams over HTTPS, against a STAND-IN Kubernetes API server (a TokenGateServer with
/// routes shaped like kube-apiserver's answers; k8s-api.md §4–5).
@Suite("Cluster connections: TokenReview, Pod GET and JWKS over HTTPS")
struct ClusterConnectionsTests {
    static let apiToken = "reader-token-123"

    static func standInRoutes(_ log: RequestLog) -> (inout Router) -> Void {
        { router in
            @Sendable func authorized(_ request: ServerRequest) -> Bool { request.headers.first(name: "authorization") == "Bearer \(apiToken)" }
            router.add(.POST, TokenReviewCodec.path) { request in
                log.record(request)
                guard authorized(request) else { return .json(.forbidden, Array(#"{"kind":"Status","message":"forbidden"}"#.utf8)) }
                let token = (try? JSONDocument.parse(Array(request.body.readableBytesView)))?.rootNode["spec"]?["token"]?.string
                let status = token == "good"
                    ? #"{"authenticated":true,"audiences":["https://broker"],"user":{"username":"system:serviceaccount:payments:api","uid":"sa-1","extra":{"authentication.kubernetes.io/pod-uid":["pod-1"]}}}"#
                    : #"{"error":"invalid bearer token"}"#
                return .json(.created, Array(#"{"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","status":\#(status)}"#.utf8))
            }
            router.add(.GET, "/api/v1/namespaces/payments/pods/api-1") { request in
                log.record(request)
                return .json(.ok, Array(#"{"kind":"Pod","metadata":{"name":"api-1","namespace":"payments","uid":"pod-1"},"spec":{"serviceAccountName":"api","nodeName":"worker-3"}}"#.utf8))
            }
            router.add(.GET, "/openid/v1/jwks") { request in
                log.record(request)
                guard authorized(request) else { return .json(.unauthorized, Array(#"{"kind":"Status","message":"Unauthorized"}"#.utf8)) }
                return .json(.ok, Array(#"{"keys":[]}"#.utf8))
            }
        }
    }

    static func tokenFile() throws -> String {
        let path = NSTemporaryDirectory() + "tokengate-api-token-\(UUID().uuidString)"
        try Data((apiToken + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("TokenReview, Pod GET (found and 404) with the bearer token from tokenFile; metrics count them")
    func reviewAndPods() async throws {
        let log = RequestLog()
        let tokenPath = try Self.tokenFile()
        defer { try? FileManager.default.removeItem(atPath: tokenPath) }
        try await withStandInServer(routes: Self.standInRoutes(log)) { port, certificates, _ in
            let metrics = BrokerMetrics()
            let connections = ClusterConnections(timeout: .seconds(30), metrics: metrics)
            let cluster = ClusterSettings(name: "prod", issuer: "https://127.0.0.1:\(port)", apiServer: "https://127.0.0.1:\(port)",
                                          caFile: certificates.ca, tokenFile: tokenPath)
            #expect(connections.prepare([cluster]).isEmpty)
            let good = try await connections.review(token: "good", audiences: ["https://broker"], cluster: cluster)
            #expect(good.authenticated && good.podUID == "pod-1" && good.username == "system:serviceaccount:payments:api")
            let bad = try await connections.review(token: "bad", audiences: ["https://broker"], cluster: cluster)
            #expect(!bad.authenticated && bad.error == "invalid bearer token")
            let pod = try await connections.pod(namespace: "payments", name: "api-1", cluster: cluster)
            #expect(pod == LivePod(uid: "pod-1", serviceAccountName: "api", nodeName: "worker-3"))
            #expect(try await connections.pod(namespace: "payments", name: "gone", cluster: cluster) == nil)
            #expect(log.all.allSatisfy { $0.authorization == "Bearer \(Self.apiToken)" })
            let text = metrics.render()
            #expect(text.contains(#"tokengate_broker_tokenreviews_total{cluster="prod",result="authenticated"} 1"#))
            #expect(text.contains(#"tokengate_broker_tokenreviews_total{cluster="prod",result="rejected"} 1"#))
            #expect(text.contains(#"tokengate_broker_tokenreview_duration_seconds_count{cluster="prod"} 2"#))
            #expect(text.contains(#"tokengate_broker_pod_lookups_total{cluster="prod",result="not_found"} 1"#))
        }
    }

    @Test("the ServiceAccount token goes to the API server's host only, never to another JWKS host")
    func credentialsStayWithTheAPIServer() async throws {
        let log = RequestLog()
        let tokenPath = try Self.tokenFile()
        defer { try? FileManager.default.removeItem(atPath: tokenPath) }
        try await withStandInServer(routes: Self.standInRoutes(log)) { port, certificates, _ in
            let metrics = BrokerMetrics()
            let connections = ClusterConnections(timeout: .seconds(30), metrics: metrics)
            let cluster = ClusterSettings(name: "prod", issuer: "https://127.0.0.1:\(port)", apiServer: "https://127.0.0.1:\(port)",
                                          caFile: certificates.ca, tokenFile: tokenPath)
            let body = try await connections.fetch(url: "https://127.0.0.1:\(port)/openid/v1/jwks", for: cluster)
            #expect(String(decoding: body, as: UTF8.self) == #"{"keys":[]}"#)
            // Same server under another name: to the client that is another host, so no token is sent.
            let error = await #expect(throws: UpstreamUnavailable.self) {
                _ = try await connections.fetch(url: "https://localhost:\(port)/openid/v1/jwks", for: cluster)
            }
            #expect(error?.service == .jwks && error?.message.contains("401") == true, "\(String(describing: error))")
            #expect(error?.message.contains("tokenFile") == true, "the message says how to fix it")
            #expect(log.all.map(\.authorization) == ["Bearer \(Self.apiToken)", nil])
            #expect(metrics.render().contains(#"tokengate_broker_jwks_fetches_total{cluster="prod",document="jwks",result="failure"} 1"#))
        }
    }

    @Test("auth.selfIssued: each call carries a JWT signed by the broker key, renewed on key rotation; no static token")
    func selfIssuedToken() async throws {
        let log = RequestLog()
        let first = try PrivateKey.generate(.ecP256)
        let second = try PrivateKey.generate(.ecP256)
        let current = Mutex(try JWSSigner(key: first))
        try await withStandInServer(routes: Self.standInRoutes(log)) { port, certificates, _ in
            let connections = ClusterConnections(timeout: .seconds(30))
            connections.useSelfIssuedSigner { ("https://tokengate.example.com", current.withLock { $0 }) }
            let cluster = ClusterSettings(
                name: "prod-b", issuer: "https://127.0.0.1:\(port)", apiServer: "https://127.0.0.1:\(port)", caFile: certificates.ca,
                auth: .selfIssued(SelfIssuedAuth(audience: "https://prod-b.example.com", subject: "tokengate-broker")))
            #expect(connections.prepare([cluster]).isEmpty)
            #expect(connections.staticTokenClusters([cluster]).isEmpty)
            // The stand-in wants its reader token, so the calls are refused; what matters is what they carried.
            _ = try? await connections.pod(namespace: "payments", name: "api-1", cluster: cluster)
            _ = try? await connections.pod(namespace: "payments", name: "api-1", cluster: cluster)
            let rotated = try JWSSigner(key: second)
            current.withLock { $0 = rotated }
            let refused = await #expect(throws: UpstreamUnavailable.self) {
                _ = try await connections.fetch(url: "https://127.0.0.1:\(port)/openid/v1/jwks", for: cluster)
            }
            #expect(refused?.message.contains("auth.selfIssued") == true, "a 401 names the remote side to fix")
            let bearers = log.all.compactMap { $0.authorization?.dropFirst("Bearer ".count) }.map(String.init)
            #expect(bearers.count == 3)
            #expect(bearers[0] == bearers[1], "cached between calls")
            for (index, bearer) in bearers.enumerated() {
                let jws = try JWSCompact(parsing: bearer)
                try jws.verify(with: (index < 2 ? first : second).publicKey(), allowed: [.es256])
                #expect(jws.claims["iss"]?.string == "https://tokengate.example.com")
                #expect(jws.claims["aud"]?.string == "https://prod-b.example.com")
                #expect(jws.claims["sub"]?.string == "tokengate-broker")
            }
            #expect(!bearers.contains(Self.apiToken))
        }
    }

    @Test("a cluster with tokenFile is reported as using a static token; inCluster is not")
    func staticTokens() throws {
        let tokenPath = try Self.tokenFile()
        defer { try? FileManager.default.removeItem(atPath: tokenPath) }
        let connections = ClusterConnections(timeout: .seconds(1))
        let remote = ClusterSettings(name: "remote", issuer: "https://remote.example.com", apiServer: "https://remote.example.com:6443",
                                     tokenFile: tokenPath)
        let offline = ClusterSettings(name: "offline", issuer: "https://o.example.com", jwks: .file("/jwks.json"), verification: .jwks)
        #expect(connections.prepare([remote, offline]).isEmpty)
        #expect(connections.staticTokenClusters([remote, offline]) == ["remote"])
    }

    @Test("an unreachable API server or a bad CA file is UpstreamUnavailable, not a crash or a hang")
    func failures() async throws {
        let connections = ClusterConnections(timeout: .seconds(30))
        try await withRefusingPort { port in
            let down = ClusterSettings(name: "down", issuer: "https://127.0.0.1:\(port)", apiServer: "https://127.0.0.1:\(port)")
            let error = await #expect(throws: UpstreamUnavailable.self) {
                _ = try await connections.review(token: "t", audiences: ["a"], cluster: down)
            }
            #expect(error?.service == .tokenReview && error?.message.contains("cannot connect") == true)
        }
        let badCA = ClusterSettings(name: "bad", issuer: "https://x", apiServer: "https://127.0.0.1:1", caFile: "/nonexistent/ca.crt")
        #expect(connections.prepare([badCA]) == ["cluster bad: cannot read caFile /nonexistent/ca.crt"])
        let podError = await #expect(throws: UpstreamUnavailable.self) {
            _ = try await connections.pod(namespace: "a", name: "b", cluster: badCA)
        }
        #expect(podError?.message.contains("caFile") == true)
        let jwksOnly = ClusterSettings(name: "offline", issuer: "https://x", jwks: .file("/k.json"), verification: .jwks)
        let noAPI = await #expect(throws: UpstreamUnavailable.self) {
            _ = try await connections.pod(namespace: "a", name: "b", cluster: jwksOnly)
        }
        #expect(noAPI?.message.contains("no API server configured") == true)
    }

    @Test("ClusterSettings map to KubeEndpoints: apiServer, inCluster, kubeconfig with overrides")
    func endpoints() throws {
        let tokenPath = try Self.tokenFile()
        defer { try? FileManager.default.removeItem(atPath: tokenPath) }
        let certificates = try TestCertificateDirectory()
        let direct = try #require(try KubeEndpoint.forCluster(ClusterSettings(
            name: "a", issuer: "https://i", apiServer: "https://api.example.com:6443/prefix/", caFile: certificates.ca, tokenFile: tokenPath)))
        #expect(direct.host == "api.example.com" && direct.port == 6443 && direct.basePath == "/prefix" && direct.serverName == "api.example.com")
        let caBytes = try certificates.bytes(certificates.ca)
        #expect(direct.credentials == .bearerTokenFile(tokenPath) && direct.caPEM == caBytes)
        let inCluster = try #require(try KubeEndpoint.forCluster(
            ClusterSettings(name: "b", issuer: "https://i", inCluster: true, caFile: certificates.ca, tokenFile: tokenPath),
            environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]))
        #expect(inCluster.host == "10.96.0.1" && inCluster.port == 443 && inCluster.credentials == .bearerTokenFile(tokenPath))
        #expect(throws: KubeClientError.self) {
            _ = try KubeEndpoint.forCluster(ClusterSettings(name: "c", issuer: "https://i", inCluster: true), environment: [:])
        }
        let kubeconfig = NSTemporaryDirectory() + "tokengate-kubeconfig-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: kubeconfig) }
        try Data("""
            apiVersion: v1
            kind: Config
            current-context: c
            contexts: [{name: c, context: {cluster: k, user: u}}]
            clusters: [{name: k, cluster: {server: "https://kube.internal:443", certificate-authority-data: \(Base64.encode(try certificates.bytes(certificates.ca)))}}]
            users: [{name: u, user: {token: inline-token}}]
            """.utf8).write(to: URL(fileURLWithPath: kubeconfig))
        let fromFile = try #require(try KubeEndpoint.forCluster(ClusterSettings(name: "d", issuer: "https://i", kubeconfig: kubeconfig)))
        #expect(fromFile.host == "kube.internal" && fromFile.credentials == .bearerToken("inline-token") && fromFile.caPEM != nil)
        let overridden = try #require(try KubeEndpoint.forCluster(ClusterSettings(
            name: "e", issuer: "https://i", apiServer: "https://127.0.0.1:7443", tokenFile: tokenPath, kubeconfig: kubeconfig)))
        #expect(overridden.host == "127.0.0.1" && overridden.port == 7443 && overridden.credentials == .bearerTokenFile(tokenPath))
        #expect(try KubeEndpoint.forCluster(ClusterSettings(name: "f", issuer: "https://i", jwks: .url("https://i/jwks"), verification: .jwks)) == nil)
        #expect(throws: KubeClientError.self) {
            _ = try HTTPSKubeTransport(endpoint: KubeEndpoint(host: "h", port: 1, caPEM: nil, credentials: .none, insecureSkipTLSVerify: true))
        }
    }
}
