// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateWorkflow

@Suite("TrustedCluster rules")
struct TrustedClusterRuleTests {
    static let ca = """
        -----BEGIN CERTIFICATE-----
        MIIBdzCCAR2gAwIBAgIUQ0FfY2VydGlmaWNhdGVfZm9yX3Rlc3RzMAoGCCqGSM49
        BAMCMBExDzANBgNVBAMMBnRlc3QtY2EwHhcNMjYwMTAxMDAwMDAwWhcNMjcwMTAx
        -----END CERTIFICATE-----
        """

    static func object(_ spec: String, name: String = "prod-b") -> String {
        """
        apiVersion: tokengate.io/v1alpha1
        kind: TrustedCluster
        metadata:
          name: \(name)
        spec:
        \(spec)
        """
    }

    static let good = object("""
          issuer: https://prod-b.example.com
          apiServer: https://prod-b.example.com:6443
          caConfigMap: {name: prod-b-ca}
          auth:
            selfIssued: {audience: https://prod-b.example.com/tokengate, subject: tokengate-broker}
        """)

    static func lint(_ text: String) -> ManifestLinter.Result { ManifestLinter().lint(text: text) }

    static func errors(_ text: String) -> [Diagnostic] { lint(text).diagnostics.filter { $0.severity == .error } }

    @Test("a complete resource passes lint and yields its spec with defaults")
    func good() throws {
        let result = Self.lint(Self.good)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(result.checked == ["TrustedCluster prod-b"])
        let read = YAMLReader(aliasRule: .resolve, limits: .default).read(Array(Self.good.utf8))
        let (report, spec) = TrustedClusterValidator().validate(object: read.documents[0].root)
        #expect(report.isAllowed)
        #expect(spec?.verify == "both" && spec?.caConfigMap == .init(name: "prod-b-ca", key: "ca.crt"))
        #expect(spec?.selfIssued == .init(audience: "https://prod-b.example.com/tokengate", subject: "tokengate-broker", ttlSeconds: 300))
    }

    @Test("a CA bundle that is not PEM is refused at its line, saying what to paste")
    func caBundle() throws {
        let text = Self.object("""
              issuer: https://edge.example.com
              verify: jwks
              caBundle: "not a certificate"
            """)
        let error = try #require(Self.errors(text).first)
        #expect(error.path == "spec.caBundle")
        #expect(error.filePosition?.line == 8)
        #expect(error.message.contains("not PEM"))
        #expect(error.hint?.contains("BEGIN CERTIFICATE") == true)
        let key = Self.object("""
              issuer: https://edge.example.com
              verify: jwks
              caBundle: |
                -----BEGIN PRIVATE KEY-----
                AAAA
                -----END PRIVATE KEY-----
            """)
        #expect(Self.errors(key).first?.message.contains("never put a key here") == true)
        let cert = Self.object("""
              issuer: https://edge.example.com
              verify: jwks
              caBundle: |
            \(Self.ca.split(separator: "\n").map { "        " + $0 }.joined(separator: "\n"))
            """)
        #expect(Self.errors(cert).isEmpty, "\(Self.errors(cert))")
    }

    @Test("an issuer used by another cluster is refused, naming the other cluster")
    func duplicateIssuer() throws {
        let other = Self.good.replacingOccurrences(of: "name: prod-b", with: "name: prod-c")
        let errors = Self.errors(Self.good + "\n---\n" + other)
        #expect(errors.count == 1)
        #expect(errors.first?.path == "spec.issuer" && errors.first?.object == "TrustedCluster prod-c")
        #expect(errors.first?.message.contains("already used by cluster \"prod-b\"") == true)
        let read = YAMLReader(aliasRule: .resolve, limits: .default).read(Array(Self.good.utf8))
        let webhook = TrustedClusterValidator(issuersInUse: ["https://prod-b.example.com": "from-file"])
        #expect(!webhook.validate(object: read.documents[0].root).report.isAllowed)
        let itself = TrustedClusterValidator(issuersInUse: ["https://prod-b.example.com": "prod-b"])
        #expect(itself.validate(object: read.documents[0].root).report.isAllowed, "an update keeps its own issuer")
    }

