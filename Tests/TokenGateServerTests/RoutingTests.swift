// SPDX-License-Identifier: Apache-2.0
import NIOHTTP1
import Testing
@testable import TokenGateHTTP
@testable import TokenGateService

@Suite("Routing on the path only")
struct RoutingTests {
    func router() -> Router {
        var router = Router()
        router.add(.POST, "/mutate", accepting: ["application/json"]) { _ in .text(.ok, "m") }
        router.add(.GET, "/healthz") { _ in .text(.ok, "h") }
        router.add(.HEAD, "/healthz") { _ in .text(.ok, "") }
        return router
    }

    @Test("the query string is ignored: the API server always appends ?timeout=10s")
    func queryIgnored() {
        let split = ServerRequest.split("/mutate?timeout=10s")
        #expect(split.path == "/mutate" && split.query == "timeout=10s")
        guard case .found(let route) = router().match(method: .POST, path: split.path) else {
            Issue.record("no route")
            return
        }
        #expect(route.path == "/mutate")
        #expect(ServerRequest.split("/a#frag").path == "/a")
    }

    @Test("known path, other method: 405 with the allowed methods")
    func methodNotAllowed() {
        guard case .methodNotAllowed(let allowed) = router().match(method: .DELETE, path: "/healthz") else {
            Issue.record("expected 405")
            return
        }
        #expect(Set(allowed.map(\.rawValue)) == ["GET", "HEAD"])
    }

    @Test("unknown path, and paths are exact")
    func notFound() {
        for path in ["/mutate/", "/MUTATE", "/", "/mutatex"] {
            guard case .notFound = router().match(method: .POST, path: path) else {
                Issue.record("\(path) should not match")
                continue
            }
        }
    }

    @Test("content types compare case-insensitively without parameters")
    func contentTypes() {
        #expect(ContentType.matches("application/json", anyOf: ["application/json"]))
        #expect(ContentType.matches("Application/JSON; charset=utf-8", anyOf: ["application/json"]))
        #expect(!ContentType.matches("application/jsonx", anyOf: ["application/json"]))
        #expect(!ContentType.matches(nil, anyOf: ["application/json"]))
    }

    @Test("listen addresses")
    func listenAddresses() throws {
        #expect(try ListenAddress(parsing: "0.0.0.0:8443") == ListenAddress(host: "0.0.0.0", port: 8443))
        #expect(try ListenAddress(parsing: "[::1]:0") == ListenAddress(host: "::1", port: 0))
        for bad in ["8443", ":8443", "host:", "host:70000", "::1:80", "[::1]8443"] {
            #expect(throws: ListenAddressError.self) { try ListenAddress(parsing: bad) }
        }
    }
}
