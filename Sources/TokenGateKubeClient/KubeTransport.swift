// SPDX-License-Identifier: Apache-2.0

/// One HTTP exchange with the API server; the concrete transport runs HTTPS over TokenGate's
/// OpenSSL TLS layer, and tests may substitute their own.
public protocol KubeTransport: Sendable {
    /// Sends a request and returns status and body, or throws ``KubeClientError`` (`.unavailable`
    /// for connection failures and timeouts).
    func send(method: String, path: String, headers: [(String, String)], body: [UInt8]?, timeout: Duration) async throws
        -> (status: Int, body: [UInt8])
}

/// A transport that can also stream a response body (Kubernetes WATCH).
public protocol KubeStreamingTransport: KubeTransport {
    /// Sends a GET and passes each body part of a 2xx response to `onBodyPart` as it arrives (it
    /// must not block); returns the status (and the body of a non-2xx answer) when the response
    /// ends. `timeout` covers the whole call.
    func stream(path: String, headers: [(String, String)], timeout: Duration, onBodyPart: @escaping @Sendable ([UInt8]) -> Void)
        async throws -> (status: Int, body: [UInt8])
}
