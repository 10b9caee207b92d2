// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import TokenGateBroker
import TokenGateWorkflow
@testable import TokenGateService

@Suite("TrustedCluster merge and conditions")
struct TrustedClusterRegistryTests {
    static let file = BrokerSettings(
        issuer: "https://tokengate.example.com",
        clusters: [ClusterSettings(name: "prod", issuer: "https://kubernetes.default.svc.cluster.local", inCluster: true)],
        policy: BrokerPolicy(rules: []))

    static func resource(_ name: String, issuer: String, generation: Int64 = 1, configMap: Bool = false) -> TrustedClusterResource {
        let spec = TrustedClusterSpec(
            name: name, generation: generation, issuer: issuer, apiServer: "https://\(name).example.com:6443",
            caBundle: configMap ? nil : "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            caConfigMap: configMap ? .init(name: "\(name)-ca", key: "ca.crt") : nil, verify: "both", checkPod: nil, jwksURL: nil,
            selfIssued: .init(audience: "https://\(name).example.com/tokengate", subject: "tokengate-broker", ttlSeconds: 300))
        return TrustedClusterResource(name: name, generation: generation, spec: spec)
    }

    @Test("the file wins a name and an issuer; the first resource by name keeps a shared issuer; each loser says why")
    func merge() {
        let resources = [
            Self.resource("prod", issuer: "https://prod-twin.example.com"),
            Self.resource("b-late", issuer: "https://shared.example.com"),
            Self.resource("a-first", issuer: "https://shared.example.com"),
            Self.resource("steal", issuer: "https://kubernetes.default.svc.cluster.local"),
            TrustedClusterResource(name: "broken", generation: 2, spec: nil, problem: "spec.caBundle: is not PEM"),
            Self.resource("needs-cm", issuer: "https://cm.example.com", configMap: true),
        ]
        let (settings, exclusions) = ClusterRegistry.merge(file: Self.file, resources: resources)
        #expect(settings.clusters.map(\.name) == ["prod", "a-first"])
        #expect(settings.clusters[0].source == .file && settings.clusters[1].source == .resource)
        #expect(exclusions["prod"]?.reason == "NameConflict")
        #expect(exclusions["b-late"]?.reason == "IssuerConflict" && exclusions["b-late"]?.message.contains("a-first") == true)
        #expect(exclusions["steal"]?.reason == "IssuerConflict" && exclusions["steal"]?.message.contains("prod") == true)
        #expect(exclusions["broken"] == ClusterExclusion(reason: "InvalidSpec", message: "spec.caBundle: is not PEM"))
        #expect(exclusions["needs-cm"]?.reason == "CAUnavailable")

        let a = settings.clusters[1]
        #expect(a.caPEM == Array("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".utf8))
        #expect(a.auth == .selfIssued(SelfIssuedAuth(audience: "https://a-first.example.com/tokengate", subject: "tokengate-broker")))
        #expect(a.jwks == .discovery && a.verification == .both && a.checkPod && !a.usesStaticToken)

        var loaded = Self.resource("needs-cm", issuer: "https://cm.example.com", configMap: true)
        loaded.configMapCA = .success(Array("pem".utf8))
        #expect(ClusterRegistry.merge(file: Self.file, resources: [loaded]).0.clusters.last?.caPEM == Array("pem".utf8))
    }

    @Test("conditions: Ready follows the root cause; times stay while a status stays; unchanged means no write")
    func conditions() throws {
        var resource = Self.resource("prod-b", issuer: "https://prod-b.example.com", generation: 3)
        let cluster = ClusterRegistry.merge(file: Self.file, resources: [resource]).0.clusters[1]
        let refused = ClusterProbe(jwks: .failure(.init(message: "GET … answered HTTP 401")), api: .success(401))
        let t0 = Date(timeIntervalSince1970: 1_780_000_000)
        let first = TrustedClusterConditions.compute(resource: resource, placement: .success(cluster), probe: refused, now: t0)
        #expect(first.map(\.type) == ["Ready", "JWKSAvailable", "Authenticated"])
        #expect(first[0].status == "False" && first[0].reason == "Unauthorized", "the refused credential, not the JWKS it broke")
        #expect(first[2].message.contains("audience https://prod-b.example.com/tokengate"))
        #expect(first.allSatisfy { $0.observedGeneration == 3 && $0.lastTransitionTime == "2026-05-28T20:26:40Z" })
        #expect(TrustedClusterConditions.differs(first, from: resource))

        resource.observed = Dictionary(uniqueKeysWithValues: first.map { ($0.type, $0) })
        resource.observedGeneration = 3
        let again = TrustedClusterConditions.compute(resource: resource, placement: .success(cluster), probe: refused,
                                                     now: t0.addingTimeInterval(60))
        #expect(!TrustedClusterConditions.differs(again, from: resource), "same state: nothing to write")

        let healthy = ClusterProbe(jwks: .success(2), api: .success(201))
        let fixed = TrustedClusterConditions.compute(resource: resource, placement: .success(cluster), probe: healthy,
                                                     now: t0.addingTimeInterval(120))
        #expect(fixed.map(\.status) == ["True", "True", "True"])
        #expect(fixed[0].lastTransitionTime == "2026-05-28T20:28:40Z")
        #expect(TrustedClusterConditions.differs(fixed, from: resource))

        let excluded = TrustedClusterConditions.compute(
            resource: resource, placement: .failure(ClusterExclusion(reason: "NameConflict", message: "m")), probe: nil, now: t0)
        #expect(excluded[0].reason == "NameConflict" && excluded[1].status == "Unknown" && excluded[2].status == "Unknown")
        let forbidden = TrustedClusterConditions.compute(resource: resource, placement: .success(cluster),
                                                         probe: ClusterProbe(jwks: .success(1), api: .success(403)), now: t0)
        #expect(forbidden[0].reason == "Forbidden" && forbidden[2].message.contains("system:auth-delegator"))
    }

    @Test("the status patch is a merge patch of status only, with every condition field")
    func patch() throws {
        let condition = ClusterCondition(type: "Ready", status: "True", reason: "Trusted", message: "ok \"quoted\"",
                                         observedGeneration: 4, lastTransitionTime: "2026-12-05T00:00:00Z")
        let body = TrustedClusterConditions.statusPatch(generation: 4, conditions: [condition])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(Array(object.keys) == ["status"])
        let status = try #require(object["status"] as? [String: Any])
        #expect(status["observedGeneration"] as? Int == 4)
        let written = try #require((status["conditions"] as? [[String: Any]])?.first)
        #expect(written["message"] as? String == "ok \"quoted\"" && written["reason"] as? String == "Trusted")
        #expect(written["lastTransitionTime"] as? String == "2026-12-05T00:00:00Z" && written["observedGeneration"] as? Int == 4)
    }

    @Test("broker.clusterResources: clusters may be empty and policy may name clusters to come")
    func settings() throws {
        let yaml = """
            broker:
              issuer: https://tokengate.example.com
              signingKeys: [/k.pem]
              clusterResources: true
              policy:
                - {clusters: [prod-b], serviceAccounts: [{namespace: a, name: b}], audiences: [x]}
            """
        let parsed = try BrokerSettings.parse(yaml: yaml)
        #expect(parsed.clusterResources && parsed.clusters.isEmpty)
        #expect(throws: SettingsError.self) { try BrokerSettings.parse(yaml: yaml.replacingOccurrences(of: "true", with: "false")) }
    }
}
