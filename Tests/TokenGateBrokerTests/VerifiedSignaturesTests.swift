// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateCrypto
@testable import TokenGateBroker

/// ``VerifiedSignatures``: a subject token's signature is checked once per key, and nothing but
/// the same bytes verified by a key the cluster still offers skips the check.
@Suite("Verified subject-token signatures")
struct VerifiedSignaturesTests {
    @Test("a remembered token counts only with the key that verified it, and only for its lifetime")
    func rememberedPerKeyAndLifetime() throws {
        let clock = TestClock()
        let memo = VerifiedSignatures(clock: clock.brokerClock)
        let a = try PrivateKey.generate(.rsa(bits: 2048)).publicKey()
        let b = try PrivateKey.generate(.rsa(bits: 2048)).publicKey()
        let token = TokenDigest(token: "header.payload.signature")
        #expect(!memo.verified(token, byOneOf: [a]))
        memo.remember(token, verifiedBy: a)
        #expect(memo.verified(token, byOneOf: [a]))
        #expect(memo.verified(token, byOneOf: [b, a]))
        // The same key read again from a JWKS is another object with the same DER.
        #expect(memo.verified(token, byOneOf: [try PublicKey(der: a.derSPKI)]))
        #expect(!memo.verified(token, byOneOf: [b]), "a key the cluster no longer offers verifies nothing")
        #expect(!memo.verified(TokenDigest(token: "header.payload.signaturE"), byOneOf: [a]))
        #expect(memo.hits == 3)
        clock.advance(VerifiedSignatures.lifetimeSeconds)
        #expect(!memo.verified(token, byOneOf: [a]))
    }

    @Test("the table stays bounded")
    func bounded() throws {
        let clock = TestClock()
        let memo = VerifiedSignatures(clock: clock.brokerClock)
        let key = try PrivateKey.generate(.ecP256).publicKey()
        for index in 0..<(VerifiedSignatures.maximumEntries + 10) {
            memo.remember(TokenDigest(token: "token-\(index)"), verifiedBy: key)
        }
        #expect(memo.count <= VerifiedSignatures.maximumEntries)
        #expect(memo.verified(TokenDigest(token: "token-\(VerifiedSignatures.maximumEntries + 9)"), byOneOf: [key]))
    }

    @Test("the validator checks a token's signature once, and still refuses a changed token or another key")
    func validatorSkipsOnlyTheSameBytesAndKey() throws {
        let broker = try BrokerFixture(checkPod: false)
        let memo = VerifiedSignatures(clock: broker.clock.brokerClock)
        let validator = SubjectTokenValidator(settings: broker.settings, clock: broker.clock.brokerClock, signatures: memo)
        let prodKey = try broker.prod.key.publicKey()
        let token = try broker.prodToken()
        _ = try validator.validate(validator.parse(token), keys: [prodKey])
        #expect(memo.count == 1 && memo.hits == 0)
        let again = try validator.validate(validator.parse(token), keys: [prodKey])
        #expect(memo.hits == 1)
        #expect(again.claims.pod?.name == TestPod().name, "claims are still read on a hit")

        // One changed signature character: other bytes, so checked again, and refused.
        var tampered = Array(token)
        tampered[tampered.count - 2] = tampered[tampered.count - 2] == "A" ? "B" : "A"
        #expect(throws: ExchangeError.self) { try validator.validate(validator.parse(String(tampered)), keys: [prodKey]) }
        // The same token offered another key only (the cluster rotated its key under the same kid).
        let other = try PrivateKey.generate(.rsa(bits: 2048)).publicKey()
        #expect(throws: ExchangeError.self) { try validator.validate(validator.parse(token), keys: [other]) }
        // Times are still checked on a hit: the remembered token expires like any other.
        broker.clock.advance(3600 + broker.settings.clockSkewSeconds)
        #expect(throws: ExchangeError.self) { try validator.validate(validator.parse(token), keys: [prodKey]) }
        #expect(memo.hits == 1)
    }

    @Test("repeated exchanges of one token verify its signature once and answer as before")
    func exchangesVerifyOnce() async throws {
        let broker = try await BrokerFixture(checkPod: false).withDefaultPods()
        let form = BrokerFixture.exchangeForm(token: try broker.prodToken())
        let first = await broker.exchange.exchange(form: form, clientAddress: ReadyExchangeTests.client)
        let ready = try #require(broker.exchange.exchangeIfReady(form: form, clientAddress: ReadyExchangeTests.client))
        let waited = await broker.exchange.exchange(form: form, clientAddress: ReadyExchangeTests.client)
        #expect(first.status == 200 && ready.status == 200 && waited.status == 200)
        #expect(broker.exchange.signatures.count == 1)
        #expect(broker.exchange.signatures.hits == 2)
        #expect(try ReadyExchangeTests.Answer(ready) == ReadyExchangeTests.Answer(waited))
    }
}
