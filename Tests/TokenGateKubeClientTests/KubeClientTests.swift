import Foundation
import Synchronization
import Testing
@testable import TokenGateKubeClient

/// A scripted transport standing in for the Kubernetes API server in these unit tests; the broker's
/// end-to-end tests use a stand-in HTTPS server (Tests/e2e/kube_standin.py) instead.
final class ScriptedTransport: KubeTransport {
    let responses: Mutex<[(Int, String)]>
    let seen = Mutex<[(method: String, path: String, headers: [(String, String)], body: [UInt8]?)]>([])
    init(_ responses: [(Int, String)]) { self.responses = Mutex(responses) }
    func send(method: String, path: String, headers: [(String, String)], body: [UInt8]?, timeout: Duration) async throws -> (status: Int, body: [UInt8]) {
        seen.withLock { $0.append((method, path, headers, body)) }
        let next = responses.withLock { $0.removeFirst() }
        return (next.0, Array(next.1.utf8))
    }
}

@Suite struct KubeClientTests {
    let endpoint = KubeEndpoint(host: "127.0.0.1", port: 6443, caPEM: nil, credentials: .bearerToken("reader"))

    @Test func tokenReviewIsPostedWithAudiencesAndDecoded() async throws {
        let response = """
            {"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","metadata":{"creationTimestamp":null},
             "spec":{"token":"t","audiences":["tokengate"]},
             "status":{"authenticated":true,"audiences":["tokengate"],
               "user":{"username":"system:serviceaccount:payments:payments-api","uid":"sa-uid",
                 "groups":["system:serviceaccounts","system:serviceaccounts:payments","system:authenticated"],
                 "extra":{"authentication.kubernetes.io/pod-name":["api-1"],"authentication.kubernetes.io/pod-uid":["pod-uid"],
                          "authentication.kubernetes.io/node-name":["worker-2"]}}}}
            """
        let transport = ScriptedTransport([(201, response)])
        let client = KubeClient(endpoint: endpoint, transport: transport)
        let result = try await client.reviewToken("t", audiences: ["tokengate"])
        #expect(result.authenticated)
        #expect(result.audiences == ["tokengate"])
        #expect(result.podName == "api-1" && result.podUID == "pod-uid" && result.nodeName == "worker-2")
        #expect(result.nodeUID == nil)
        let request = try #require(transport.seen.withLock { $0.first })
        #expect(request.method == "POST" && request.path == "/apis/authentication.k8s.io/v1/tokenreviews")
        #expect(request.headers.contains { $0 == ("Authorization", "Bearer reader") })
        let sent = String(decoding: try #require(request.body), as: UTF8.self)
        #expect(sent.contains("\"audiences\":[\"tokengate\"]") && sent.contains("\"kind\":\"TokenReview\""))
    }

    @Test func unauthenticatedReviewKeepsTheReason() async throws {
        let transport = ScriptedTransport([(201, #"{"kind":"TokenReview","status":{"error":"pods \"api-1\" not found"}}"#)])
        let result = try await KubeClient(endpoint: endpoint, transport: transport).reviewToken("t", audiences: ["a"])
        #expect(!result.authenticated)
        #expect(result.error == "pods \"api-1\" not found")
    }

    @Test func podIsFetchedAndMissingPodIsNil() async throws {
        let pod = #"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"api-1","namespace":"payments","uid":"u1"},"spec":{"serviceAccountName":"payments-api","nodeName":"w2"}}"#
        let notFound = #"{"kind":"Status","status":"Failure","reason":"NotFound","code":404,"message":"pods \"gone\" not found"}"#
        let transport = ScriptedTransport([(200, pod), (404, notFound)])
        let client = KubeClient(endpoint: endpoint, transport: transport)
        let info = try #require(try await client.pod(namespace: "payments", name: "api-1"))
        #expect(info == PodInfo(namespace: "payments", name: "api-1", uid: "u1", serviceAccountName: "payments-api", nodeName: "w2"))
        #expect(try await client.pod(namespace: "payments", name: "gone") == nil)
        #expect(transport.seen.withLock { $0.map(\.path) } == ["/api/v1/namespaces/payments/pods/api-1", "/api/v1/namespaces/payments/pods/gone"])
    }

    @Test func claimValuesCannotEscapeThePath() {
        #expect(PodInfo.path(namespace: "a/../b", name: "x?y") == "/api/v1/namespaces/a%2F..%2Fb/pods/x%3Fy")
    }

    @Test(arguments: [(401, KubeClientError.Code.forbidden), (403, .forbidden), (429, .unavailable), (503, .unavailable), (418, .badResponse)])
    func statusCodesMapToActionableErrors(status: Int, code: KubeClientError.Code) async throws {
        let transport = ScriptedTransport([(status, #"{"kind":"Status","message":"nope"}"#)])
        let error = try await #require(throws: KubeClientError.self) {
            try await KubeClient(endpoint: endpoint, transport: transport).reviewToken("t", audiences: [])
        }
        #expect(error.code == code)
        #expect(error.message.contains("nope"))
    }

    @Test func limiterFailsFastPastTheLimit() {
        let limiter = ConcurrencyLimiter(limit: 2)
        #expect(limiter.tryAcquire() && limiter.tryAcquire())
        #expect(!limiter.tryAcquire())
        limiter.release()
        #expect(limiter.tryAcquire())
    }

    @Test func tokenFileIsReReadAfterMaxAge() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tg-token-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("first".utf8).write(to: URL(fileURLWithPath: path))
        let cached = BearerTokenSource(.bearerTokenFile(path), maxAge: .seconds(3600))
        let fresh = BearerTokenSource(.bearerTokenFile(path), maxAge: .zero)
        #expect(try cached.token() == "first")
        #expect(try fresh.token() == "first")
        try Data("rotated".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try cached.token() == "first")
        #expect(try fresh.token() == "rotated")
    }
}
