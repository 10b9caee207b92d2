// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Where the Kubernetes API server is and how TokenGate authenticates to it.
///
/// Built either from the pod's in-cluster environment or from a kubeconfig, so the same binary
/// works inside the cluster and on a laptop (`--kubeconfig`).
public struct KubeEndpoint: Sendable, Equatable {
    public enum Credentials: Sendable, Equatable {
        case none
        case bearerToken(String)
        /// A token file re-read as the kubelet rotates it (the in-cluster projected token).
        case bearerTokenFile(String)
    }

    public var host: String
    public var port: Int
    /// Path prefix from the kubeconfig `server` URL (usually empty).
    public var basePath: String
    /// PEM bundle the server certificate must chain to; nil means the system trust store.
    public var caPEM: [UInt8]?
    public var credentials: Credentials
    /// TLS server name (SNI and verification); defaults to `host`.
    public var serverName: String
    public var insecureSkipTLSVerify: Bool

    public init(
        host: String, port: Int, basePath: String = "", caPEM: [UInt8]?, credentials: Credentials,
        serverName: String? = nil, insecureSkipTLSVerify: Bool = false
    ) {
        self.host = host
        self.port = port
        self.basePath = basePath
        self.caPEM = caPEM
        self.credentials = credentials
        self.serverName = serverName ?? host
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
    }

    /// The standard in-cluster locations of the ServiceAccount token and CA.
    public static let inClusterTokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token"
    public static let inClusterCAPath = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"

    /// The in-cluster endpoint from `KUBERNETES_SERVICE_HOST`/`KUBERNETES_SERVICE_PORT`.
    /// - Throws: ``KubeClientError`` naming what is missing (run outside a cluster with `--kubeconfig`).
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        tokenPath: String = inClusterTokenPath, caPath: String = inClusterCAPath
    ) throws -> KubeEndpoint {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else {
            throw KubeClientError.configuration(
                "KUBERNETES_SERVICE_HOST is not set: TokenGate is not running in a pod; pass --kubeconfig to use a kubeconfig file")
        }
        let portText = environment["KUBERNETES_SERVICE_PORT"] ?? "443"
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw KubeClientError.configuration("KUBERNETES_SERVICE_PORT \"\(portText)\" is not a port number")
        }
        guard let ca = FileManager.default.contents(atPath: caPath) else {
            throw KubeClientError.configuration("cannot read the cluster CA at \(caPath); is the ServiceAccount token mounted?")
        }
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw KubeClientError.configuration("cannot read the ServiceAccount token at \(tokenPath)")
        }
        // The API server certificate carries kubernetes.default.svc, not the service IP, as a DNS SAN
        // in most distributions, but always the IP too; verify against the host we dial.
        return KubeEndpoint(host: host, port: port, caPEM: [UInt8](ca), credentials: .bearerTokenFile(tokenPath))
    }
}
