// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP/1.1 client over TokenGate's own OpenSSL ``TLSHandler`` in client mode, for one
/// endpoint (host, port, trust): the Kubernetes API server, a cluster's JWKS host, or a broker's
/// token endpoint for `tokengate exchange --url`.
///
/// * **Verification**: the server certificate must chain to the context's trust roots and name
///   `serverName` (a DNS name, also sent as SNI, or an IP address); ALPN offers `http/1.1`.
/// * **Deadlines**: every call has one time budget covering connect, handshake, request and the
///   whole response (Kubernetes' own clients use the same shape); a call over budget closes its
///   connection, so a hanging server costs one socket, not a stuck request.
/// * **Bounds**: response bodies larger than the request's `maxResponseBytes` fail the call.
/// * **Keep-alive**: finished connections wait in a small idle pool and are reused, which saves a
///   TLS handshake per call on the broker's hot path (the Pod GET of every exchange). A reused
///   connection the server had already closed is retried once on a fresh one.
public final class HTTPSClient: Sendable {
    public let host: String
    public let port: Int
    public let serverName: String
    public let tls: TLSContext
    private let group: any EventLoopGroup
    private let maximumIdle: Int
    private let idle = Mutex<[Connection]>([])

    /// A connection and what its handshake reported.
    private struct Connection: Sendable {
        let channel: any Channel
        let handshake: HandshakeFailureNote
    }

    /// - Parameters:
    ///   - serverName: the name the certificate must carry; defaults to `host`.
    ///   - maximumIdleConnections: keep-alive connections kept for reuse (0 disables reuse).
    public init(
        tls: TLSContext, host: String, port: Int, serverName: String? = nil, maximumIdleConnections: Int = 8,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.tls = tls
        self.host = host
        self.port = port
        self.serverName = serverName ?? host
        self.maximumIdle = max(0, maximumIdleConnections)
        self.group = group
    }

    deinit {
        for connection in idle.withLock({ $0 }) { connection.channel.close(promise: nil) }
    }

    /// `host:port` for messages and the `Host` header.
    public var authority: String { HTTPSURL(host: host, port: port, target: "/").authority }

    /// Sends `request` and returns the complete response, or throws ``HTTPSClientError``.
    public func send(_ request: HTTPSRequest, timeout: Duration) async throws(HTTPSClientError) -> HTTPSResponse {
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        var retried = false
        while true {
            let (connection, reused) = try await checkout(deadline: deadline)
            do {
                let response = try await exchange(request, on: connection, deadline: deadline, timeout: timeout)
                if response.keepAlive { checkin(connection) } else { connection.channel.close(promise: nil) }
                return response
            } catch {
                connection.channel.close(promise: nil)
                // The server may close an idle keep-alive connection just as we reuse it.
                if reused, !retried, error.beforeResponse, error.code == .closed || error.code == .invalid {
                    retried = true
                    continue
                }
                throw error
            }
        }
    }

    /// Sends `request` on a connection of its own and hands each body part of a 2xx response to
    /// `onBodyPart` as it arrives (a Kubernetes WATCH); returns when the server ends the response
    /// or throws when `timeout` (one deadline for the whole call) passes or the connection drops.
    /// The returned response has an empty body for 2xx, the (bounded) body otherwise. The
    /// connection is closed afterwards, never pooled. `onBodyPart` runs on the event loop: it
    /// must only hand the bytes on.
    public func stream(
        _ request: HTTPSRequest, timeout: Duration, onBodyPart: @escaping @Sendable ([UInt8]) -> Void
    ) async throws(HTTPSClientError) -> HTTPSResponse {
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let connection = try await connect(deadline: deadline)
        defer { connection.channel.close(promise: nil) }
        let channel = connection.channel
        // Cancelling the task (shutdown) closes the connection, which ends the call at once.
        let result = await withTaskCancellationHandler { () async -> Result<HTTPSResponse, HTTPSClientError> in
            do throws(HTTPSClientError) {
                return .success(try await exchange(request, on: connection, deadline: deadline, timeout: timeout, onBodyPart: onBodyPart))
            } catch {
                return .failure(error)
            }
        } onCancel: {
            channel.close(promise: nil)
        }
        return try result.get()
    }

    /// Closes the idle connections (in-flight calls finish on theirs).
    public func closeIdleConnections() {
        for connection in idle.withLock({ pool in defer { pool = [] }; return pool }) { connection.channel.close(promise: nil) }
    }

