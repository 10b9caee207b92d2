// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateJSON
@testable import TokenGateBroker

@Suite("Kubernetes wire codecs")
struct KubernetesCodecTests {
    /// The TokenReview response example from the Kubernetes documentation (k8s-api.md §4.2).
    static let documented = """
        {"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","metadata":{"creationTimestamp":null},
         "spec":{"token":"<jwt>","audiences":["https://broker.example.com"]},
         "status":{
           "authenticated":true,
           "audiences":["https://broker.example.com"],
           "user":{
             "username":"system:serviceaccount:payments:payments-api",
             "uid":"<SA uid>",
             "groups":["system:serviceaccounts","system:serviceaccounts:payments","system:authenticated"],
             "extra":{
               "authentication.kubernetes.io/credential-id":["JTI=7ee52be0-9045-4653-aa5e-0da57b8dccdc"],
               "authentication.kubernetes.io/node-name":["worker-2"],
               "authentication.kubernetes.io/node-uid":["497e9d9a-47aa-4930-b0f6-9f2fb574c8c6"],
               "authentication.kubernetes.io/pod-name":["payments-api-6d9f7c8b5-k2x9p"],
               "authentication.kubernetes.io/pod-uid":["e87dbbd6-3d7e-45db-aafb-72b24627dff5"]}}}}
        """

    @Test("TokenReview request body and the documented response")
    func tokenReview() throws {
        let body = try JSONDocument.parse(TokenReviewCodec.requestBody(token: "t.o.k", audiences: ["aud"])).rootNode
        #expect(body["kind"]?.string == "TokenReview" && body["apiVersion"]?.string == "authentication.k8s.io/v1")
        #expect(body["spec"]?["token"]?.string == "t.o.k" && body["spec"]?["audiences"]?[0]?.string == "aud")

        let status = try TokenReviewCodec.parseResponse(status: 201, body: Array(Self.documented.utf8), cluster: "prod")
        #expect(status.authenticated && status.audiences == ["https://broker.example.com"])
        #expect(status.username == "system:serviceaccount:payments:payments-api" && status.groups.count == 3)
        #expect(status.podUID == "e87dbbd6-3d7e-45db-aafb-72b24627dff5" && status.podName == "payments-api-6d9f7c8b5-k2x9p")
        #expect(status.credentialID == "JTI=7ee52be0-9045-4653-aa5e-0da57b8dccdc")

        let rejected = #"{"kind":"TokenReview","status":{"authenticated":false,"error":"token has been invalidated"}}"#
        let denied = try TokenReviewCodec.parseResponse(status: 201, body: Array(rejected.utf8), cluster: "prod")
        #expect(!denied.authenticated && denied.error == "token has been invalidated")
        let noStatus = try TokenReviewCodec.parseResponse(status: 201, body: Array(#"{"kind":"TokenReview"}"#.utf8), cluster: "prod")
        #expect(!noStatus.authenticated)
    }

    @Test("TokenReview failures say what to fix")
    func tokenReviewFailures() {
        do {
            _ = try TokenReviewCodec.parseResponse(status: 403, body: [], cluster: "prod")
            Issue.record("403 accepted")
        } catch {
            #expect(error.message.contains("system:auth-delegator") && error.service == .tokenReview)
        }
        #expect(throws: UpstreamUnavailable.self) { try TokenReviewCodec.parseResponse(status: 201, body: Array("<html>".utf8), cluster: "p") }
        #expect(throws: UpstreamUnavailable.self) { try TokenReviewCodec.parseResponse(status: 201, body: Array(#"{"kind":"Status"}"#.utf8), cluster: "p") }
    }

    @Test("Pod GET: 200, 404 and errors; names are checked before they reach a path")
    func pods() throws {
        let pod = #"{"kind":"Pod","metadata":{"uid":"u1","deletionTimestamp":"2026-01-01T00:00:00Z"},"spec":{"serviceAccountName":"sa","nodeName":"n1"}}"#
        #expect(try PodCodec.parseResponse(status: 200, body: Array(pod.utf8), cluster: "p")
            == PodInfo(uid: "u1", serviceAccountName: "sa", nodeName: "n1", deletionTimestamp: "2026-01-01T00:00:00Z"))
        #expect(try PodCodec.parseResponse(status: 404, body: [], cluster: "p") == nil)
        #expect(throws: UpstreamUnavailable.self) { try PodCodec.parseResponse(status: 500, body: [], cluster: "p") }
        #expect(throws: UpstreamUnavailable.self) { try PodCodec.parseResponse(status: 200, body: Array(#"{"kind":"Pod"}"#.utf8), cluster: "p") }
        #expect(PodCodec.path(namespace: "ns", name: "p-1") == "/api/v1/namespaces/ns/pods/p-1")
        #expect(KubernetesNames.isSubdomain("payments-api-6d9f7c8b5-k2x9p") && KubernetesNames.isSubdomain("a.b"))
        for bad in ["", "../x", "a/b", "A", "-a", "a-", "a?b", "a%2Fb", String(repeating: "a", count: 254)] {
            #expect(!KubernetesNames.isSubdomain(bad), "\(bad)")
        }
    }
}
