// SPDX-License-Identifier: Apache-2.0
import NIOHTTP1
import TokenGateHTTP

/// TokenGateKubeClient's ``KubeTransport`` over ``HTTPSClient``: the Kubernetes API server's
/// TLS verified against the cluster CA, keep-alive connections, one deadline per call.
///
/// Every transport failure becomes `KubeClientError.unavailable` (the broker answers 503 and
/// the caller retries), except a response over the size bound, which is `badResponse`: the
/// API server answered, just not with something TokenGate will hold.
public struct HTTPSKubeTransport: KubeStreamingTransport {
    public let client: HTTPSClient
    /// Pods carry managedFields and can reach a few hundred KiB; etcd caps objects at 1.5 MiB.
    public let maxResponseBytes: Int

    public init(client: HTTPSClient, maxResponseBytes: Int = 4 << 20) {
        self.client = client
        self.maxResponseBytes = maxResponseBytes
    }

    /// A transport for `endpoint`, trusting its CA (or the system store when it has none).
    /// - Throws: `KubeClientError.configuration` when the CA is unusable or verification is switched off.
    public init(endpoint: KubeEndpoint, maxResponseBytes: Int = 4 << 20) throws(KubeClientError) {
        self.init(client: try Self.client(for: endpoint), maxResponseBytes: maxResponseBytes)
    }

    /// The HTTPS client for an API server endpoint.
    public static func client(for endpoint: KubeEndpoint) throws(KubeClientError) -> HTTPSClient {
        guard !endpoint.insecureSkipTLSVerify else {
            throw .configuration("insecure-skip-tls-verify is not supported for \(endpoint.host): give TokenGate the cluster's CA (certificate-authority or caFile)")
        }
        let context: TLSContext
        do {
            context = try TLSContext.client(trustRoots: endpoint.caPEM.map { .pem($0) } ?? .system)
        } catch {
            throw .configuration("the CA for \(endpoint.host):\(endpoint.port) is unusable: \(error)")
        }
        return HTTPSClient(tls: context, host: endpoint.host, port: endpoint.port, serverName: endpoint.serverName)
    }

    public func send(method: String, path: String, headers: [(String, String)], body: [UInt8]?, timeout: Duration) async throws
        -> (status: Int, body: [UInt8])
    {
        let request = HTTPSRequest(HTTPMethod(rawValue: method), path, headers: headers.map { (name: $0.0, value: $0.1) }, body: body,
                                   maxResponseBytes: maxResponseBytes)
        do {
            let response = try await client.send(request, timeout: timeout)
            return (response.status, response.body)
        } catch {
            if error.code == .tooLarge { throw KubeClientError.badResponse(error.message) }
            throw KubeClientError.unavailable(error.message)
        }
    }

    public func stream(
        path: String, headers: [(String, String)], timeout: Duration, onBodyPart: @escaping @Sendable ([UInt8]) -> Void
    ) async throws -> (status: Int, body: [UInt8]) {
        let request = HTTPSRequest(.GET, path, headers: headers.map { (name: $0.0, value: $0.1) }, maxResponseBytes: 1 << 20)
        do {
            let response = try await client.stream(request, timeout: timeout, onBodyPart: onBodyPart)
            return (response.status, response.body)
        } catch {
            throw KubeClientError.unavailable(error.message)
        }
    }
}
