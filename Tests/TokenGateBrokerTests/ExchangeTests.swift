// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateCrypto
import TokenGateJSON
@testable import TokenGateBroker

/// Successful exchanges and the decisions around them. The clusters are stand-ins for the
/// Kubernetes API (``StandInKubernetes``); the crypto is real OpenSSL throughout.
@Suite("Token exchange")
struct ExchangeTests {
    /// Verifies an issued token against the broker's published JWKS alone, like a relying party.
    static func verifyWithPublishedKeys(_ token: String, broker: BrokerFixture) throws -> JSONCompactCheck {
        let jwks = try JWKSet(parsing: try broker.exchange.jwksDocument().serialized())
        let jws = try JWSCompact(parsing: token)
        let keys = jwks.candidates(keyID: jws.keyID, algorithm: jws.algorithm)
        #expect(keys.count == 1)
        try jws.verify(with: #require(keys.first), allowed: [.es256, .rs256])
        return JSONCompactCheck(header: jws.header, claims: jws.payload)
    }

    struct JSONCompactCheck {
        let header: JSONNode
        let claims: JSONNode
    }

    @Test("a prod pod's RS256 token becomes an ES256 at+jwt that names the pod, verifiable with /keys alone")
    func grantsAndNamesThePod() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        let now = broker.clock.now
        let result = try await broker.run(token: try broker.prodToken())
        #expect(result.outcome.status == 200)
        #expect(result.body["issued_token_type"]?.string == "urn:ietf:params:oauth:token-type:access_token")
        #expect(result.body["token_type"]?.string == "Bearer")
        #expect(result.body["expires_in"]?.int == 900)
        #expect(result.outcome.headers.contains { $0 == ("Cache-Control", "no-store") })
        #expect(result.outcome.headers.contains { $0 == ("Content-Type", "application/json") })

        let token = try #require(result.body["access_token"]?.string)
        let check = try Self.verifyWithPublishedKeys(token, broker: broker)
        #expect(check.header["typ"]?.string == "at+jwt")
        #expect(check.header["alg"]?.string == "ES256")
        #expect(check.header["kid"]?.string == (try broker.brokerKey.publicKey().keyID))
        let claims = check.claims
        #expect(claims["iss"]?.string == BrokerFixture.brokerIssuer)
        #expect(claims["sub"]?.string == "system:serviceaccount:payments:payments-api")
        #expect(claims["aud"]?.string == BrokerFixture.ledger)
        #expect(claims["iat"]?.int == now && claims["nbf"]?.int == now && claims["exp"]?.int == now + 900)
        #expect(claims["client_id"]?.string == "system:serviceaccount:payments:payments-api")
        #expect(try Base64.decodeURL(claims["jti"]?.string ?? "").count == 16, "jti carries 128 random bits")
        let identity = try #require(claims["tokengate.io"])
        let pod = TestPod()
        #expect(identity["cluster"]?.string == "prod")
        #expect(identity["namespace"]?.string == pod.namespace)
        #expect(identity["pod"]?["name"]?.string == pod.name && identity["pod"]?["uid"]?.string == pod.uid)
        #expect(identity["serviceaccount"]?["name"]?.string == pod.serviceAccount)
        #expect(identity["serviceaccount"]?["uid"]?.string == pod.serviceAccountUID)
        #expect(identity["node"]?["name"]?.string == pod.nodeName && identity["node"]?["uid"]?.string == pod.nodeUID)
        #expect(identity["subject_jti"]?.string == "7ee52be0-9045-4653-aa5e-0da57b8dccdc")

        let audit = result.outcome.audit
        #expect(audit.decision == .granted && audit.reason == "issued")
        #expect(audit.cluster == "prod" && audit.namespace == "payments" && audit.serviceAccount == "payments-api")
        #expect(audit.podName == pod.name && audit.podUID == pod.uid && audit.nodeName == pod.nodeName)
        #expect(audit.subjectTokenID == "7ee52be0-9045-4653-aa5e-0da57b8dccdc")
        #expect(audit.issuedTokenID == claims["jti"]?.string)
        #expect(audit.audiences == [BrokerFixture.ledger] && audit.expiresAt == now + 900)
        #expect(audit.clientAddress == "10.244.1.7:51234" && audit.policyRule == "payments-ledger")
        #expect(!audit.json().jsonText.contains(token), "the audit record never holds a token")
        #expect(await broker.prodKube.lastReviewAudiences == [BrokerFixture.brokerAudience], "TokenReview spec.audiences = broker audience")
        #expect(await broker.prodKube.podGets == 1)
    }

