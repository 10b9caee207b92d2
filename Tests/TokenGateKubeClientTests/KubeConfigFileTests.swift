import Foundation
import Testing
@testable import TokenGateKubeClient

@Suite struct KubeConfigFileTests {
    static let kubeconfig = """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters:
        - name: dev-cluster
          cluster:
            server: https://10.0.0.1:6443/prefix
            certificate-authority-data: \(Data("-----BEGIN CERTIFICATE-----\\nX\\n".utf8).base64EncodedString())
            tls-server-name: kubernetes.default.svc
        contexts:
        - name: dev
          context: {cluster: dev-cluster, user: broker}
        - name: other
          context: {cluster: missing, user: broker}
        users:
        - name: broker
          user: {token: abc123}
        """

    @Test func readsServerCAAndToken() throws {
        let endpoint = try KubeConfigFile.parse(Self.kubeconfig)
        #expect(endpoint.host == "10.0.0.1")
        #expect(endpoint.port == 6443)
        #expect(endpoint.basePath == "/prefix")
        #expect(endpoint.serverName == "kubernetes.default.svc")
        #expect(endpoint.credentials == .bearerToken("abc123"))
        #expect(String(decoding: try #require(endpoint.caPEM), as: UTF8.self).hasPrefix("-----BEGIN CERTIFICATE-----"))
    }

    @Test func unknownClusterIsAClearError() {
        #expect(throws: KubeClientError.configuration("kubeconfig context \"other\" names a cluster that is not defined")) {
            try KubeConfigFile.parse(Self.kubeconfig, context: "other")
        }
    }

    @Test func plainHTTPServerIsRefused() {
        let text = Self.kubeconfig.replacingOccurrences(of: "https://10.0.0.1:6443/prefix", with: "http://10.0.0.1:8080")
        #expect(throws: KubeClientError.self) { try KubeConfigFile.parse(text) }
    }

    @Test func clientCertificateUsersAreRefusedNotIgnored() throws {
        let text = Self.kubeconfig.replacingOccurrences(of: "user: {token: abc123}", with: "user: {client-certificate: a.crt, client-key: a.key}")
        let error = try #require(throws: KubeClientError.self) { try KubeConfigFile.parse(text) }
        #expect(error.message.contains("token and tokenFile"))
    }

    @Test func inClusterNeedsTheServiceEnvironment() throws {
        let error = try #require(throws: KubeClientError.self) { try KubeEndpoint.inCluster(environment: [:]) }
        #expect(error.code == .configuration)
        #expect(error.message.contains("--kubeconfig"))
    }

    @Test func inClusterReadsCAAndTokenFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tg-incluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("CA".utf8).write(to: dir.appendingPathComponent("ca.crt"))
        try Data("tok\n".utf8).write(to: dir.appendingPathComponent("token"))
        let endpoint = try KubeEndpoint.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"],
            tokenPath: dir.appendingPathComponent("token").path, caPath: dir.appendingPathComponent("ca.crt").path)
        #expect(endpoint.host == "10.96.0.1" && endpoint.port == 443)
        #expect(try BearerTokenSource(endpoint.credentials).token() == "tok")
    }
}
