// SPDX-License-Identifier: Apache-2.0
import Foundation
import NIOHTTP1
import Synchronization
import TokenGateBroker
import TokenGateCrypto
import TokenGateHTTP
import TokenGateKubeClient

/// The network side of one trusted cluster: its API server client (TokenReview, Pod GET, and
/// JWKS/discovery on the API server's own host, with the ServiceAccount token that
/// `/openid/v1/jwks` requires) and clients for other JWKS hosts.
///
/// Credentials go to the cluster's API server only. A JWKS or discovery URL on any other host
/// (a public OIDC bucket, say) gets no token and is verified against `caFile` when given,
/// otherwise against the system CAs.
final class ClusterConnection: Sendable {
    let settings: ClusterSettings
    let endpoint: KubeEndpoint?
    let kube: KubeClient?
    private let apiClient: HTTPSClient?
    private let apiTokens: BearerTokenSource?
    private let otherTrust: [UInt8]?
    private let others = Mutex<[String: HTTPSClient]>([:])
    let timeout: Duration

    init(settings: ClusterSettings, timeout: Duration, environment: [String: String], signing: SelfIssuedSigning) throws(KubeClientError) {
        self.settings = settings
        self.timeout = timeout
        let endpoint = try KubeEndpoint.forCluster(settings, environment: environment)
        self.endpoint = endpoint
        if let endpoint {
            let client = try HTTPSKubeTransport.client(for: endpoint)
            self.apiClient = client
            let tokens: BearerTokenSource
            switch settings.auth {
            case .selfIssued(let auth)?:
                let credential = SelfIssuedCredential(auth: auth)
                let name = settings.name
                tokens = BearerTokenSource { try signing.token(with: credential, cluster: name) }
            case nil:
                tokens = BearerTokenSource(endpoint.credentials)
            }
            self.apiTokens = tokens
            self.kube = KubeClient(endpoint: endpoint, transport: HTTPSKubeTransport(client: client), timeout: timeout, tokens: tokens)
        } else {
            self.apiClient = nil
            self.apiTokens = nil
            self.kube = nil
        }
        if let pem = settings.caPEM {
            self.otherTrust = pem
        } else if let caFile = settings.caFile, let ca = FileManager.default.contents(atPath: caFile) {
            self.otherTrust = [UInt8](ca)
        } else {
            self.otherTrust = nil
        }
    }

    /// GETs `url` with the right client and credentials; returns status and body.
    func get(_ url: HTTPSURL, maxBytes: Int) async throws(HTTPSClientError) -> HTTPSResponse {
        var headers: [(name: String, value: String)] = [("accept", "application/json, application/jwk-set+json"), ("user-agent", "tokengate")]
        let client: HTTPSClient
        if let endpoint, let apiClient, url.host.lowercased() == endpoint.host.lowercased(), url.port == endpoint.port {
            client = apiClient
            do {
                if let token = try apiTokens?.token() { headers.append(("authorization", "Bearer \(token)")) }
            } catch {
                throw HTTPSClientError(.invalid, "\(error)")
            }
        } else {
            client = try otherClient(for: url)
        }
        return try await client.send(HTTPSRequest(.GET, url.target, headers: headers, maxResponseBytes: maxBytes), timeout: timeout)
    }

    private func otherClient(for url: HTTPSURL) throws(HTTPSClientError) -> HTTPSClient {
        let key = url.authority
        if let existing = others.withLock({ $0[key] }) { return existing }
        let context: TLSContext
        do {
            context = try TLSContext.client(trustRoots: otherTrust.map { .pem($0) } ?? .system)
        } catch {
            throw HTTPSClientError(.tls, "cannot build a TLS client for \(key): \(error)")
        }
        let client = HTTPSClient(tls: context, host: url.host, port: url.port, maximumIdleConnections: 2)
        return others.withLock { clients in
            if let raced = clients[key] { return raced }
            if clients.count >= 16 { clients.removeAll() }  // bounded: URLs come from config, but stay safe
            clients[key] = client
            return client
        }
    }

    /// Whether calls carry a long-lived token of this cluster (`tokenFile`, or a kubeconfig's
    /// token) rather than the pod's own or a self-issued one.
    var usesStaticToken: Bool {
        guard !settings.inCluster, settings.auth == nil, let endpoint else { return false }
        return endpoint.credentials != .none
    }

    func close() {
        apiClient?.closeIdleConnections()
        for client in others.withLock({ Array($0.values) }) { client.closeIdleConnections() }
    }
}

/// The broker's issuer and current signing key, for `auth.selfIssued` clusters. Set once the
/// broker's keys are loaded; read on every call, so a rotated key signs the next token.
final class SelfIssuedSigning: Sendable {
    private let current = Mutex<(@Sendable () -> (issuer: String, signer: JWSSigner))?>(nil)

    func use(_ provider: @escaping @Sendable () -> (issuer: String, signer: JWSSigner)) {
        current.withLock { $0 = provider }
    }

    func token(with credential: SelfIssuedCredential, cluster: String) throws -> String {
        guard let provider = current.withLock({ $0 }) else {
            throw KubeClientError.configuration("cluster \(cluster): auth.selfIssued needs the broker's signing key, which is not loaded")
        }
        let (issuer, signer) = provider()
        do {
            return try credential.token(issuer: issuer, signer: signer)
        } catch {
            throw KubeClientError.configuration("cluster \(cluster): cannot sign the self-issued token: \(error)")
        }
    }
}
