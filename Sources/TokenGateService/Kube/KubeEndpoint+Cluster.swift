// SPDX-License-Identifier: Apache-2.0
import Foundation
import TokenGateBroker
import TokenGateHTTP
import TokenGateKubeClient

extension KubeEndpoint {
    /// Where a trusted cluster's API server is, from its `broker.clusters[]` entry:
    ///
    /// * `kubeconfig:` — the file's current context; `apiServer`, `caFile`, `tokenFile` override
    ///   its server, CA and credentials when also given.
    /// * `inCluster: true` — `KUBERNETES_SERVICE_HOST/PORT` with the pod's ServiceAccount token and
    ///   CA (or `tokenFile`/`caFile` instead of the standard paths).
    /// * `apiServer:` — that https URL, verified against `caFile` (the system CAs without it),
    ///   authenticated with the token in `tokenFile` (re-read as the kubelet rotates it).
    ///
    /// - Returns: nil when the cluster names no API server (`verify: jwks` with a URL or file).
    /// - Throws: `KubeClientError.configuration` naming the setting to fix.
    public static func forCluster(
        _ cluster: ClusterSettings, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(KubeClientError) -> KubeEndpoint? {
        var endpoint: KubeEndpoint
        do {
            if let kubeconfig = cluster.kubeconfig {
                endpoint = try KubeConfigFile.load(path: kubeconfig)
            } else if cluster.inCluster {
                endpoint = try KubeEndpoint.inCluster(
                    environment: environment, tokenPath: cluster.tokenFile ?? inClusterTokenPath, caPath: cluster.caFile ?? inClusterCAPath)
                return endpoint
            } else if cluster.apiServer != nil {
                endpoint = KubeEndpoint(host: "", port: 443, caPEM: nil, credentials: .none)
            } else {
                return nil
            }
        } catch let error as KubeClientError {
            throw KubeClientError.configuration("cluster \(cluster.name): \(error.message)")
        } catch {
            throw KubeClientError.configuration("cluster \(cluster.name): \(error)")
        }
        if let apiServer = cluster.apiServer {
            let url: HTTPSURL
            do { url = try HTTPSURL(parsing: apiServer) } catch {
                throw .configuration("cluster \(cluster.name): apiServer \(error.message)")
            }
            let serverName = endpoint.serverName == endpoint.host ? url.host : endpoint.serverName
            endpoint.host = url.host
            endpoint.port = url.port
            endpoint.serverName = serverName
            var base = Substring(url.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
            while base.hasSuffix("/") { base = base.dropLast() }
            endpoint.basePath = String(base)
        }
        if let pem = cluster.caPEM {
            endpoint.caPEM = pem
        } else if let caFile = cluster.caFile {
            guard let ca = FileManager.default.contents(atPath: caFile) else {
                throw .configuration("cluster \(cluster.name): cannot read caFile \(caFile)")
            }
            endpoint.caPEM = [UInt8](ca)
        }
        if let tokenFile = cluster.tokenFile {
            guard FileManager.default.isReadableFile(atPath: tokenFile) else {
                throw .configuration("cluster \(cluster.name): cannot read tokenFile \(tokenFile)")
            }
            endpoint.credentials = .bearerTokenFile(tokenFile)
        }
        if cluster.auth != nil {
            // auth.selfIssued: the connection signs each call's token; a kubeconfig's user is not used.
            endpoint.credentials = .none
        }
        return endpoint
    }
}
