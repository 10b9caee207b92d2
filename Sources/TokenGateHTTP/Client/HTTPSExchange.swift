// SPDX-License-Identifier: Apache-2.0
import NIOHTTP1

/// One HTTPS request as the client sends it. `Host`, `Content-Length` and `Connection` are
/// added by the client.
public struct HTTPSRequest: Sendable {
    public var method: HTTPMethod
    /// Path and query, e.g. `/api/v1/namespaces/a/pods/b`.
    public var target: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    /// Larger response bodies fail the call with ``HTTPSClientError/Code/tooLarge`` instead of
    /// being buffered: the peer decides how much it sends, the client decides how much it holds.
    public var maxResponseBytes: Int

    public init(
        _ method: HTTPMethod, _ target: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
        maxResponseBytes: Int = 4 << 20
    ) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.maxResponseBytes = maxResponseBytes
    }
}

/// A complete response: status, headers and the whole body.
public struct HTTPSResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Whether the connection may carry another request (HTTP/1.1 without `Connection: close`).
    public var keepAlive: Bool

    public init(status: Int, headers: HTTPHeaders, body: [UInt8], keepAlive: Bool) {
        self.status = status
        self.headers = headers
        self.body = body
        self.keepAlive = keepAlive
    }
}
