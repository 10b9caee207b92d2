// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateCrypto
import TokenGateJSON
@testable import TokenGateBroker

@Suite("Self-issued credentials for remote API servers")
struct SelfIssuedCredentialTests {
    static let issuer = "https://tokengate.example.com"

    static func remoteYAML(_ auth: String, tokenFile: String? = nil, apiServer: Bool = true) -> String {
        var cluster = """
                - name: prod-b
                  issuer: https://prod-b.example.com
            """
        if apiServer { cluster += "\n      apiServer: https://prod-b.example.com:6443" }
        if let tokenFile { cluster += "\n      tokenFile: \(tokenFile)" }
        cluster += "\n" + auth
        return """
            broker:
              issuer: https://tokengate.example.com
              signingKeys: [/keys/current.pem]
              clusters:
            \(cluster)
            """
    }

    @Test("auth.selfIssued parses with a default TTL; the cluster then uses no static token")
    func parses() throws {
        let yaml = Self.remoteYAML("""
                  auth:
                    selfIssued: {audience: https://prod-b.example.com, subject: tokengate-broker}
            """)
        let cluster = try BrokerSettings.parse(yaml: yaml).clusters[0]
        #expect(cluster.auth == .selfIssued(SelfIssuedAuth(audience: "https://prod-b.example.com", subject: "tokengate-broker", ttlSeconds: 300)))
        #expect(!cluster.usesStaticToken)
        let staticYAML = Self.remoteYAML("", tokenFile: "/etc/tokengate/prod-b/token")
        #expect(try BrokerSettings.parse(yaml: staticYAML).clusters[0].usesStaticToken)
    }

    @Test("auth.selfIssued mistakes name the key and the fix")
    func mistakes() {
        let both = PolicyAndSettingsTests.problem(Self.remoteYAML("""
                  auth: {selfIssued: {audience: a, subject: s}}
            """, tokenFile: "/t"))
        #expect(both?.path == "broker.clusters[0].auth")
        #expect(both?.message.contains("not both") == true)
        let noServer = PolicyAndSettingsTests.problem(Self.remoteYAML("""
                  verify: jwks
                  jwksURL: https://prod-b.example.com/jwks
                  auth: {selfIssued: {audience: a, subject: s}}
            """, apiServer: false))
        #expect(noServer?.message.contains("set apiServer") == true)
        let shortTTL = PolicyAndSettingsTests.problem(Self.remoteYAML("""
                  auth: {selfIssued: {audience: a, subject: s, ttlSeconds: 5}}
            """))
        #expect(shortTTL?.path == "broker.clusters[0].auth.selfIssued.ttlSeconds")
        let noSubject = PolicyAndSettingsTests.problem(Self.remoteYAML("""
                  auth: {selfIssued: {audience: a}}
            """))
        #expect(noSubject?.path == "broker.clusters[0].auth.selfIssued.subject")
        let unknown = PolicyAndSettingsTests.problem(Self.remoteYAML("""
                  auth: {clientCertificate: {}}
            """))
        #expect(unknown?.message.contains("selfIssued") == true)
    }

    @Test("the token verifies with the broker key and carries iss, sub, aud, exp, iat, nbf, jti")
    func claims() throws {
        let key = try PrivateKey.generate(.ecP256)
        let signer = try JWSSigner(key: key)
        let clock = TestClock()
        let credential = SelfIssuedCredential(
            auth: SelfIssuedAuth(audience: "https://prod-b.example.com", subject: "tokengate-broker", ttlSeconds: 300),
            clock: clock.brokerClock)
        let token = try credential.token(issuer: Self.issuer, signer: signer)
        let jws = try JWSCompact(parsing: token)
        try jws.verify(with: key.publicKey(), allowed: [.es256])
        #expect(jws.keyID == signer.keyID)
        #expect(jws.protectedHeader["typ"]?.string == "JWT")
        #expect(jws.claims["iss"]?.string == Self.issuer)
        #expect(jws.claims["sub"]?.string == "tokengate-broker")
        #expect(jws.claims["aud"]?.string == "https://prod-b.example.com")
        #expect(jws.claims["iat"]?.int == clock.now)
        #expect(jws.claims["nbf"]?.int == clock.now)
        #expect(jws.claims["exp"]?.int == clock.now + 300)
        #expect((jws.claims["jti"]?.string?.count ?? 0) >= 22)
    }

    @Test("cached until shortly before expiry, and re-minted when the signing key rotates")
    func caching() throws {
        let first = try JWSSigner(key: PrivateKey.generate(.ecP256))
        let clock = TestClock()
        let credential = SelfIssuedCredential(auth: SelfIssuedAuth(audience: "a", subject: "s", ttlSeconds: 300), clock: clock.brokerClock)
        #expect(SelfIssuedCredential.refreshMargin(ttl: 300) == 60)
        #expect(SelfIssuedCredential.refreshMargin(ttl: 60) == 15)
        let token = try credential.token(issuer: Self.issuer, signer: first)
        clock.advance(239)
        #expect(try credential.token(issuer: Self.issuer, signer: first) == token, "reused while more than the margin is left")
        clock.advance(1)
        let renewed = try credential.token(issuer: Self.issuer, signer: first)
        #expect(renewed != token, "renewed once only the margin is left")
        #expect(try JWSCompact(parsing: renewed).claims["exp"]?.int == clock.now + 300)

        let second = try JWSSigner(key: PrivateKey.generate(.ecP256))
        let rotated = try credential.token(issuer: Self.issuer, signer: second)
        #expect(try JWSCompact(parsing: rotated).keyID == second.keyID, "a rotated key signs the next call's token")
        #expect(try credential.token(issuer: "https://other.example.com", signer: second) != rotated)
    }
}
