// SPDX-License-Identifier: Apache-2.0
import Foundation
import Yams

/// Reads a kubeconfig (`~/.kube/config` format) into a ``KubeEndpoint`` for out-of-cluster runs.
///
/// Supports what a token broker needs: `server`, `certificate-authority(-data)`,
/// `insecure-skip-tls-verify`, `tls-server-name`, and user `token` / `tokenFile`. Client
/// certificates and exec plugins are refused with a message, not silently ignored.
public enum KubeConfigFile {
    public static func load(path: String, context: String? = nil) throws -> KubeEndpoint {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubeClientError.configuration("cannot read kubeconfig \(path)")
        }
        return try parse(String(decoding: data, as: UTF8.self), directory: (path as NSString).deletingLastPathComponent, context: context)
    }

    public static func parse(_ text: String, directory: String = ".", context: String? = nil) throws -> KubeEndpoint {
        guard let root = try? Yams.load(yaml: text) as? [String: Any] else {
            throw KubeClientError.configuration("kubeconfig is not a YAML mapping")
        }
        let contextName = context ?? (root["current-context"] as? String)
        guard let contextName, !contextName.isEmpty else {
            throw KubeClientError.configuration("kubeconfig has no current-context; pass --context")
        }
        guard let ctx = named(root["contexts"], contextName)?["context"] as? [String: Any] else {
            throw KubeClientError.configuration("kubeconfig has no context named \"\(contextName)\"")
        }
        guard let clusterName = ctx["cluster"] as? String,
              let cluster = named(root["clusters"], clusterName)?["cluster"] as? [String: Any] else {
            throw KubeClientError.configuration("kubeconfig context \"\(contextName)\" names a cluster that is not defined")
        }
        guard let server = cluster["server"] as? String, let url = URLComponents(string: server),
              url.scheme == "https", let host = url.host, !host.isEmpty else {
            throw KubeClientError.configuration("kubeconfig cluster \"\(clusterName)\" needs an https:// server URL")
        }
        var caPEM: [UInt8]?
        if let inline = cluster["certificate-authority-data"] as? String {
            guard let decoded = Data(base64Encoded: inline) else {
                throw KubeClientError.configuration("certificate-authority-data of cluster \"\(clusterName)\" is not base64")
            }
            caPEM = [UInt8](decoded)
        } else if let file = cluster["certificate-authority"] as? String {
            let path = file.hasPrefix("/") ? file : directory + "/" + file
            guard let data = FileManager.default.contents(atPath: path) else {
                throw KubeClientError.configuration("cannot read certificate-authority \(path)")
            }
            caPEM = [UInt8](data)
        }
        var credentials = KubeEndpoint.Credentials.none
        if let userName = ctx["user"] as? String, let user = named(root["users"], userName)?["user"] as? [String: Any] {
            if let token = user["token"] as? String {
                credentials = .bearerToken(token)
            } else if let file = user["tokenFile"] as? String {
                credentials = .bearerTokenFile(file.hasPrefix("/") ? file : directory + "/" + file)
            } else if user["client-certificate"] != nil || user["client-certificate-data"] != nil || user["exec"] != nil {
                throw KubeClientError.configuration(
                    "kubeconfig user \"\(userName)\" uses client certificates or an exec plugin; TokenGate supports token and tokenFile users")
            }
        }
        return KubeEndpoint(
            host: host, port: url.port ?? 443, basePath: url.path == "/" ? "" : url.path, caPEM: caPEM,
            credentials: credentials, serverName: cluster["tls-server-name"] as? String,
            insecureSkipTLSVerify: cluster["insecure-skip-tls-verify"] as? Bool ?? false)
    }

    private static func named(_ list: Any?, _ name: String) -> [String: Any]? {
        (list as? [[String: Any]])?.first { $0["name"] as? String == name }
    }
}
