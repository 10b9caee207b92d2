// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// The calls TokenGate makes to a Kubernetes API server: TokenReview, Pod GET and (for the
/// review page off loopback) SubjectAccessReview.
///
/// RBAC needed: `system:auth-delegator` (create tokenreviews) and `get pods`. Nothing more.
/// Every call has a timeout (default 2 s) and at most `maxConcurrentCalls` run at once, so a
/// hanging API server degrades the broker to fast 503s instead of piling up requests.
public struct KubeClient: Sendable {
    public let endpoint: KubeEndpoint
    public let timeout: Duration
    private let transport: any KubeTransport
    private let tokens: BearerTokenSource
    private let limiter: ConcurrencyLimiter

    public init(endpoint: KubeEndpoint, transport: any KubeTransport, timeout: Duration = .seconds(2), maxConcurrentCalls: Int = 32) {
        self.endpoint = endpoint
        self.transport = transport
        self.timeout = timeout
        self.tokens = BearerTokenSource(endpoint.credentials)
        self.limiter = ConcurrencyLimiter(limit: maxConcurrentCalls)
    }

    /// POST a TokenReview for `token` with `spec.audiences` = `audiences`.
    public func reviewToken(_ token: String, audiences: [String]) async throws -> TokenReviewResult {
        let (status, body) = try await call("POST", TokenReviewCodec.path, body: TokenReviewCodec.requestBody(token: token, audiences: audiences))
        guard status == 200 || status == 201 else { throw Self.error(for: status, body: body, what: "TokenReview") }
        return try TokenReviewCodec.decode(body)
    }

    /// GET a Pod; nil when it does not exist (404).
    public func pod(namespace: String, name: String) async throws -> PodInfo? {
        let (status, body) = try await call("GET", PodInfo.path(namespace: namespace, name: name), body: nil)
        if status == 404 { return nil }
        guard status == 200 else { throw Self.error(for: status, body: body, what: "get pod") }
        return try PodInfo.decode(body)
    }

    /// POST `body` (JSON) to `path`; status and body of the answer.
    func post(_ path: String, body: [UInt8]) async throws -> (status: Int, body: [UInt8]) {
        try await call("POST", path, body: body)
    }

    private func call(_ method: String, _ path: String, body: [UInt8]?) async throws -> (status: Int, body: [UInt8]) {
        var headers: [(String, String)] = [("Accept", "application/json"), ("User-Agent", "tokengate")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        if let token = try tokens.token() { headers.append(("Authorization", "Bearer \(token)")) }
        guard limiter.tryAcquire() else {
            throw KubeClientError.unavailable("too many concurrent calls to the Kubernetes API server")
        }
        defer { limiter.release() }
        return try await transport.send(method: method, path: endpoint.basePath + path, headers: headers, body: body, timeout: timeout)
    }

    static func error(for status: Int, body: [UInt8], what: String) -> KubeClientError {
        let message = (try? JSONView.parseOnThisThread(body))?.root["message"]?.string ?? "HTTP \(status)"
        switch status {
        case 401, 403:
            return .forbidden("\(what) was refused (\(status): \(message)); TokenGate's ServiceAccount needs system:auth-delegator and get pods")
        case 429, 500...599:
            return .unavailable("\(what): the API server answered \(status): \(message)")
        default:
            return .badResponse("\(what): unexpected HTTP \(status): \(message)")
        }
    }
}
