// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateCrypto
@testable import TokenGateBroker

@Suite("Policy and settings")
struct PolicyAndSettingsTests {
    @Test("globs: * and ? only, anchored, linear")
    func globs() {
        #expect(Glob("*").matches("") && Glob("*").matches("anything"))
        #expect(Glob("payments-*").matches("payments-api") && !Glob("payments-*").matches("xpayments-api"))
        #expect(Glob("team-?").matches("team-a") && !Glob("team-?").matches("team-ab"))
        #expect(Glob("a*b*c").matches("aXXbYYc") && !Glob("a*b*c").matches("aXXbYY"))
        #expect(!Glob("[a-z]").matches("a"), "no character classes")
        #expect(Glob("exact").matches("exact") && !Glob("exact").matches("exactly"))
        #expect(!Glob(String(repeating: "*a", count: 40)).matches(String(repeating: "a", count: 39) + "b"))
    }

    @Test("decide: first rule covering identity, audiences and scopes wins; default deny")
    func decide() throws {
        let policy = BrokerPolicy(rules: [
            PolicyRule(name: "r1", clusters: ["prod"], serviceAccounts: [.init(namespace: "team-*", name: "api")], audiences: ["a", "b"],
                       maxTTLSeconds: 600),
            PolicyRule(name: "r2", serviceAccounts: [.init(namespace: "team-x", name: "*")], audiences: ["c"], scopes: ["s"]),
        ])
        let prodAPI = BrokerPolicy.Subject(cluster: "prod", namespace: "team-x", serviceAccount: "api", podBound: true)
        #expect(try policy.decide(prodAPI, audiences: ["a", "b"], scopes: []).get().name == "r1")
        #expect(try policy.decide(prodAPI, audiences: ["c"], scopes: ["s"]).get().name == "r2")
        #expect(policy.decide(prodAPI, audiences: ["a", "c"], scopes: []) == .failure(.audienceNotAllowed(nil)))
        #expect(policy.decide(prodAPI, audiences: ["z"], scopes: []) == .failure(.audienceNotAllowed("z")))
        #expect(policy.decide(prodAPI, audiences: ["a"], scopes: ["s"]) == .failure(.scopeNotAllowed("s")))
        let staging = BrokerPolicy.Subject(cluster: "staging", namespace: "team-y", serviceAccount: "api", podBound: true)
        #expect(policy.decide(staging, audiences: ["a"], scopes: []) == .failure(.noRuleForServiceAccount))
        let unbound = BrokerPolicy.Subject(cluster: "prod", namespace: "team-x", serviceAccount: "api", podBound: false)
        #expect(policy.decide(unbound, audiences: ["a"], scopes: []) == .failure(.notPodBound))
        #expect(BrokerPolicy(rules: []).decide(prodAPI, audiences: ["a"], scopes: []) == .failure(.noRuleForServiceAccount))
        #expect(policy.longestTTLSeconds == 900)
    }

    static let yaml = """
        webhook:
          port: 8443
        broker:
          issuer: https://tokengate.example.com
          audience: tokengate
          signingKeys: [/keys/current.pem, /keys/previous.pem]
          clockSkewSeconds: 30
          clusters:
            - name: prod
              issuer: https://kubernetes.default.svc.cluster.local
              algorithms: [RS256]
              inCluster: true
            - name: remote
              issuer: https://oidc.example.com/id/1
              jwksFile: /etc/tokengate/remote-jwks.json
              verify: jwks
          policy:
            - name: payments
              serviceAccounts:
                - {namespace: payments, name: "payments-*"}
              audiences: [https://ledger.example.com]
              maxTTLSeconds: 600
              scopes: [ledger.read]
            - serviceAccounts: [{namespace: batch, name: "*"}]
              audiences: [https://ledger.example.com]
              clusters: [remote]
              tokenType: jwt
              allowUnboundTokens: true
        """

