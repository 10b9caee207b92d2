// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateCrypto
import TokenGateJSON
@testable import TokenGateBroker

/// Keys from the published-keys ledger in `/keys`: what another replica signs with, or this one
/// signed with before a restart. The clusters are stand-ins for the Kubernetes API (``StandInKubernetes``).
@Suite("Ledger keys")
struct LedgerKeyTests {
    func publishedKIDs(_ broker: BrokerFixture) throws -> [String] {
        try JWKSet(parsing: try broker.exchange.jwksDocument().serialized()).keys.map(\.keyID)
    }

    @Test("the entry a replica writes is its signing key's public JWK, due until a token signed now has expired everywhere")
    func entry() throws {
        let broker = try BrokerFixture()
        let entry = try LedgerKey.entry(signingWith: broker.exchange.signingKeys, settings: broker.settings, now: 1000, marginSeconds: 20)
        #expect(entry.keyID == (try broker.brokerKey.publicKey().keyID))
        #expect(entry.publishUntil == 1000 + 900 + 60 + 20, "longest policy TTL + clock skew + margin")
        #expect(!entry.jwkJSON.contains("\"d\""), "never the private key")
        let key = try LedgerKey(keyID: entry.keyID, jwkJSON: entry.jwkJSON, publishUntil: entry.publishUntil)
        #expect(key.jwk.keyID == entry.keyID && key.publishUntil == entry.publishUntil)
    }

    @Test("a row is used only if it is a public key whose thumbprint is its kid")
    func rowsAreChecked() throws {
        let mine = try PrivateKey.generate(.ecP256), other = try PrivateKey.generate(.ecP256)
        let jwk = try JWK(key: try mine.publicKey()).json().jsonText
        #expect(throws: KeyError.self) { try LedgerKey(keyID: try other.publicKey().keyID, jwkJSON: jwk, publishUntil: 1) }
        let relabelled = jwk.replacingOccurrences(of: try mine.publicKey().keyID, with: try other.publicKey().keyID)
        #expect(throws: KeyError.self) { try LedgerKey(keyID: try other.publicKey().keyID, jwkJSON: relabelled, publishUntil: 1) }
        let withPrivate = String(jwk.dropLast()) + ",\"d\":\"AAAA\"}"
        #expect(throws: KeyError.self) { try LedgerKey(keyID: try mine.publicKey().keyID, jwkJSON: withPrivate, publishUntil: 1) }
        for garbage in ["", "{", "[]", "null", String(repeating: " ", count: 9000) + "{}"] {
            #expect(throws: KeyError.self) { try LedgerKey(keyID: "k", jwkJSON: garbage, publishUntil: 1) }
        }
    }

    @Test("/keys publishes another replica's key until its date, and a token it signed verifies against /keys alone")
    func otherReplicasKey() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        // The other replica signs with RSA, this one with EC: discovery must name both algorithms.
        let replica = try BrokerFixture(signing: .rsa(bits: 2048))
        let entry = try LedgerKey.entry(signingWith: replica.exchange.signingKeys, settings: replica.settings,
                                        now: broker.clock.now, marginSeconds: 20)
        let ledgerKey = try LedgerKey(keyID: entry.keyID, jwkJSON: entry.jwkJSON, publishUntil: entry.publishUntil)
        let mine = try LedgerKey.entry(signingWith: broker.exchange.signingKeys, settings: broker.settings,
                                       now: broker.clock.now, marginSeconds: 20)
        broker.exchange.update(ledgerKeys: [ledgerKey, try LedgerKey(keyID: mine.keyID, jwkJSON: mine.jwkJSON, publishUntil: mine.publishUntil)])
        #expect(try publishedKIDs(broker) == [try broker.brokerKey.publicKey().keyID, entry.keyID], "own key once, first")
        let algorithms = broker.exchange.discoveryDocument().document().rootNode["id_token_signing_alg_values_supported"]
        #expect(algorithms?.elements.compactMap(\.string) == ["ES256", "RS256"])

        replica.clock.advance(broker.clock.now - replica.clock.now)
        await replica.prodKube.add(TestPod())
        let token = try replica.prod.token(audience: BrokerFixture.brokerAudience, now: replica.clock.now)
        let issued = try #require(try await replica.run(token: token).body["access_token"]?.string)
        let check = try ExchangeTests.verifyWithPublishedKeys(issued, broker: broker)
        #expect(check.header["kid"]?.string == entry.keyID)

        broker.clock.advance(entry.publishUntil - broker.clock.now)
        #expect(try publishedKIDs(broker) == [try broker.brokerKey.publicKey().keyID], "gone once its date has come")
    }
}