    // MARK: - connections

    private func checkout(deadline: NIODeadline) async throws(HTTPSClientError) -> (Connection, reused: Bool) {
        while let connection = idle.withLock({ $0.popLast() }) {
            if connection.channel.isActive { return (connection, true) }
        }
        return (try await connect(deadline: deadline), false)
    }

    private func checkin(_ connection: Connection) {
        guard connection.channel.isActive else { return }
        let kept = idle.withLock { pool -> Bool in
            guard pool.count < maximumIdle else { return false }
            pool.append(connection)
            return true
        }
        if !kept { connection.channel.close(promise: nil) }
    }

    private func connect(deadline: NIODeadline) async throws(HTTPSClientError) -> Connection {
        let remaining = deadline - NIODeadline.now()
        guard remaining > .zero else { throw HTTPSClientError(.timeout, "\(authority): no time left to connect") }
        let tls = self.tls, serverName = self.serverName, endpoint = "https://\(authority)"
        let note = HandshakeFailureNote()
        do {
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(remaining)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(TLSHandler(context: tls, role: .client(serverName: serverName), observer: note,
                                                       handshakeTimeout: remaining))
                        try sync.addHTTPClientHandlers()
                        try sync.addHandler(HTTPClientCallHandler(endpoint: endpoint, handshake: note))
                    }
                }
                .connect(host: host, port: port).get()
            return Connection(channel: channel, handshake: note)
        } catch ChannelError.connectTimeout {
            throw HTTPSClientError(.timeout, "\(endpoint): no connection within \(remaining.shown)")
        } catch {
            throw HTTPSClientError(.connect, "\(endpoint): cannot connect: \(error)")
        }
    }

    private func exchange(
        _ request: HTTPSRequest, on connection: Connection, deadline: NIODeadline, timeout: Duration,
        onBodyPart: (@Sendable ([UInt8]) -> Void)? = nil
    ) async throws(HTTPSClientError) -> HTTPSResponse {
        let channel = connection.channel, note = connection.handshake
        var headers = HTTPHeaders()
        headers.add(name: "host", value: authority)
        for (name, value) in request.headers { headers.add(name: name, value: value) }
        var body: ByteBuffer?
        if let bytes = request.body {
            body = ByteBuffer(bytes: bytes)
            headers.replaceOrAdd(name: "content-length", value: String(bytes.count))
        } else if request.method == .POST || request.method == .PUT {
            headers.replaceOrAdd(name: "content-length", value: "0")
        }
        let promise = channel.eventLoop.makePromise(of: HTTPSResponse.self)
        let endpoint = "https://\(authority)"
        // Completing a promise twice is a no-op in NIO, so the timer and the handler may race.
        let timer = channel.eventLoop.scheduleTask(deadline: deadline) {
            promise.fail(HTTPSClientError(.timeout, "\(endpoint): no complete response within \(TimeAmount(timeout).shown)"))
            channel.close(promise: nil)
        }
        let call = HTTPClientCall(
            head: HTTPRequestHead(version: .http1_1, method: request.method, uri: request.target, headers: headers),
            body: body, maxResponseBytes: request.maxResponseBytes, promise: promise, onBodyPart: onBodyPart)
        channel.writeAndFlush(call).whenFailure { error in
            // Writes wait for the handshake, so a failed handshake fails the write: say why it failed.
            if let reason = note.failure {
                promise.fail(HTTPSClientError(.tls, "\(endpoint): \(reason)"))
            } else if let tls = error as? TLSError {
                promise.fail(HTTPSClientError(.tls, "\(endpoint): \(tls.message)"))
            } else {
                promise.fail(HTTPSClientError(.closed, "\(endpoint): cannot send the request: \(error)", beforeResponse: true))
            }
        }
        defer { timer.cancel() }
        do {
            return try await promise.futureResult.get()
        } catch let error as HTTPSClientError {
            throw error
        } catch {
            throw HTTPSClientError(.invalid, "\(endpoint): \(error)")
        }
    }
}

extension TimeAmount {
    /// `2s`, `250ms`: for messages.
    var shown: String {
        nanoseconds % 1_000_000_000 == 0 ? "\(nanoseconds / 1_000_000_000)s" : "\(nanoseconds / 1_000_000)ms"
    }
}