    @Test("the broker: section parses with defaults")
    func parses() throws {
        let settings = try BrokerSettings.parse(yaml: Self.yaml)
        #expect(settings.issuer == "https://tokengate.example.com" && settings.audience == "tokengate")
        #expect(settings.signingKeyFiles == ["/keys/current.pem", "/keys/previous.pem"])
        #expect(settings.clockSkewSeconds == 30 && settings.tokenReviewCacheSeconds == 10 && settings.tokenPath == "/token")
        #expect(settings.clusters.map(\.name) == ["prod", "remote"])
        #expect(settings.clusters[0].jwks == .discovery && settings.clusters[0].algorithms == [.rs256])
        #expect(settings.clusters[0].verification == .both && settings.clusters[0].inCluster)
        #expect(settings.clusters[1].jwks == .file("/etc/tokengate/remote-jwks.json") && settings.clusters[1].verification == .jwks)
        #expect(settings.policy.rules.count == 2)
        #expect(settings.policy.rules[0].maxTTLSeconds == 600 && settings.policy.rules[0].scopes == ["ledger.read"])
        #expect(settings.policy.rules[1].tokenType == .jwt && settings.policy.rules[1].allowUnboundTokens)
        #expect(settings.policy.rules[1].maxTTLSeconds == PolicyRule.defaultMaxTTLSeconds)
        #expect(settings.cluster(forIssuer: "https://oidc.example.com/id/1")?.name == "remote")
        #expect(settings.cluster(forIssuer: "https://oidc.example.com/id/1/") == nil, "issuer comparison is exact")

        let nested = "tokengate:\n  broker:\n" + Self.yaml.split(separator: "\n").drop(while: { !$0.hasPrefix("broker:") }).dropFirst()
            .map { "  " + $0 }.joined(separator: "\n")
        #expect(try BrokerSettings.parse(yaml: nested).clusters.count == 2)
    }

    static func problem(_ yaml: String) -> SettingsError? {
        do {
            _ = try BrokerSettings.parse(yaml: yaml)
            return nil
        } catch {
            return error
        }
    }

    @Test("mistakes name their path and line")
    func errors() {
        let typo = Self.problem(Self.yaml.replacingOccurrences(of: "maxTTLSeconds: 600", with: "maxTTL: 600"))
        #expect(typo?.path == "broker.policy[0].maxTTL" && typo?.line == 22)
        #expect(Self.problem(Self.yaml.replacingOccurrences(of: "issuer: https://tokengate", with: "issuer: http://tokengate"))?
            .path == "broker.issuer")
        #expect(Self.problem(Self.yaml.replacingOccurrences(of: "[RS256]", with: "[none]"))?.message.contains("never none") == true)
        #expect(Self.problem(Self.yaml.replacingOccurrences(of: "[RS256]", with: "[HS256]")) != nil)
        #expect(Self.problem(Self.yaml.replacingOccurrences(of: "      inCluster: true\n", with: ""))?.message.contains("apiServer") == true)
        #expect(Self.problem(Self.yaml.replacingOccurrences(of: "clusters: [remote]", with: "clusters: [nowhere]"))?.message
            .contains("nowhere") == true)
        #expect(Self.problem(Self.yaml.replacingOccurrences(of: "name: remote", with: "name: prod"))?.message.contains("twice") == true)
        #expect(Self.problem(Self.yaml.replacingOccurrences(of: "clockSkewSeconds: 30", with: "clockSkewSeconds: 600"))?.path
            == "broker.clockSkewSeconds")
        #expect(Self.problem(Self.yaml.replacingOccurrences(of: "verify: jwks", with: "verify: maybe")) != nil)
        #expect(Self.problem("webhook: {}") != nil)
        #expect(Self.problem("broker: [unclosed") != nil)
        let duplicate = Self.yaml.replacingOccurrences(of: "  clockSkewSeconds: 30\n", with: "  clockSkewSeconds: 30\n  clockSkewSeconds: 20\n")
        #expect(Self.problem(duplicate) != nil)
    }

    @Test("checkPod defaults to the mode, and checkPod: true with verify: jwks needs an API server (the error says what to add)")
    func checkPodSettings() throws {
        let parsed = try BrokerSettings.parse(yaml: Self.yaml)
        #expect(parsed.clusters[0].checkPod, "verify: both GETs the pod unless told not to")
        #expect(!parsed.clusters[1].checkPod, "verify: jwks stays offline unless told to GET the pod")

        let jwksFileOnly = Self.yaml.replacingOccurrences(of: "      verify: jwks\n", with: "      verify: jwks\n      checkPod: true\n")
        let problem = Self.problem(jwksFileOnly)
        #expect(problem?.path == "broker.clusters[1].checkPod" && problem?.line == 17)
        #expect(problem?.message.contains("apiServer") == true && problem?.message.contains("checkPod: false") == true,
                "\(String(describing: problem))")

        let withAPIServer = jwksFileOnly.replacingOccurrences(of: "      checkPod: true\n", with: "      checkPod: true\n      inCluster: true\n")
        let remote = try BrokerSettings.parse(yaml: withAPIServer).clusters[1]
        #expect(remote.checkPod && remote.verification == .jwks)
    }
}
