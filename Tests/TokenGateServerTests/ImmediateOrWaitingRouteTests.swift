// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing
@testable import TokenGateHTTP
@testable import TokenGateService

/// A route that is tried inline and falls back to a task (``RouteHandler/immediateOrWaiting(now:otherwise:)``),
/// driven over real TLS on loopback as ``EventLoopRouteTests`` drives the other two kinds.
@Suite("Routes tried inline first: answered on the loop when they can, in a task when they must wait")
struct ImmediateOrWaitingRouteTests {
    /// `/maybe?ready` answers inline; `/maybe` (no query) has to wait. Both say where they ran and
    /// count how often each part was entered.
    final class Counts: Sendable {
        let inline = Atomic<Int>(0)
        let waited = Atomic<Int>(0)
    }

    static func routes(_ counts: Counts) -> (inout Router) -> Void {
        { router in
            router.add(.GET, "/maybe", immediately: { request in
                counts.inline.add(1, ordering: .relaxed)
                guard request.query == "ready" else { return nil }
                return .text(.ok, MultiThreadedEventLoopGroup.currentEventLoop == nil ? "now off-loop" : "now on-loop")
            }, otherwise: { request in
                counts.waited.add(1, ordering: .relaxed)
                try? await Task.sleep(for: .milliseconds(Int(request.query?.split(separator: "=").last ?? "0") ?? 0))
                return .text(.ok, MultiThreadedEventLoopGroup.currentEventLoop == nil ? "waited off-loop" : "waited on-loop")
            })
            router.add(.GET, "/inline") { _ in .text(.ok, "inline") }
        }
    }

    @Test("an answer from the inline part is sent without a task; nil sends the same request to the waiting part")
    func inlineFirstThenTask() async throws {
        let counts = Counts()
        try await withLoopbackServer(routes: Self.routes(counts)) { port, certificates, _ in
            let client = TLSTestClient(context: try TLSContext.client(trustRoots: .pem(try certificates.bytes(certificates.ca))), serverName: "localhost")
            #expect(try await client.request(port: port, path: "/maybe?ready").body == "now on-loop")
            #expect(counts.inline.load(ordering: .relaxed) == 1 && counts.waited.load(ordering: .relaxed) == 0)
            #expect(try await client.request(port: port, path: "/maybe").body == "waited on-loop")
            #expect(counts.inline.load(ordering: .relaxed) == 2 && counts.waited.load(ordering: .relaxed) == 1)
        }
    }

    @Test("pipelined requests keep their order whichever part answers each")
    func pipeliningKeepsOrder() async throws {
        try await withLoopbackServer(routes: Self.routes(Counts())) { port, certificates, _ in
            let connection = try await RawTLSConnection.connect(port: port, trusting: try certificates.bytes(certificates.ca))
            let request = { (path: String) in "GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n" }
            try await connection.send(request("/maybe?ms=50") + request("/maybe?ready") + request("/inline") + request("/maybe?ms=0"))
            let text = try await connection.receive { $0.occurrences(of: "HTTP/1.1 200 OK") == 4 && $0.hasSuffix("waited on-loop") }
            var rest = Substring(text)
            for body in ["waited on-loop", "now on-loop", "inline", "waited on-loop"] {
                let range = try #require(rest.range(of: "\r\n\r\n" + body))
                rest = rest[range.upperBound...]
            }
            #expect(rest.isEmpty)
            await connection.close()
        }
    }
}
