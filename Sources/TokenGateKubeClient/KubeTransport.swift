// SPDX-License-Identifier: Apache-2.0

/// One HTTP exchange with the API server; the concrete transport runs HTTPS over TokenGate's
/// OpenSSL TLS layer, and tests may substitute their own.
public protocol KubeTransport: Sendable {
    /// Sends a request and returns status and body, or throws ``KubeClientError`` (`.unavailable`
    /// for connection failures and timeouts).
    func send(method: String, path: String, headers: [(String, String)], body: [UInt8]?, timeout: Duration) async throws
        -> (status: Int, body: [UInt8])
}
