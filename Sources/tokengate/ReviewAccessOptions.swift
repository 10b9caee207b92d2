// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import Logging
import TokenGateBroker
import TokenGateHTTP
import TokenGateKubeClient
import TokenGateReview
import TokenGateService

/// How the review page is reached when it is not behind `kubectl port-forward`: TLS, and a bearer
/// token that TokenReview authenticates and SubjectAccessReview allows. Shared by `audit serve`
/// and `serve --review-listen`.
struct ReviewAccessOptions: ParsableArguments {
    @Option(name: .customLong("review-tls-cert"), help: ArgumentHelp(
        "PEM serving certificate for the review page when it is not on loopback (or with --review-require-auth). Under `serve` it defaults to the webhook's --tls-cert, whose names are the webhook Service's: give the page its own when people reach it by another name.",
        valueName: "file"))
    var tlsCert: String?

    @Option(name: .customLong("review-tls-key"), help: ArgumentHelp("PEM private key of --review-tls-cert.", valueName: "file"))
    var tlsKey: String?

    @Flag(name: .customLong("review-require-auth"), help: ArgumentHelp(
        "Serve the review page over TLS with bearer-token checks even on a loopback address (behind a proxy or a node port that forwards to loopback)."))
    var requireAuth = false

    @Option(name: .customLong("review-access-resource"), help: ArgumentHelp(
        "Off loopback, a caller needs `get` on this resource (RESOURCE.GROUP, as RBAC rules name it) by SubjectAccessReview.",
        valueName: "resource.group"))
    var resource = "auditreviews.tokengate.io"

    @Option(name: .customLong("review-access-namespace"), help: ArgumentHelp(
        "Ask SubjectAccessReview about --review-access-resource in this namespace (a Role there suffices) rather than cluster-wide.",
        valueName: "namespace"))
    var namespace: String?

    @Option(name: .customLong("kubeconfig"), help: ArgumentHelp(
        "API server for the review page's TokenReview and SubjectAccessReview, from a kubeconfig's current context. Default: in-cluster (KUBERNETES_SERVICE_HOST and the pod's ServiceAccount token and CA).",
        valueName: "file"))
    var kubeconfig: String?

    @Option(name: .customLong("kube-api-server"), help: ArgumentHelp("API server URL (https://…) for those reviews, instead of in-cluster.", valueName: "url"))
    var apiServer: String?

    @Option(name: .customLong("kube-ca"), help: ArgumentHelp("PEM CA the API server's certificate must chain to.", valueName: "file"))
    var caFile: String?

    @Option(name: .customLong("kube-token-file"), help: ArgumentHelp("Token TokenGate presents to the API server (re-read as it rotates).", valueName: "file"))
    var tokenFile: String?

    /// What SubjectAccessReview is asked.
    var permission: ResourceAttributes {
        let parts = resource.split(separator: ".", maxSplits: 1)
        return ResourceAttributes(verb: "get", group: parts.count == 2 ? String(parts[1]) : "", resource: String(parts.first ?? ""),
                                  namespace: namespace)
    }

    /// Whether a page on `host` runs with TLS and bearer-token checks.
    func authenticates(host: String) -> Bool { requireAuth || !PageServer.isLoopback(host) }

    /// Checks the flags for a page on `listen` (`flag` names that option in messages).
    func check(listen: String, flag: String, hasDefaultCertificate: Bool) throws {
        let address = try ListenAddress(parsing: listen)
        guard !resource.isEmpty, !resource.hasPrefix("."), !resource.contains("/") else {
            throw ValidationError("--review-access-resource must be RESOURCE.GROUP (e.g. auditreviews.tokengate.io), not '\(resource)'")
        }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("give --review-tls-cert and --review-tls-key together") }
        guard authenticates(host: address.host) else { return }
        guard tlsCert != nil || hasDefaultCertificate else {
            let why = requireAuth ? "--review-require-auth" : "\(flag) \(address.host) is not loopback, so"
            throw ValidationError("\(why) the review page is served over TLS with bearer-token checks: give --review-tls-cert and --review-tls-key")
        }
    }

    /// The review page's server on `address`: plain HTTP on loopback, or HTTPS with every request
    /// checked by TokenReview and SubjectAccessReview. Logs which, and why.
    /// - Parameter certificateReloadInterval: how often the certificate files are checked for a
    ///   change (`--cert-reload-seconds`, the same setting as the webhook's under `serve`).
    func makeServer(address: ListenAddress, pages: ReviewPages, defaultCertificate: CertificateFiles?,
                    certificateReloadInterval: Duration, logger: Logger,
                    listeningMessage: String = "listening") throws -> PageServer {
        var router = Router()
        let headers = ReviewRoutes.securityHeaders(pages)
        guard authenticates(host: address.host) else {
            ReviewRoutes.register(on: &router, pages: pages)
            logger.info("review page on \(address) over plain HTTP without authentication: it is loopback only; reach it with kubectl port-forward, so RBAC on pods/portforward decides who may look")
            return try PageServer(host: address.host, port: address.port, router: router, responseHeaders: headers,
                                          logger: logger, listeningMessage: listeningMessage)
        }
        let files: CertificateFiles
        if let tlsCert, let tlsKey {
            files = CertificateFiles(certificatePath: tlsCert, keyPath: tlsKey)
        } else if let defaultCertificate {
            files = CertificateFiles(certificatePath: defaultCertificate.certificatePath, keyPath: defaultCertificate.keyPath)
        } else {
            throw ValidationError("give --review-tls-cert and --review-tls-key")
        }
        // The same resolution as a `broker.clusters[]` entry: kubeconfig, in-cluster, or an apiServer URL.
        let cluster = ClusterSettings(name: "review-page", issuer: "", apiServer: apiServer, inCluster: kubeconfig == nil && apiServer == nil,
                                      caFile: caFile, tokenFile: tokenFile, kubeconfig: kubeconfig)
        let kube: KubeClient
        let endpoint: KubeEndpoint
        do {
            guard let found = try KubeEndpoint.forCluster(cluster) else { throw KubeClientError.configuration("no API server given") }
            endpoint = found
            kube = KubeClient(endpoint: endpoint, transport: try HTTPSKubeTransport(endpoint: endpoint))
        } catch {
            throw ValidationError("the review page checks tokens with the Kubernetes API server, and cannot reach one: \(error) "
                + "(or give --kube-api-server, --kube-ca and --kube-token-file)")
        }
        let gate = ReviewAccessGate(reviewer: kube, permission: permission)
        ReviewRoutes.register(on: &router, pages: pages, gate: gate, logger: logger)
        let why = requireAuth && PageServer.isLoopback(address.host) ? "--review-require-auth" : "\(address.host) is not loopback"
        logger.info("review page on \(address) over TLS; every request needs a bearer token that TokenReview authenticates and SubjectAccessReview allows \(permission)", metadata: [
            "why": "\(why)", "api_server": "\(endpoint.host):\(endpoint.port)", "tls_cert": "\(files.certificatePath)",
        ])
        let certificates = CertificateReloader(files: files, interval: certificateReloadInterval, logger: logger)
        return try PageServer(host: address.host, port: address.port, router: router, responseHeaders: headers, tls: certificates,
                                      logger: logger, listeningMessage: listeningMessage)
    }
}
