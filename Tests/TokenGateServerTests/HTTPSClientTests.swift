// SPDX-License-Identifier: Apache-2.0
import NIOHTTP1
import Testing
import TokenGateJSON
@testable import TokenGateHTTP
@testable import TokenGateService

@Suite("HTTPS client on the OpenSSL TLS handler")
struct HTTPSClientTests {
    @Test("GET and POST over verified TLS; keep-alive reuses one connection (one handshake)")
    func keepAlive() async throws {
        try await withStandInServer(routes: { router in
            router.add(.POST, "/echo") { request in .text(.ok, "got \(request.body.readableBytes) bytes") }
        }) { port, certificates, server in
            let trust = try TLSContext.client(trustRoots: .pem(try certificates.bytes(certificates.ca)))
            let client = HTTPSClient(tls: trust, host: "127.0.0.1", port: port, serverName: "localhost")
            for _ in 0..<3 {
                let health = try await client.send(HTTPSRequest(.GET, "/healthz"), timeout: .seconds(30))
                #expect(health.status == 200)
                #expect(String(decoding: health.body, as: UTF8.self) == #"{"status":"ok"}"#)
                #expect(health.keepAlive)
            }
            let posted = try await client.send(HTTPSRequest(.POST, "/echo", body: Array(repeating: 0x41, count: 1000)), timeout: .seconds(30))
            #expect(String(decoding: posted.body, as: UTF8.self) == "got 1000 bytes")
            #expect(server.metrics.render().contains(#"tokengate_tls_handshakes_total{version="TLSv1.3"} 1"#))
            // By IP: the certificate's IP SAN is checked.
            let byIP = HTTPSClient(tls: trust, host: "127.0.0.1", port: port)
            #expect(try await byIP.send(HTTPSRequest(.GET, "/readyz"), timeout: .seconds(30)).status == 200)
        }
    }

    @Test("a server the CA did not sign, or with another name, fails as a TLS error that says why")
    func verification() async throws {
        try await withStandInServer(routes: { _ in }) { port, certificates, _ in
            let stranger = try TestCertificateDirectory()
            let wrongCA = HTTPSClient(tls: try TLSContext.client(trustRoots: .pem(try stranger.bytes(stranger.ca))), host: "127.0.0.1",
                                      port: port, serverName: "localhost")
            let error = await #expect(throws: HTTPSClientError.self) {
                _ = try await wrongCA.send(HTTPSRequest(.GET, "/healthz"), timeout: .seconds(30))
            }
            #expect(error?.code == .tls, "\(String(describing: error))")
            #expect(error?.message.contains("certificate verify failed") == true)
            let trust = try TLSContext.client(trustRoots: .pem(try certificates.bytes(certificates.ca)))
            let wrongName = HTTPSClient(tls: trust, host: "127.0.0.1", port: port, serverName: "kubernetes.default.svc")
            let nameError = await #expect(throws: HTTPSClientError.self) {
                _ = try await wrongName.send(HTTPSRequest(.GET, "/healthz"), timeout: .seconds(30))
            }
            #expect(nameError?.code == .tls, "\(String(describing: nameError))")
        }
    }

    @Test("a response body over the request's bound fails the call instead of being held")
    func boundedBody() async throws {
        try await withStandInServer(routes: { router in
            router.add(.GET, "/big") { _ in .text(.ok, String(repeating: "x", count: 200_000)) }
        }) { port, certificates, _ in
            let trust = try TLSContext.client(trustRoots: .pem(try certificates.bytes(certificates.ca)))
            let client = HTTPSClient(tls: trust, host: "127.0.0.1", port: port, serverName: "localhost")
            let error = await #expect(throws: HTTPSClientError.self) {
                _ = try await client.send(HTTPSRequest(.GET, "/big", maxResponseBytes: 64 * 1024), timeout: .seconds(30))
            }
            #expect(error?.code == .tooLarge)
            // The client is still usable afterwards (the bad connection was dropped, not pooled).
            #expect(try await client.send(HTTPSRequest(.GET, "/big", maxResponseBytes: 1 << 20), timeout: .seconds(30)).body.count == 200_000)
        }
    }

    @Test("a silent server costs one deadline, then a timeout error; a closed port is a connect error")
    func timeoutsAndRefusals() async throws {
        try await withSilentListener { port in
            let client = HTTPSClient(tls: try TLSContext.client(trustRoots: .system), host: "127.0.0.1", port: port)
            let started = ContinuousClock.now
            let error = await #expect(throws: HTTPSClientError.self) {
                _ = try await client.send(HTTPSRequest(.GET, "/"), timeout: .milliseconds(300))
            }
            #expect(error?.code == .timeout || error?.code == .tls, "the handshake timer may fire first: \(String(describing: error))")
            // A hang guard, not a timing claim: the call must end, even on a loaded test machine.
            #expect(ContinuousClock.now - started < .seconds(60))
        }
        try await withRefusingPort { port in
            let refused = HTTPSClient(tls: try TLSContext.client(trustRoots: .system), host: "127.0.0.1", port: port)
            let error = await #expect(throws: HTTPSClientError.self) {
                _ = try await refused.send(HTTPSRequest(.GET, "/"), timeout: .seconds(30))
            }
            #expect(error?.code == .connect, "\(String(describing: error))")
        }
    }

    @Test("https URLs are split into host, port and target; others are refused")
    func urls() throws {
        let url = try HTTPSURL(parsing: "https://10.0.0.1:6443/openid/v1/jwks?x=1")
        #expect(url == HTTPSURL(host: "10.0.0.1", port: 6443, target: "/openid/v1/jwks?x=1"))
        #expect(try HTTPSURL(parsing: "https://example.com").target == "/")
        #expect(try HTTPSURL(parsing: "https://[::1]:8443/keys").host == "::1")
        #expect(try HTTPSURL(parsing: "https://[::1]:8443/keys").authority == "[::1]:8443")
        for bad in ["http://example.com/", "https://user:pw@example.com/", "https:///nohost", "https://e.com/#frag", "ftp://x"] {
            #expect(throws: HTTPSClientError.self, "\(bad)") { _ = try HTTPSURL(parsing: bad) }
        }
    }
}
