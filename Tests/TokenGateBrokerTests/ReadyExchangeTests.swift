// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateCrypto
import TokenGateJSON
@testable import TokenGateBroker

/// ``TokenExchange/exchangeIfReady(form:clientAddress:)``: the exchange without waiting, which the
/// server tries on the event loop before it starts a task. It must answer exactly as
/// ``TokenExchange/exchange(form:clientAddress:)`` would, and give way (nil) whenever it would
/// have to ask a cluster.
@Suite("Token exchange without waiting")
struct ReadyExchangeTests {
    static let client = "10.244.1.7:51234"

    /// An outcome with its random parts (the token's `jti` and signature) taken out, for comparing
    /// two exchanges of the same request.
    struct Answer: Equatable {
        let status: Int
        let headers: [String]
        let body: String
        let claims: String?
        let audit: ExchangeAuditRecord

        init(_ outcome: ExchangeOutcome) throws {
            status = outcome.status
            headers = outcome.headers.map { "\($0.name): \($0.value)" }
            let root = try JSONDocument.parse(outcome.body).rootNode
            body = JSON.object(root.members.filter { $0.key != "access_token" }.map { ($0.key, .node($0.value)) }).jsonText
            if let token = root["access_token"]?.string {
                let payload = try JWSCompact(parsing: token).payload
                claims = JSON.object(payload.members.filter { $0.key != "jti" }.map { ($0.key, .node($0.value)) }).jsonText
            } else {
                claims = nil
            }
            var audit = outcome.audit
            audit.issuedTokenID = audit.issuedTokenID.map { _ in "(random)" }
            self.audit = audit
        }
    }

    @Test("with keys loaded and the TokenReview answer cached, it answers as the waiting path does")
    func sameAnswerAsTheWaitingPath() async throws {
        let broker = try await BrokerFixture(checkPod: false).withDefaultPods()
        let form = BrokerFixture.exchangeForm(token: try broker.prodToken(), extra: [("scope", "ledger.read")])
        let first = await broker.exchange.exchange(form: form, clientAddress: Self.client)
        #expect(first.status == 200 && first.audit.tokenReviewCached == false)
        let ready = try #require(broker.exchange.exchangeIfReady(form: form, clientAddress: Self.client))
        let waited = await broker.exchange.exchange(form: form, clientAddress: Self.client)
        #expect(ready.status == 200 && ready.audit.tokenReviewCached == true)
        #expect(try Answer(ready) == Answer(waited))
        #expect(ready.audit.issuedTokenID != waited.audit.issuedTokenID, "each exchange mints its own jti")
        #expect(await broker.prodKube.reviews == 1)
        #expect(await broker.prodKube.podGets == 0)
        // The token it issued verifies with the broker's published keys, like any other.
        let token = try #require(try JSONDocument.parse(ready.body).rootNode["access_token"]?.string)
        _ = try ExchangeTests.verifyWithPublishedKeys(token, broker: broker)
    }

    @Test("refusals that need no cluster are answered without waiting, and as the waiting path answers them")
    func sameRefusals() async throws {
        let broker = try await BrokerFixture(checkPod: false).withDefaultPods()
        let token = try broker.prodToken()
        _ = await broker.exchange.exchange(form: BrokerFixture.exchangeForm(token: token), clientAddress: Self.client)
        let forms: [[UInt8]] = [
            Array("grant_type=client_credentials".utf8),
            BrokerFixture.exchangeForm(token: "not.a.jwt"),
            BrokerFixture.exchangeForm(token: token, audience: "https://elsewhere.example.com"),
            BrokerFixture.exchangeForm(token: token, extra: [("scope", "ledger.write")]),
            BrokerFixture.exchangeForm(token: token, extra: [("requested_token_type", "urn:ietf:params:oauth:token-type:jwt")]),
        ]
        for form in forms {
            let ready = try #require(broker.exchange.exchangeIfReady(form: form, clientAddress: Self.client))
            let waited = await broker.exchange.exchange(form: form, clientAddress: Self.client)
            #expect(ready.status == 400)
            #expect(try Answer(ready) == Answer(waited))
        }
        #expect(await broker.prodKube.reviews == 1)
    }

    @Test("a TokenReview cache miss, keys not yet loaded or a Pod GET give way to the waiting path")
    func givesWayWhenItMustWait() async throws {
        // No keys loaded yet, no review cached: nothing is asked, nothing recorded.
        let broker = try await BrokerFixture(checkPod: false).withDefaultPods()
        let form = BrokerFixture.exchangeForm(token: try broker.prodToken())
        #expect(broker.exchange.exchangeIfReady(form: form, clientAddress: Self.client) == nil)
        #expect(await broker.prodKube.jwksFetches == 0)
        #expect(await broker.prodKube.reviews == 0)
        #expect(await broker.exchange.exchange(form: form, clientAddress: Self.client).status == 200)
        // Keys loaded now, but another token's review is not cached.
        broker.clock.advance(1)
        let other = BrokerFixture.exchangeForm(token: try broker.prodToken(lifetime: 1800))
        #expect(broker.exchange.exchangeIfReady(form: other, clientAddress: Self.client) == nil)
        #expect(await broker.prodKube.reviews == 1)
        #expect(broker.exchange.exchangeIfReady(form: form, clientAddress: Self.client)?.status == 200)
        // Past the cache's lifetime the review must be asked again.
        broker.clock.advance(10)
        #expect(broker.exchange.exchangeIfReady(form: form, clientAddress: Self.client) == nil)

        // checkPod: every exchange GETs the pod, so none can be answered without waiting.
        let checking = try await BrokerFixture(checkPod: true).withDefaultPods()
        let checked = BrokerFixture.exchangeForm(token: try checking.prodToken())
        #expect(await checking.exchange.exchange(form: checked, clientAddress: Self.client).status == 200)
        #expect(checking.exchange.exchangeIfReady(form: checked, clientAddress: Self.client) == nil)
        #expect(await checking.prodKube.podGets == 1)
    }

    @Test("verify: jwks without checkPod needs no API server: answered without waiting once the keys are loaded")
    func jwksOnly() async throws {
        let broker = try await BrokerFixture(verification: .jwks).withDefaultPods()
        let form = BrokerFixture.exchangeForm(token: try broker.prodToken())
        #expect(broker.exchange.exchangeIfReady(form: form, clientAddress: Self.client) == nil)
        let waited = await broker.exchange.exchange(form: form, clientAddress: Self.client)
        let ready = try #require(broker.exchange.exchangeIfReady(form: form, clientAddress: Self.client))
        #expect(ready.status == 200 && ready.audit.tokenReviewCached == nil)
        #expect(try Answer(ready) == Answer(waited))
        #expect(await broker.prodKube.reviews == 0)
        #expect(await broker.prodKube.podGets == 0)
    }
}