    @Test("an EC (ES256) cluster's token is accepted; RS256 signing is selectable")
    func ecClusterAndRSASigning() async throws {
        let broker = try await BrokerFixture(signing: .rsa(bits: 2048)).withDefaultPods()
        let token = try broker.staging.token(audience: BrokerFixture.brokerAudience, now: broker.clock.now)
        let result = try await broker.run(token: token)
        #expect(result.outcome.status == 200)
        let check = try Self.verifyWithPublishedKeys(try #require(result.body["access_token"]?.string), broker: broker)
        #expect(check.header["alg"]?.string == "RS256")
        #expect(check.claims["tokengate.io"]?["cluster"]?.string == "staging")
    }

    @Test("TTL is the least of requested, policy maximum and the subject token's remaining life")
    func lifetime() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        #expect(try await broker.run(token: try broker.prodToken(), extra: [("expires_in", "120")]).body["expires_in"]?.int == 120)
        #expect(try await broker.run(token: try broker.prodToken(), extra: [("expires_in", "99999")]).body["expires_in"]?.int == 900)
        #expect(try await broker.run(token: try broker.prodToken(lifetime: 700)).body["expires_in"]?.int == 700)
        expectRefusal(try await broker.run(token: try broker.prodToken(), extra: [("expires_in", "-5")]),
                      error: "invalid_request", reason: "malformed_request")
    }

    @Test("policy: audiences, scopes, token types and default deny")
    func policyDecisions() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        let token = try broker.prodToken()
        let denied = try await broker.run(token: token, audience: "https://vault.example.com")
        expectRefusal(denied, error: "invalid_target", reason: "audience_not_allowed")
        #expect(denied.outcome.audit.podUID == TestPod().uid, "denials are audited with the pod identity")

        let two = try await broker.run(BrokerFixture.form([
            ("grant_type", ExchangeRequest.grantType), ("subject_token", token), ("subject_token_type", ExchangeRequest.jwtTokenType),
            ("audience", BrokerFixture.ledger), ("resource", "https://reports.example.com"), ("scope", "ledger.read"),
        ]))
        #expect(two.outcome.status == 200 && two.body["scope"]?.string == "ledger.read")
        let claims = try JWSCompact(parsing: try #require(two.body["access_token"]?.string)).payload
        #expect(claims["aud"]?.elements.compactMap(\.string) == [BrokerFixture.ledger, "https://reports.example.com"])
        #expect(claims["scope"]?.string == "ledger.read")

        expectRefusal(try await broker.run(token: token, extra: [("scope", "ledger.write")]), error: "invalid_scope", reason: "scope_not_allowed")
        expectRefusal(try await broker.run(token: token, extra: [("requested_token_type", "urn:ietf:params:oauth:token-type:jwt")]),
                      error: "invalid_request", reason: "unsupported_requested_token_type")

        var other = TestPod()
        other.serviceAccount = "frontend"
        other.name = "frontend-1"
        other.uid = "f0000000-0000-0000-0000-000000000001"
        await broker.prodKube.add(other)
        let frontend = try broker.prod.token(pod: other, audience: BrokerFixture.brokerAudience, now: broker.clock.now)
        expectRefusal(try await broker.run(token: frontend), error: "invalid_target", reason: "no_policy")
    }

