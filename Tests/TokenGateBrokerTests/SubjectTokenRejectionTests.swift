// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateCrypto
import TokenGateJSON
@testable import TokenGateBroker

/// Every way a subject token must be refused, each with its RFC 8693 error and audit reason.
/// The cluster side is a stand-in for the Kubernetes API (``StandInKubernetes``).
@Suite("Subject token rejections")
struct SubjectTokenRejectionTests {
    /// Builds `header.payload.signature` from raw JSON and signature bytes.
    static func raw(header: JSON, claims: [(String, JSON)], signature: [UInt8]) -> String {
        Base64.encodeURL(header.serialized()) + "." + Base64.encodeURL(JSON.object(claims).serialized()) + "." + Base64.encodeURL(signature)
    }

    @Test("alg none is refused")
    func algNone() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        let claims = broker.prod.claims(audience: BrokerFixture.brokerAudience, now: broker.clock.now)
        let unsigned = Base64.encodeURL(JSON.object([("alg", "none")]).serialized()) + "." + Base64.encodeURL(JSON.object(claims).serialized()) + "."
        expectRefusal(try await broker.run(token: unsigned), error: "invalid_request", reason: "algorithm_not_allowed")
        // Also with a junk signature segment, so the empty-signature check is not what stops it.
        expectRefusal(try await broker.run(token: unsigned + "AAAA"), error: "invalid_request", reason: "algorithm_not_allowed")
    }

    @Test("HS256 signed with the cluster's RSA public key as HMAC secret is refused")
    func hmacKeyConfusion() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        let claims = broker.prod.claims(audience: BrokerFixture.brokerAudience, now: broker.clock.now)
        let header: JSON = ["alg": "HS256", "kid": .string(broker.prod.signer.keyID)]
        let input = Base64.encodeURL(header.serialized()) + "." + Base64.encodeURL(JSON.object(claims).serialized())
        let secret = try broker.prod.key.publicKey().pem()
        let mac = try HMACSHA256.mac(key: secret, message: Array(input.utf8))
        expectRefusal(try await broker.run(token: input + "." + Base64.encodeURL(mac)), error: "invalid_request", reason: "algorithm_not_allowed")
    }

    @Test("a kid the cluster does not publish is refused (after one refetch)")
    func unknownKid() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        let rogue = try TestIssuer(issuer: broker.prod.issuer, kind: .rsa(bits: 2048))
        let token = try rogue.token(audience: BrokerFixture.brokerAudience, now: broker.clock.now)
        expectRefusal(try await broker.run(token: token), error: "invalid_request", reason: "unknown_key")
        #expect(await broker.prodKube.reviews == 0, "no TokenReview for a token that failed locally")
    }

    @Test("a key from another trusted cluster cannot sign for this cluster's issuer")
    func keyFromAnotherCluster() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        // staging's key signs a token claiming prod's issuer: staging's kid is unknown to prod.
        let forged = try broker.staging.sign(broker.prod.claims(audience: BrokerFixture.brokerAudience, now: broker.clock.now))
        expectRefusal(try await broker.run(token: forged), error: "invalid_request", reason: "unknown_key")
        // Same, but the header names prod's kid: now the signature check itself fails.
        let claims = broker.prod.claims(audience: BrokerFixture.brokerAudience, now: broker.clock.now)
        let header: JSON = ["alg": "RS256", "kid": .string(broker.prod.signer.keyID)]
        let input = Base64.encodeURL(header.serialized()) + "." + Base64.encodeURL(JSON.object(claims).serialized())
        let otherRSA = try PrivateKey.generate(.rsa(bits: 2048))
        let signature = try otherRSA.signSHA256(Array(input.utf8))
        expectRefusal(try await broker.run(token: input + "." + Base64.encodeURL(signature)), error: "invalid_request", reason: "bad_signature")
    }

    @Test("an expired token is refused, also within TokenReview's reach")
    func expired() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        let token = try broker.prodToken(lifetime: 600)
        broker.clock.advance(600 + 61)
        expectRefusal(try await broker.run(token: token), error: "invalid_request", reason: "expired")
    }

    @Test("a token within the 60 s skew after exp is accepted, but its issued token cannot outlive it")
    func skewAfterExpiry() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        let token = try broker.prodToken(lifetime: 600)
        broker.clock.advance(590)
        let result = try await broker.run(token: token)
        #expect(result.outcome.status == 200)
        #expect(result.body["expires_in"]?.int == 10)
    }

    @Test("a token that is not yet valid (nbf, iat in the future) is refused")
    func notYetValid() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        let future = broker.clock.now + 300
        let claims = broker.prod.claims(audience: BrokerFixture.brokerAudience, now: broker.clock.now)
        expectRefusal(try await broker.run(token: try broker.prod.sign(claims.setting("nbf", .int(future)))),
                      error: "invalid_request", reason: "not_yet_valid")
        expectRefusal(try await broker.run(token: try broker.prod.sign(claims.setting("iat", .int(future)))),
                      error: "invalid_request", reason: "not_yet_valid")
    }

    @Test("a wrong or untrusted issuer is refused")
    func wrongIssuer() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        let claims = broker.prod.claims(audience: BrokerFixture.brokerAudience, now: broker.clock.now)
        let token = try broker.prod.sign(claims.setting("iss", "https://evil.example.com"))
        expectRefusal(try await broker.run(token: token), error: "invalid_request", reason: "unknown_issuer")
        let missing = try broker.prod.sign(claims.setting("iss", nil))
        expectRefusal(try await broker.run(token: missing), error: "invalid_request", reason: "missing_claim")
    }

    @Test("a token for another audience (e.g. the API server's) is refused")
    func wrongAudience() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        let token = try broker.prod.token(audience: "https://kubernetes.default.svc.cluster.local", now: broker.clock.now)
        let result = try await broker.run(token: token)
        expectRefusal(result, error: "invalid_request", reason: "wrong_audience")
        #expect(result.body["error_description"]?.string?.contains(BrokerFixture.brokerAudience) == true, "tells the caller which audience to project")
    }

    @Test("a token without a pod claim is refused unless policy allows unbound tokens")
    func noPodClaim() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        var claims = broker.prod.claims(audience: BrokerFixture.brokerAudience, now: broker.clock.now)
        let k8s: JSON = ["namespace": "payments", "serviceaccount": ["name": "payments-api", "uid": "a087d5a0-e1dd-43ec-93ac-f13d89cd13af"]]
        claims = claims.setting("kubernetes.io", k8s)
        expectRefusal(try await broker.run(token: try broker.prod.sign(claims)), error: "invalid_request", reason: "not_pod_bound")
    }

    @Test("a deleted pod is refused: TokenReview says authenticated false")
    func deletedPod() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        let token = try broker.prodToken()
        await broker.prodKube.deletePod(namespace: "payments", name: TestPod().name)
        let result = try await broker.run(token: token)
        expectRefusal(result, error: "invalid_request", reason: "tokenreview_rejected")
        #expect(result.outcome.audit.detail?.contains("not found") == true, "the API server's reason is kept for the operator")
    }

    @Test("a pod recreated under the same name (new UID) is refused by the Pod GET")
    func podUIDMismatch() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        let token = try broker.prodToken()
        #expect(try await broker.run(token: token).outcome.status == 200)
        // Within TokenReview's 10 s cache (KAS caches as long), the pod is replaced.
        var replaced = TestPod()
        replaced.uid = "11111111-2222-3333-4444-555555555555"
        await broker.prodKube.add(replaced)
        broker.clock.advance(3)
        let result = try await broker.run(token: token)
        expectRefusal(result, error: "invalid_request", reason: "pod_uid_mismatch")
        #expect(result.outcome.audit.tokenReviewCached == true)
        // After the cache lifetime, TokenReview itself refuses it.
        broker.clock.advance(10)
        expectRefusal(try await broker.run(token: token), error: "invalid_request", reason: "tokenreview_rejected")
    }

    @Test("a single flipped signature bit is refused, for RSA and EC cluster keys")
    func flippedSignatureBit() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        for issuer in [broker.prod, broker.staging] {
            let token = try issuer.token(audience: BrokerFixture.brokerAudience, now: broker.clock.now)
            let parts = token.split(separator: ".")
            var signature = try Base64.decodeURL(parts[2])
            signature[signature.count / 2] ^= 0x01
            let flipped = parts[0] + "." + parts[1] + "." + Base64.encodeURL(signature)
            expectRefusal(try await broker.run(token: flipped), error: "invalid_request", reason: "bad_signature")
        }
    }

    @Test("a 1 MB token is refused before decoding; a 20 KiB one by the token bound")
    func hugeTokens() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        let megabyte = String(repeating: "A", count: 1 << 20)
        expectRefusal(try await broker.run(token: megabyte + "." + megabyte + "." + megabyte), error: "invalid_request", reason: "malformed_request")
        let twenty = String(repeating: "A", count: 20 * 1024)
        expectRefusal(try await broker.run(token: twenty + ".AAAA.AAAA"), error: "invalid_request", reason: "too_large")
    }

    @Test("garbage is refused")
    func garbage() async throws {
        let broker = try await BrokerFixture().withDefaultPods()
        for junk in ["garbage", "a.b.c", "....", "eyJhbGciOiJSUzI1NiJ9.%%%.AAAA", "\u{0}\u{1}"] {
            expectRefusal(try await broker.run(token: junk), error: "invalid_request", reason: "malformed")
        }
    }

    @Test("legacy Secret tokens, typed tokens, stale extended tokens, sub mismatch and disallowed algs are refused")
    func otherShapes() async throws {
        let broker = try await BrokerFixture(prodAlgorithms: [.rs256]).withDefaultPods()
        let now = broker.clock.now
        let claims = broker.prod.claims(audience: BrokerFixture.brokerAudience, now: now)
        // Legacy Secret-based token: no exp, flat claims.
        let legacy: [(String, JSON)] = [("iss", .string(broker.prod.issuer)), ("sub", "system:serviceaccount:payments:payments-api"),
                                        ("kubernetes.io/serviceaccount/namespace", "payments")]
        expectRefusal(try await broker.run(token: try broker.prod.sign(legacy)), error: "invalid_request", reason: "missing_claim")
        // typ at+jwt: an access token replayed as a subject token.
        let header: JSON = ["alg": "RS256", "typ": "at+jwt", "kid": .string(broker.prod.signer.keyID)]
        let input = Base64.encodeURL(header.serialized()) + "." + Base64.encodeURL(JSON.object(claims).serialized())
        let typed = input + "." + Base64.encodeURL(try broker.prod.key.signSHA256(Array(input.utf8)))
        expectRefusal(try await broker.run(token: typed), error: "invalid_request", reason: "wrong_token_type")
        // Extended token (exp a year out) used long after warnafter.
        var k8s = claims.first { $0.0 == "kubernetes.io" }?.1
        if case .object(let members)? = k8s { k8s = .object(members + [("warnafter", .int(now - 3600))]) }
        let stale = try broker.prod.sign(claims.setting("kubernetes.io", k8s).setting("exp", .int(now + 31_536_000)))
        expectRefusal(try await broker.run(token: stale), error: "invalid_request", reason: "stale")
        // sub that does not match kubernetes.io.
        let mismatched = try broker.prod.sign(claims.setting("sub", "system:serviceaccount:kube-system:admin"))
        expectRefusal(try await broker.run(token: mismatched), error: "invalid_request", reason: "malformed_claim")
        // prod allows RS256 only here: an ES256 token claiming prod's issuer is refused by the allow-list.
        let ecToken = try broker.staging.sign(claims)
        expectRefusal(try await broker.run(token: ecToken), error: "invalid_request", reason: "algorithm_not_allowed")
    }
}

/// HMAC-SHA256 through the `openssl` tool, to forge the key-confusion token the way an attacker would.
enum HMACSHA256 {
    static func mac(key: [UInt8], message: [UInt8]) throws -> [UInt8] {
        try OpenSSLCommand.run(["dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:" + key.map { String($0, radix: 16).leftPadded(2) }.joined(),
                                "-binary"], input: message)
    }
}
