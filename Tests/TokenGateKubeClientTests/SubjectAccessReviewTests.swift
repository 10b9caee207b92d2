import Foundation
import Testing
import TokenGateJSON
@testable import TokenGateKubeClient

@Suite struct SubjectAccessReviewTests {
    let endpoint = KubeEndpoint(host: "127.0.0.1", port: 6443, caPEM: nil, credentials: .bearerToken("reader"))
    let user = TokenReviewResult(
        authenticated: true, username: "alice@example.com", uid: "u-1", groups: ["reviewers", "system:authenticated"],
        extra: ["scopes.example.com": ["audit", "read"]])

    @Test func theReviewCarriesTheUserAndTheResourceAttributes() async throws {
        let transport = ScriptedTransport([(201, #"{"kind":"SubjectAccessReview","status":{"allowed":true,"reason":"RBAC: allowed"}}"#)])
        let client = KubeClient(endpoint: endpoint, transport: transport)
        let attributes = ResourceAttributes(verb: "get", group: "tokengate.io", resource: "auditreviews", namespace: "tokengate-system")
        let answer = try await client.reviewAccess(user: user, attributes: attributes)
        #expect(answer == SubjectAccessReviewResult(allowed: true, reason: "RBAC: allowed"))

        let sent = try #require(transport.seen.withLock { $0.first })
        #expect(sent.method == "POST")
        #expect(sent.path == "/apis/authorization.k8s.io/v1/subjectaccessreviews")
        let body = try #require(sent.body)
        let document = try JSONView.parseOnThisThread(body)
        let spec = try #require(document.root["spec"])
        #expect(spec["user"]?.string == "alice@example.com")
        #expect(spec["uid"]?.string == "u-1")
        #expect(spec["groups"]?.elements.compactMap(\.string) == ["reviewers", "system:authenticated"])
        #expect(spec["extra"]?["scopes.example.com"]?.elements.compactMap(\.string) == ["audit", "read"])
        let resource = try #require(spec["resourceAttributes"])
        #expect(resource["verb"]?.string == "get")
        #expect(resource["group"]?.string == "tokengate.io")
        #expect(resource["resource"]?.string == "auditreviews")
        #expect(resource["namespace"]?.string == "tokengate-system")
        #expect(resource["name"] == nil)
    }

    @Test func omittedFieldsDecodeAsNotAllowed() throws {
        let answer = try SubjectAccessReviewCodec.decode(Array(#"{"kind":"SubjectAccessReview","status":{}}"#.utf8))
        #expect(answer == SubjectAccessReviewResult(allowed: false))
        let denied = try SubjectAccessReviewCodec.decode(
            Array(#"{"kind":"SubjectAccessReview","status":{"allowed":false,"denied":true,"reason":"policy says no"}}"#.utf8))
        #expect(denied == SubjectAccessReviewResult(allowed: false, denied: true, reason: "policy says no"))
        #expect(throws: KubeClientError.self) { try SubjectAccessReviewCodec.decode(Array(#"{"kind":"Status"}"#.utf8)) }
    }

    @Test func aRefusedReviewIsForbidden() async throws {
        let transport = ScriptedTransport([(403, #"{"kind":"Status","message":"cannot create subjectaccessreviews"}"#)])
        let client = KubeClient(endpoint: endpoint, transport: transport)
        let error = await #expect(throws: KubeClientError.self) {
            try await client.reviewAccess(user: user, attributes: ResourceAttributes(verb: "get", group: "", resource: "pods"))
        }
        #expect(error?.code == .forbidden)
    }

    @Test func attributesDescribeThemselvesAsRBACDoes() {
        #expect(ResourceAttributes(verb: "get", group: "tokengate.io", resource: "auditreviews").description == "get on auditreviews.tokengate.io")
        #expect(ResourceAttributes(verb: "get", group: "", resource: "services", name: "web", namespace: "ns").description
            == "get on services named \"web\" in namespace \"ns\"")
    }
}
