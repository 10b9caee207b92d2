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

    /// - Parameter tokens: where each call's bearer token comes from; default: `endpoint.credentials`.
    public init(endpoint: KubeEndpoint, transport: any KubeTransport, timeout: Duration = .seconds(2), maxConcurrentCalls: Int = 32,
                tokens: BearerTokenSource? = nil) {
        self.endpoint = endpoint
        self.transport = transport
        self.timeout = timeout
        self.tokens = tokens ?? BearerTokenSource(endpoint.credentials)
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

    /// Any other call (LIST, GET, status PATCH): status and body, with this client's token, bound
    /// and deadline. `contentType` is sent when there is a body.
    public func send(_ method: String, _ path: String, body: [UInt8]? = nil, contentType: String = "application/json") async throws
        -> (status: Int, body: [UInt8])
    {
        try await call(method, path, body: body, contentType: contentType)
    }

    /// A WATCH (`path` carries `?watch=1&…`): each newline-delimited event is passed to `onEvent`
    /// as it arrives, on the connection's event loop, so it must only hand the bytes on. Returns
    /// when the API server ends the watch; `timeout` is the deadline of the whole call, so give
    /// the server's `timeoutSeconds` plus a margin.
    /// - Returns: the status, and the body when it is not 2xx (a `Status`, e.g. 410 Gone).
    /// - Throws: ``KubeClientError/unavailable(_:)`` when the connection drops or the deadline passes.
    public func watch(_ path: String, timeout: Duration, maxEventBytes: Int = 4 << 20, onEvent: @escaping @Sendable ([UInt8]) -> Void)
        async throws -> (status: Int, body: [UInt8])
    {
        guard let streaming = transport as? any KubeStreamingTransport else {
            throw KubeClientError.configuration("this transport cannot stream a WATCH")
        }
        var headers: [(String, String)] = [("Accept", "application/json"), ("User-Agent", "tokengate")]
        if let token = try tokens.token() { headers.append(("Authorization", "Bearer \(token)")) }
        let splitter = LineSplitter(maxLineBytes: maxEventBytes, onLine: onEvent)
        let result = try await streaming.stream(path: endpoint.basePath + path, headers: headers, timeout: timeout) { splitter.append($0) }
        if splitter.overflowed { throw KubeClientError.badResponse("a watch event is larger than \(maxEventBytes) bytes") }
        return result
    }

    private func call(_ method: String, _ path: String, body: [UInt8]?, contentType: String = "application/json") async throws
        -> (status: Int, body: [UInt8])
    {
        var headers: [(String, String)] = [("Accept", "application/json"), ("User-Agent", "tokengate")]
        if body != nil { headers.append(("Content-Type", contentType)) }
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
