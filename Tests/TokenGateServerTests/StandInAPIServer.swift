// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import TokenGateServer

/// A real TokenGateServer on loopback whose routes the test chooses: in the client tests it plays
/// a STAND-IN Kubernetes API server (TokenReview, Pods, JWKS) — no real one runs here.
func withStandInServer(
    routes: (inout Router) -> Void,
    _ body: @Sendable (_ port: Int, _ certificates: TestCertificateDirectory, _ server: TokenGateServer) async throws -> Void
) async throws {
    try await withLoopbackServer(reloadInterval: .seconds(60), shutdownGraceSeconds: 1, routes: routes, body)
}

/// Counts what a stand-in route saw, across the server's connection tasks.
final class RequestLog: Sendable {
    private let entries = Mutex<[(path: String, authorization: String?)]>([])

    func record(_ request: ServerRequest) {
        entries.withLock { $0.append((request.path, request.headers.first(name: "authorization"))) }
    }

    var all: [(path: String, authorization: String?)] { entries.withLock { $0 } }
}

/// A TCP listener that accepts and then says nothing: a hanging server.
func withSilentListener(_ body: @Sendable (_ port: Int) async throws -> Void) async throws {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
        .bind(host: "127.0.0.1", port: 0).get()
    do {
        try await body(channel.localAddress?.port ?? 0)
    } catch {
        try? await channel.close()
        throw error
    }
    try await channel.close()
}

/// A loopback port nobody listens on (bound, then closed).
func unusedPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 0
    try await channel.close()
    return port
}
