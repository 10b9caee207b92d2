// SPDX-License-Identifier: Apache-2.0
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import TokenGateHTTP
@testable import TokenGateService

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

/// A loopback port that refuses connections for as long as `body` runs: a TCP socket bound to it
/// but never listening. Holding the port (rather than binding, closing and hoping) keeps tests
/// running in parallel from being handed the same ephemeral port for their own listeners.
func withRefusingPort<T>(_ body: (_ port: Int) async throws -> T) async throws -> T {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return try await body(Int(UInt16(bigEndian: address.sin_port)))
}
