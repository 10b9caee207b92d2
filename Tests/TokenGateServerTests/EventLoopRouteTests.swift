// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing
@testable import TokenGateHTTP
@testable import TokenGateService

/// The connection handler answers immediate routes inline on the event loop and waiting routes in
/// a task that prefers that loop; these tests drive it over real TLS on loopback.
@Suite("Routes on the event loop: immediate and waiting handlers, pipelining, limits, slow clients")
struct EventLoopRouteTests {
    static func routes(_ router: inout Router) {
        router.add(.GET, "/inline") { _ in
            .text(.ok, MultiThreadedEventLoopGroup.currentEventLoop == nil ? "off-loop" : "on-loop")
        }
        router.add(.GET, "/wait", waiting: { request in
            let millis = Int(request.query?.split(separator: "=").last ?? "0") ?? 0
            try? await Task.sleep(for: .milliseconds(millis))
            return .text(.ok, MultiThreadedEventLoopGroup.currentEventLoop == nil ? "waited off-loop" : "waited on-loop")
        })
        router.add(.POST, "/echo") { request in .text(.ok, "echo \(request.body.readableBytes)") }
    }

    @Test("an immediate handler runs on the connection's event loop; a waiting one resumes there after it awaits")
    func handlersRunOnTheLoop() async throws {
        try await withLoopbackServer(routes: Self.routes) { port, certificates, _ in
            let client = TLSTestClient(context: try TLSContext.client(trustRoots: .pem(try certificates.bytes(certificates.ca))), serverName: "localhost")
            #expect(try await client.request(port: port, path: "/inline").body == "on-loop")
            #expect(try await client.request(port: port, path: "/wait?ms=5").body == "waited on-loop")
        }
    }

    @Test("pipelined requests are answered in request order, a slow waiting route before two immediate ones")
    func pipeliningKeepsOrder() async throws {
        try await withLoopbackServer(routes: Self.routes) { port, certificates, _ in
            let connection = try await RawTLSConnection.connect(port: port, trusting: try certificates.bytes(certificates.ca))
            let request = { (path: String) in "GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n" }
            try await connection.send(request("/wait?ms=50") + request("/inline") + request("/wait?ms=0") + request("/inline"))
            let text = try await connection.receive { $0.occurrences(of: "HTTP/1.1 200 OK") == 4 && $0.hasSuffix("on-loop") }
            let bodies = ["waited on-loop", "on-loop", "waited on-loop", "on-loop"]
            var rest = Substring(text)
            for body in bodies {
                let range = try #require(rest.range(of: "\r\n\r\n" + body))
                rest = rest[range.upperBound...]
            }
            #expect(rest.isEmpty)
            await connection.close()
        }
    }

    @Test("a body over the limit gets 413 and a closed connection; the next connection is served")
    func bodyOverTheLimit() async throws {
        var limits = HTTPLimits()
        limits.maxBodyBytes = 1024
        try await withLoopbackServer(limits: limits, routes: Self.routes) { port, certificates, _ in
            let ca = try certificates.bytes(certificates.ca)
            // Declared too large: answered from the head, then the body is drained before closing.
            let declared = try await RawTLSConnection.connect(port: port, trusting: ca)
            try await declared.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n" + String(repeating: "a", count: 2048))
            let answer = try await declared.receive { $0.contains("RequestEntityTooLarge") }
            #expect(answer.hasPrefix("HTTP/1.1 413"))
            #expect(answer.lowercased().contains("connection: close"))
            // Chunked, so only the running count can tell: cut off once it passes the limit.
            let chunked = try await RawTLSConnection.connect(port: port, trusting: ca)
            try await chunked.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + String(repeating: "b", count: 2048) + "\r\n")
            #expect(try await chunked.receive { $0.contains("RequestEntityTooLarge") }.hasPrefix("HTTP/1.1 413"))
            let fine = try await RawTLSConnection.connect(port: port, trusting: ca)
            try await fine.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789")
            #expect(try await fine.receive { $0.hasSuffix("echo 10") }.hasPrefix("HTTP/1.1 200"))
            for connection in [declared, chunked, fine] { await connection.close() }
        }
    }

    @Test("a client that sends half a body does not hold up others; it is answered once the rest arrives")
    func slowClient() async throws {
        var limits = HTTPLimits()
        limits.requestReadTimeout = .seconds(300)  // not about timeouts: a loaded machine must not cut the slow client off
        try await withLoopbackServer(limits: limits, routes: Self.routes) { port, certificates, _ in
            let ca = try certificates.bytes(certificates.ca)
            let slow = try await RawTLSConnection.connect(port: port, trusting: ca)
            try await slow.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n1234")
            for _ in 0..<4 {  // more connections than event loops: none shares a stalled loop's fate
                let other = try await RawTLSConnection.connect(port: port, trusting: ca)
                try await other.send("GET /inline HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try await other.receive { $0.hasSuffix("on-loop") }.hasPrefix("HTTP/1.1 200"))
                await other.close()
            }
            #expect(!slow.isClosedByServer)
            try await slow.send("5678")
            #expect(try await slow.receive { $0.hasSuffix("echo 8") }.hasPrefix("HTTP/1.1 200"))
            await slow.close()
        }
    }

    @Test("a waiting handler whose client left before the answer does not disturb the server")
    func clientLeavesDuringAWaitingHandler() async throws {
        try await withLoopbackServer(routes: Self.routes) { port, certificates, _ in
            let ca = try certificates.bytes(certificates.ca)
            let leaver = try await RawTLSConnection.connect(port: port, trusting: ca)
            try await leaver.send("GET /wait?ms=100 HTTP/1.1\r\nHost: x\r\n\r\n")
            await leaver.close()
            try await Task.sleep(for: .milliseconds(150))  // let the handler finish and find no one
            let next = try await RawTLSConnection.connect(port: port, trusting: ca)
            try await next.send("GET /wait?ms=0 HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await next.receive { $0.hasSuffix("waited on-loop") }.hasPrefix("HTTP/1.1 200"))
            await next.close()
        }
    }

    @Test("a server whose task is cancelled stops at once, even with a connection open in the middle of a request")
    func cancelledServerStops() async throws {
        let connected = AsyncStream<Void>.makeStream()
        let serving = Task {
            try await withLoopbackServer(shutdownGraceSeconds: 3600, routes: Self.routes) { port, certificates, _ in
                let open = try await RawTLSConnection.connect(port: port, trusting: try certificates.bytes(certificates.ca))
                try await open.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n1234")
                connected.continuation.yield()
                try await Task.sleep(for: .seconds(3600))  // ended by the cancellation below
            }
        }
        var iterator = connected.stream.makeAsyncIterator()
        await iterator.next()
        serving.cancel()
        // A hang guard, not a timing claim: before the fix the server waited forever for the listener.
        // (Unstructured racers: a structured group would itself wait for a server that never stops.)
        let stopped = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let once = Mutex(Optional(continuation))
            let finish = { @Sendable (value: Bool) in once.withLock { $0.take() }?.resume(returning: value) }
            Task { _ = await serving.result; finish(true) }
            Task { try? await Task.sleep(for: .seconds(120)); finish(false) }
        }
        #expect(stopped, "the cancelled server did not stop")
    }
}

