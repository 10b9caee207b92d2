// SPDX-License-Identifier: Apache-2.0
import NIOHTTP1

/// The route table: (method, exact path) → handler. Later features add their routes
/// (`POST /token`, `GET /.well-known/openid-configuration`, `GET /keys`) with ``add(_:)``.
///
/// Exact paths only, on purpose: the webhook API has a handful of fixed endpoints, and exact
/// matching leaves no question about which handler a path reaches.
public struct Router: Sendable {
    public enum Match: Sendable {
        case found(Route)
        /// The path exists with other methods (answer 405 with `Allow`).
        case methodNotAllowed(allowed: [HTTPMethod])
        case notFound
    }

    private var routes: [String: [Route]] = [:]

    public init() {}

    /// Adds a route; a later route for the same method and path replaces the earlier one.
    public mutating func add(_ route: Route) {
        routes[route.path, default: []].removeAll { $0.method == route.method }
        routes[route.path, default: []].append(route)
    }

    /// Adds a route answered inline on the event loop (see ``RouteHandler/immediate(_:)``).
    public mutating func add(
        _ method: HTTPMethod, _ path: String, accepting acceptedContentTypes: [String]? = nil,
        handler: @escaping @Sendable (ServerRequest) -> ServerResponse
    ) {
        add(Route(method, path, accepting: acceptedContentTypes, handler: .immediate(handler)))
    }

    /// Adds a route whose handler awaits (see ``RouteHandler/waiting(_:)``).
    public mutating func add(
        _ method: HTTPMethod, _ path: String, accepting acceptedContentTypes: [String]? = nil,
        waiting handler: @escaping @Sendable (ServerRequest) async -> ServerResponse
    ) {
        add(Route(method, path, accepting: acceptedContentTypes, handler: .waiting(handler)))
    }

    /// Adds a route tried inline first and awaited only when that gives no answer (see
    /// ``RouteHandler/immediateOrWaiting(now:otherwise:)``).
    public mutating func add(
        _ method: HTTPMethod, _ path: String, accepting acceptedContentTypes: [String]? = nil,
        immediately now: @escaping @Sendable (ServerRequest) -> ServerResponse?,
        otherwise: @escaping @Sendable (ServerRequest) async -> ServerResponse
    ) {
        add(Route(method, path, accepting: acceptedContentTypes, handler: .immediateOrWaiting(now: now, otherwise: otherwise)))
    }

    /// Looks up `path` (already stripped of its query string).
    public func match(method: HTTPMethod, path: String) -> Match {
        guard let candidates = routes[path] else { return .notFound }
        if let route = candidates.first(where: { $0.method == method }) { return .found(route) }
        return .methodNotAllowed(allowed: candidates.map(\.method))
    }

    /// Every registered (method, path), for logs and `--help`-style listings.
    public var table: [(method: HTTPMethod, path: String)] {
        routes.keys.sorted().flatMap { path in routes[path, default: []].map { ($0.method, path) } }
    }
}
