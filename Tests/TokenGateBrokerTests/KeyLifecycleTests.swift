// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateCrypto
import TokenGateJSON
@testable import TokenGateBroker

/// Cluster key rotation, JWKS outages, the broker's own key rotation and config reload.
/// The clusters are stand-ins for the Kubernetes API (``StandInKubernetes``).
@Suite("Key lifecycle")
struct KeyLifecycleTests {
    @Test("a cluster that rotates its key: the new kid triggers one refetch and is accepted")
    func clusterKeyRotation() async throws {
        let broker = try await BrokerFixture(verification: .jwks).withDefaultPods()
        #expect(try await broker.run(token: try broker.prodToken()).outcome.status == 200)
        #expect(await broker.prodKube.jwksFetches == 1)
        broker.clock.advance(60)
        let next = try TestIssuer(issuer: broker.prod.issuer)
        await broker.prodKube.publish(next.key)
        let token = try next.token(audience: BrokerFixture.brokerAudience, now: broker.clock.now)
        #expect(try await broker.run(token: token).outcome.status == 200)
        #expect(await broker.prodKube.jwksFetches == 2)
        #expect(try await broker.run(token: try broker.prodToken()).outcome.status == 200, "old key still published and cached")
        #expect(await broker.prodKube.jwksFetches == 2)
    }

    @Test("unknown kids refetch at most once per interval, so forged kids cannot flood the API server")
    func refetchIsRateLimited() async throws {
        let broker = try await BrokerFixture(verification: .jwks).withDefaultPods()
        #expect(try await broker.run(token: try broker.prodToken()).outcome.status == 200)
        broker.clock.advance(60)
        for _ in 0..<5 {
            let rogue = try TestIssuer(issuer: broker.prod.issuer)
            let token = try rogue.token(audience: BrokerFixture.brokerAudience, now: broker.clock.now)
            expectRefusal(try await broker.run(token: token), error: "invalid_request", reason: "unknown_key")
        }
        #expect(await broker.prodKube.jwksFetches == 2, "one initial load plus one refetch in the interval")
        broker.clock.advance(10)
        let rogue = try TestIssuer(issuer: broker.prod.issuer)
        _ = try await broker.run(token: try rogue.token(audience: BrokerFixture.brokerAudience, now: broker.clock.now))
        #expect(await broker.prodKube.jwksFetches == 3)
    }

    @Test("a JWKS outage keeps the last good keys; with no keys ever loaded it is 503")
    func outage() async throws {
        let broker = try await BrokerFixture(verification: .jwks).withDefaultPods()
        await broker.stagingKube.setJWKSDown(true)
        let staging = try broker.staging.token(audience: BrokerFixture.brokerAudience, now: broker.clock.now)
        expectRefusal(try await broker.run(token: staging), error: "temporarily_unavailable", reason: "jwks_unavailable", status: 503)

        #expect(try await broker.run(token: try broker.prodToken()).outcome.status == 200)
        await broker.prodKube.setJWKSDown(true)
        broker.clock.advance(400)
        let failures = await broker.exchange.refreshJWKS()
        #expect(failures.contains { $0.cluster == "prod" })
        #expect(try await broker.run(token: try broker.prodToken()).outcome.status == 200, "cached keys keep working")
        let status = await broker.exchange.jwksCache(cluster: "prod")?.status()
        #expect(status?.keyIDs == [broker.prod.signer.keyID] && status?.lastError != nil)
    }

    @Test("discovery that names another issuer is not trusted")
    func discoveryIssuerMismatch() async throws {
        let broker = try await BrokerFixture(verification: .jwks).withDefaultPods()
        await broker.prodKube.setDiscoveryIssuer("https://evil.example.com")
        let result = try await broker.run(token: try broker.prodToken())
        expectRefusal(result, error: "temporarily_unavailable", reason: "discovery_unavailable", status: 503)
        #expect(await broker.prodKube.jwksFetches == 0)
    }

    @Test("concurrent exchanges share one JWKS fetch")
    func coalescedFetch() async throws {
        let broker = try await BrokerFixture(verification: .jwks).withDefaultPods()
        let token = try broker.prodToken()
        let statuses = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<16 {
                group.addTask { await broker.exchange.exchange(form: BrokerFixture.exchangeForm(token: token), clientAddress: "t").status }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 16))
        #expect(await broker.prodKube.jwksFetches == 1)
    }

    @Test("broker key rotation: the new key signs, the old stays in /keys until its tokens expire")
    func brokerKeyRotation() async throws {
        let broker = try await BrokerFixture(verification: .jwks).withDefaultPods()
        let oldKID = try broker.brokerKey.publicKey().keyID
        let issuedBefore = try #require(try await broker.run(token: try broker.prodToken()).body["access_token"]?.string)
        let newKey = try PrivateKey.generate(.ecP256)
        broker.exchange.update(signingKeys: try SigningKeySet(keys: [newKey]))
        let issuedAfter = try #require(try await broker.run(token: try broker.prodToken()).body["access_token"]?.string)
        #expect(try JWSCompact(parsing: issuedAfter).keyID == (try newKey.publicKey().keyID))
        func publishedKIDs() throws -> [String] {
            try JWKSet(parsing: try broker.exchange.jwksDocument().serialized()).keys.map(\.keyID)
        }
        #expect(try publishedKIDs() == [try newKey.publicKey().keyID, oldKID])
        // Tokens signed before the rotation still verify against /keys.
        _ = try ExchangeTests.verifyWithPublishedKeys(issuedBefore, broker: broker)
        // Longest policy TTL (900) + skew (60) later, the old key is gone.
        broker.clock.advance(961)
        #expect(try publishedKIDs() == [try newKey.publicKey().keyID])
    }

    @Test("config reload adds and removes clusters without dropping cached keys of the others")
    func settingsReload() async throws {
        let broker = try await BrokerFixture(verification: .jwks).withDefaultPods()
        #expect(try await broker.run(token: try broker.prodToken()).outcome.status == 200)
        var next = broker.settings
        next.clusters.removeAll { $0.name == "staging" }
        broker.exchange.update(settings: next)
        let staging = try broker.staging.token(audience: BrokerFixture.brokerAudience, now: broker.clock.now)
        expectRefusal(try await broker.run(token: staging), error: "invalid_request", reason: "unknown_issuer")
        #expect(try await broker.run(token: try broker.prodToken()).outcome.status == 200)
        #expect(await broker.prodKube.jwksFetches == 1, "prod's keys survived the reload")
        broker.exchange.update(settings: broker.settings)
        #expect(try await broker.run(token: staging).outcome.status == 200)
    }
}
