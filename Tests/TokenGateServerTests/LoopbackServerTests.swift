// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import Testing
import TokenGateCrypto
@testable import TokenGateHTTP
@testable import TokenGateService

/// Runs a real TokenGateServer on an ephemeral loopback port for the duration of `body`.
/// By default it serves the admission routes with the test handler; `routes` replaces them.
func withLoopbackServer(
    reloadInterval: Duration = .seconds(10),
    shutdownGraceSeconds: Double = 5,
    limits: HTTPLimits = HTTPLimits(),
    routes: (inout Router) -> Void = { AdmissionRoutes.register(on: &$0, handler: TestAdmissionHandler(), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })) },
    _ body: @Sendable (_ port: Int, _ certificates: TestCertificateDirectory, _ server: TokenGateServer) async throws -> Void
) async throws {
    let directory = try TestCertificateDirectory()
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    var settings = ServerSettings(
        host: "127.0.0.1", port: 0, certificateFiles: CertificateFiles(certificatePath: directory.cert, keyPath: directory.key))
    settings.drainSeconds = 0
    settings.shutdownGraceSeconds = shutdownGraceSeconds
    settings.limits = limits
    let metrics = ServerMetrics()
    let reloader = CertificateReloader(files: settings.certificateFiles, interval: reloadInterval, logger: logger, metrics: metrics)
    var router = Router()
    routes(&router)
    let server = TokenGateServer(
        settings: settings, router: router, certificates: reloader, metrics: metrics, readiness: Readiness(), logger: logger)
    let shutdown = GracefulShutdown()
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await server.run(until: shutdown) { address in continuation.yield(address.port ?? 0) }
        }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        do {
            try await body(port, directory, server)
        } catch {
            shutdown.trigger()
            throw error
        }
        shutdown.trigger()
        try await group.waitForAll()
    }
}

@Suite("TLS handler, server and client mode, over loopback")
struct LoopbackServerTests {
    @Test("client mode: SNI, ALPN http/1.1, CA verification; server answers health and admission")
    func clientAndServer() async throws {
        try await withLoopbackServer { port, certificates, server in
            let trust = try TLSContext.client(trustRoots: .pem(try certificates.bytes(certificates.ca)))
            let client = TLSTestClient(context: trust, serverName: "tokengate.tokengate-system.svc")
            let health = try await client.request(port: port, path: "/healthz")
            #expect(health.status == 200)
            #expect(health.body == #"{"status":"ok"}"#)
            #expect(health.handshake?.negotiatedProtocol == "http/1.1")
            #expect(health.handshake?.protocolVersion == "TLSv1.3")
            let review = #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-42"}}"#
            let mutate = try await client.request(port: port, method: .POST, path: "/mutate?timeout=10s", body: review)
            #expect(mutate.status == 200)
            #expect(mutate.body.contains(#""uid":"u-42""#))
            let wrongType = try await client.request(port: port, method: .POST, path: "/validate", body: review, contentType: "text/plain")
            #expect(wrongType.status == 415)
            let byIP = try await TLSTestClient(context: trust, serverName: "127.0.0.1").request(port: port, path: "/readyz")
            #expect(byIP.status == 200)
            #expect(server.metrics.handshakeFailures == 0)
        }
    }

    @Test("client mode refuses a server whose certificate is from another CA or for another name")
    func verificationFailures() async throws {
        try await withLoopbackServer { port, certificates, server in
            let stranger = try TestCertificateDirectory()
            let wrongCA = try TLSContext.client(trustRoots: .pem(try stranger.bytes(stranger.ca)))
            await #expect(throws: (any Error).self) {
                _ = try await TLSTestClient(context: wrongCA, serverName: "localhost").request(port: port, path: "/healthz")
            }
            let rightCA = try TLSContext.client(trustRoots: .pem(try certificates.bytes(certificates.ca)))
            await #expect(throws: (any Error).self) {
                _ = try await TLSTestClient(context: rightCA, serverName: "evil.example.com").request(port: port, path: "/healthz")
            }
            // The server saw both failed handshakes (the client's alert ends them).
            var failures: UInt64 = 0
            for _ in 0..<50 where failures < 2 {
                failures = server.metrics.handshakeFailures
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(failures == 2)
            let ok = try await TLSTestClient(context: rightCA, serverName: "localhost").request(port: port, path: "/healthz")
            #expect(ok.status == 200)
        }
    }

    @Test("a reloaded certificate is used by new handshakes")
    func reloadServesNewCertificate() async throws {
        try await withLoopbackServer(reloadInterval: .milliseconds(50)) { port, certificates, server in
            let trust = try TLSContext.client(trustRoots: .pem(try certificates.bytes(certificates.ca)))
            let first = server.certificates.current?.leafCertificate?.serialNumberHex
            let next = try DevelopmentCertificates.generate(service: "tokengate", namespace: "tokengate-system")
            try X509FileWriter.write(try next.servingCertificate.pem(), to: certificates.cert, mode: 0o644)
            try X509FileWriter.write(try next.servingKey.pem(), to: certificates.key, mode: 0o600)
            var serial = first
            for _ in 0..<100 where serial == first {
                try await Task.sleep(for: .milliseconds(20))
                serial = server.certificates.current?.leafCertificate?.serialNumberHex
            }
            #expect(serial == next.servingCertificate.serialNumberHex)
            // the old CA no longer verifies new handshakes; the new one does
            await #expect(throws: (any Error).self) {
                _ = try await TLSTestClient(context: trust, serverName: "localhost").request(port: port, path: "/healthz")
            }
            let newTrust = try TLSContext.client(trustRoots: .pem(try next.caCertificate.pem()))
            let ok = try await TLSTestClient(context: newTrust, serverName: "localhost").request(port: port, path: "/healthz")
            #expect(ok.status == 200)
        }
    }
}

@Suite("Certificate reloader")
struct CertificateReloaderTests {
    @Test("a broken pair is refused and the old context kept; a good pair replaces it")
    func keepsLastGoodPair() throws {
        let directory = try TestCertificateDirectory()
        let metrics = ServerMetrics()
        let reloader = CertificateReloader(
            files: CertificateFiles(certificatePath: directory.cert, keyPath: directory.key), interval: .seconds(1),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), metrics: metrics)
        try reloader.loadInitial()
        let original = try #require(reloader.current)
        #expect(reloader.reloadIfChanged() == false)  // unchanged files

        let other = try DevelopmentCertificates.generate(service: "tokengate", namespace: "tokengate-system")
        try X509FileWriter.write(try other.servingCertificate.pem(), to: directory.cert, mode: 0o644)  // key still old
        #expect(reloader.reloadIfChanged() == false)
        #expect(reloader.current === original)
        #expect(metrics.certificateReloads.failed == 1)
        #expect(reloader.reloadIfChanged() == false)
        #expect(metrics.certificateReloads.failed == 1)  // the same broken pair is reported once

        try X509FileWriter.write(try other.servingKey.pem(), to: directory.key, mode: 0o600)
        #expect(reloader.reloadIfChanged() == true)
        #expect(reloader.current?.leafCertificate?.serialNumberHex == other.servingCertificate.serialNumberHex)
        #expect(metrics.certificateReloads.succeeded == 1)
    }

    @Test("unreadable files at start are a clear error")
    func missingFiles() {
        let reloader = CertificateReloader(
            files: CertificateFiles(certificatePath: "/nonexistent/tls.crt", keyPath: "/nonexistent/tls.key"), interval: .seconds(1),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        #expect(throws: TLSError.self) { try reloader.loadInitial() }
        #expect(reloader.current == nil)
    }
}