    @Test("verify: jwks with a jwksURL on another host is refused with the ways out")
    func jwksHost() throws {
        let text = Self.object("""
              issuer: https://oidc.edge.example.com
              verify: jwks
              jwksURL: https://keys.elsewhere.example.net/jwks
            """)
        let error = try #require(Self.errors(text).first)
        #expect(error.path == "spec.jwksURL" && error.filePosition?.line == 8)
        #expect(error.message.contains("keys.elsewhere.example.net") && error.message.contains("oidc.edge.example.com"))
        #expect(error.hint?.contains("verify: both") == true)
        #expect(Self.errors(text.replacingOccurrences(of: "verify: jwks", with: "verify: both")).first?.path == "spec.apiServer",
                "with verify: both another host is fine, but TokenReview then needs an apiServer")
    }

    @Test("schema-level mistakes are reported too, each with its path")
    func mistakes() {
        let cases: [(String, String, String)] = [
            (Self.good.replacingOccurrences(of: "https://prod-b.example.com\n", with: "http://prod-b.example.com\n"), "spec.issuer", "https"),
            (Self.good.replacingOccurrences(of: "auth:", with: "verify: jwk\n  auth:"), "spec.verify", "jwks, tokenreview or both"),
            (Self.good.replacingOccurrences(of: "name: prod-b", with: "name: Prod_B"), "metadata.name", "DNS label"),
            (Self.good.replacingOccurrences(of: "caConfigMap", with: "tokenFile: /t\n  caConfigMap"), "spec.tokenFile", "unknown field"),
            (Self.good.replacingOccurrences(of: "subject: tokengate-broker}", with: "subject: tokengate-broker, ttlSeconds: 5}"),
             "spec.auth.selfIssued.ttlSeconds", "60 to 3600"),
            (Self.good.replacingOccurrences(of: "  auth:\n    selfIssued: {audience: https://prod-b.example.com/tokengate, subject: tokengate-broker}", with: ""),
             "spec.auth", "authenticates"),
            (Self.good.replacingOccurrences(of: "apiVersion: tokengate.io/v1alpha1", with: "apiVersion: tokengate.io/v1"), "apiVersion", "v1alpha1"),
        ]
        for (text, path, words) in cases {
            let errors = Self.errors(text)
            #expect(errors.contains { $0.path == path && $0.message.contains(words) }, "\(path): \(errors.map(\.summary))")
        }
        #expect(Self.errors(Self.good.replacingOccurrences(of: "caConfigMap", with: "tokenFile: /t\n  caConfigMap"))
            .first?.hint?.contains("auth.selfIssued") == true)
    }

    @Test("PEM and URL rules")
    func rules() {
        #expect(TrustedClusterValidator.pemProblem(Self.ca) == nil)
        #expect(TrustedClusterValidator.pemProblem(Self.ca + "\n" + Self.ca) == nil)
        #expect(TrustedClusterValidator.pemProblem("-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----")?.contains("cut short") == true)
        #expect(TrustedClusterValidator.pemProblem("-----BEGIN CERTIFICATE-----\nAAAA\n")?.contains("no -----END") == true)
        #expect(TrustedClusterValidator.pemProblem("-----BEGIN CERTIFICATE-----\nA*AA\n-----END CERTIFICATE-----")?.contains("not base64") == true)
        #expect(TrustedClusterValidator.pemProblem("")?.contains("not PEM") == true)
        #expect(TrustedClusterValidator.host("https://A.example.com:6443/x") == "a.example.com")
        #expect(TrustedClusterValidator.isHTTPSURL("https://a.example.com/path"))
        #expect(!TrustedClusterValidator.isHTTPSURL("https://a.example.com/?q"))
        #expect(!TrustedClusterValidator.isHTTPSURL("https://user@a.example.com"))
        #expect(TrustedClusterValidator.isClusterName("prod-b") && !TrustedClusterValidator.isClusterName("-a")
            && !TrustedClusterValidator.isClusterName(String(repeating: "a", count: 64)))
    }
}