    @Test("policy may allow unbound tokens: a batch job's token without a pod gets a jwt-type token")
    func unboundAllowedByPolicy() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        var batch = TestPod()
        batch.namespace = "batch"
        batch.serviceAccount = "nightly"
        await broker.prodKube.add(batch)
        let claims = broker.prod.claims(pod: batch, audience: BrokerFixture.brokerAudience, now: broker.clock.now)
            .setting("kubernetes.io", ["namespace": "batch", "serviceaccount": ["name": "nightly", "uid": .string(batch.serviceAccountUID)]])
        let result = try await broker.run(token: try broker.prod.sign(claims))
        #expect(result.outcome.status == 200)
        #expect(result.body["token_type"]?.string == "N_A")
        #expect(result.body["issued_token_type"]?.string == "urn:ietf:params:oauth:token-type:jwt")
        #expect(try JWSCompact(parsing: try #require(result.body["access_token"]?.string)).header["typ"]?.string == "JWT")
        #expect(await broker.prodKube.podGets == 0, "no Pod GET without a pod claim")
    }

    @Test("API server down: 503 temporarily_unavailable with Retry-After; the broker keeps answering")
    func apiServerDown() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        await broker.prodKube.setAPIDown(true)
        let result = try await broker.run(token: try broker.prodToken())
        expectRefusal(result, error: "temporarily_unavailable", reason: "tokenreview_unavailable", status: 503)
        #expect(result.outcome.headers.contains { $0 == ("Retry-After", "5") })
        #expect(result.outcome.audit.decision == .unavailable)
        #expect(result.outcome.audit.detail?.contains("connection refused") == true)
        await broker.prodKube.setAPIDown(false)
        #expect(try await broker.run(token: try broker.prodToken()).outcome.status == 200)
    }

    @Test("TokenReview answers are cached ≤ 10 s by token hash")
    func reviewCache() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        let token = try broker.prodToken()
        #expect(try await broker.run(token: token).outcome.audit.tokenReviewCached == false)
        broker.clock.advance(9)
        #expect(try await broker.run(token: token).outcome.audit.tokenReviewCached == true)
        #expect(await broker.prodKube.reviews == 1)
        broker.clock.advance(2)
        #expect(try await broker.run(token: token).outcome.audit.tokenReviewCached == false)
        #expect(await broker.prodKube.reviews == 2)
        // A different token is a different cache entry.
        broker.clock.advance(1)
        _ = try await broker.run(token: try broker.prodToken(lifetime: 1800))
        #expect(await broker.prodKube.reviews == 3)
    }

    @Test("verify: jwks works with the API server down; verify: tokenreview works with JWKS down")
    func verificationModes() async throws {
        let offline = try await BrokerFixture(verification: .jwks).withDefaultPods()
        await offline.prodKube.setAPIDown(true)
        #expect(try await offline.run(token: try offline.prodToken()).outcome.status == 200)
        #expect(await offline.prodKube.reviews == 0)

        let reviewOnly = try await BrokerFixture(verification: .tokenReview).withDefaultPods()
        await reviewOnly.prodKube.setJWKSDown(true)
        #expect(try await reviewOnly.run(token: try reviewOnly.prodToken()).outcome.status == 200)
        // Without local signature checks, a forged token is still refused — by TokenReview.
        let rogue = try TestIssuer(issuer: reviewOnly.prod.issuer)
        let forged = try rogue.token(audience: BrokerFixture.brokerAudience, now: reviewOnly.clock.now)
        expectRefusal(try await reviewOnly.run(token: forged), error: "invalid_request", reason: "tokenreview_rejected")
    }

    @Test("discovery document and JWKS for the broker's own issuer")
    func discovery() async throws {
        let broker = try BrokerFixture()
        let document = broker.exchange.discoveryDocument().document().rootNode
        #expect(document["issuer"]?.string == BrokerFixture.brokerIssuer)
        #expect(document["jwks_uri"]?.string == BrokerFixture.brokerIssuer + "/keys")
        #expect(document["token_endpoint"]?.string == BrokerFixture.brokerIssuer + "/token")
        #expect(document["id_token_signing_alg_values_supported"]?.elements.compactMap(\.string) == ["ES256"])
        #expect(document["grant_types_supported"]?[0]?.string == ExchangeRequest.grantType)
        let jwks = try broker.exchange.jwksDocument().document().rootNode
        #expect(jwks["keys"]?.count == 1)
        #expect(jwks["keys"]?[0]?["kid"]?.string == (try broker.brokerKey.publicKey().keyID))
        #expect(jwks["keys"]?[0]?["d"] == nil)
    }
}
