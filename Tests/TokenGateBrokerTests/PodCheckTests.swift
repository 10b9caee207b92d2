// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateCrypto
@testable import TokenGateBroker

/// `checkPod` in every verification mode: with `verify: jwks` the signature is checked offline,
/// and `checkPod: true` still GETs the pod named in the token and compares its UID, so the token
/// of a deleted or recreated pod stops working at once instead of when it expires.
/// The clusters are stand-ins for the Kubernetes API (``StandInKubernetes``).
@Suite("Pod check")
struct PodCheckTests {
    @Test("verify: jwks with checkPod: true GETs the pod and issues for a live one, with no TokenReview")
    func jwksLivePod() async throws {
        let broker = try await BrokerFixture(verification: .jwks, checkPod: true).withDefaultPods()
        let result = try await broker.run(token: try broker.prodToken())
        #expect(result.outcome.status == 200)
        #expect(await broker.prodKube.podGets == 1)
        #expect(await broker.prodKube.reviews == 0, "jwks mode never asks TokenReview")
    }

    @Test("verify: jwks with checkPod: true refuses the token of a deleted pod")
    func jwksDeletedPod() async throws {
        let broker = try await BrokerFixture(verification: .jwks, checkPod: true).withDefaultPods()
        let token = try broker.prodToken()
        let pod = TestPod()
        await broker.prodKube.deletePod(namespace: pod.namespace, name: pod.name)
        let result = try await broker.run(token: token)
        expectRefusal(result, error: "invalid_request", reason: "pod_not_found")
        #expect(result.outcome.audit.podUID == pod.uid, "the refusal is audited with the token's pod")
    }

    @Test("verify: jwks with checkPod: true refuses the token of a pod recreated under the same name")
    func jwksRecreatedPod() async throws {
        let broker = try await BrokerFixture(verification: .jwks, checkPod: true).withDefaultPods()
        let token = try broker.prodToken()
        var recreated = TestPod()
        recreated.uid = "0f0f0f0f-1111-2222-3333-444444444444"
        await broker.prodKube.add(recreated)
        let result = try await broker.run(token: token)
        expectRefusal(result, error: "invalid_request", reason: "pod_uid_mismatch")
        #expect(result.outcome.audit.detail?.contains(recreated.uid) == true)
    }

    @Test("verify: jwks with checkPod: true and the API server down: 503 with Retry-After, not an unchecked token")
    func jwksAPIServerDown() async throws {
        let broker = try await BrokerFixture(verification: .jwks, checkPod: true).withDefaultPods()
        await broker.prodKube.setAPIDown(true)
        let result = try await broker.run(token: try broker.prodToken())
        expectRefusal(result, error: "temporarily_unavailable", reason: "pod_unavailable", status: 503)
        #expect(result.outcome.headers.contains { $0 == ("Retry-After", "5") })
    }

    @Test("verify: jwks without checkPod stays offline: no Pod GET")
    func jwksDefaultIsOffline() async throws {
        let broker = try await BrokerFixture(verification: .jwks).withDefaultPods()
        #expect(broker.settings.clusters.allSatisfy { !$0.checkPod })
        await broker.prodKube.setAPIDown(true)
        #expect(try await broker.run(token: try broker.prodToken()).outcome.status == 200)
        #expect(await broker.prodKube.podGets == 0)
    }

    @Test("verify: tokenreview with checkPod: false asks TokenReview only")
    func tokenReviewWithoutPodCheck() async throws {
        let broker = try await BrokerFixture(verification: .tokenReview, checkPod: false).withDefaultPods()
        #expect(try await broker.run(token: try broker.prodToken()).outcome.status == 200)
        #expect(await broker.prodKube.reviews == 1)
        #expect(await broker.prodKube.podGets == 0)
    }
}
