// SPDX-License-Identifier: Apache-2.0
import NIOHTTP1

/// How a route answers one complete request.
///
/// Most of TokenGate's answers never wait: an admission review is parsed, decided and answered
/// from memory, and `/keys` or `/metrics` read a snapshot. Those run **inline on the connection's
/// event loop**: no task is created and no thread is crossed, which is most of what a request used
/// to cost beyond parsing. A handler that must wait (the token exchange asks the API server) runs
/// in a task that prefers the same event loop as its executor, so it too hops only when it awaits.
public enum RouteHandler: Sendable {
    /// Runs on the event loop, so it must not block: no file, socket or lock held for long.
    case immediate(@Sendable (ServerRequest) -> ServerResponse)
    /// Runs in a task whose executor preference is the connection's event loop.
    case waiting(@Sendable (ServerRequest) async -> ServerResponse)
    /// Tries `now` on the event loop, as `immediate` would; when it returns nil (it would have
    /// to wait for something), runs `otherwise` in a task, as `waiting` would. For handlers that
    /// usually find what they need in memory but sometimes must ask another service: the common
    /// case then costs no task and no thread hop. `now` must not block and must leave no trace
    /// when it returns nil, since `otherwise` handles the same request from the start.
    case immediateOrWaiting(now: @Sendable (ServerRequest) -> ServerResponse?, otherwise: @Sendable (ServerRequest) async -> ServerResponse)
}

/// One entry of the route table: an exact path and method, and what a body must look like.
public struct Route: Sendable {
    public var method: HTTPMethod
    /// Exact path, e.g. `/mutate`; also the `route` label in metrics.
    public var path: String
    /// Media types accepted in `Content-Type` (415 otherwise); nil accepts any or none.
    public var acceptedContentTypes: [String]?
    public var handler: RouteHandler

    public init(_ method: HTTPMethod, _ path: String, accepting acceptedContentTypes: [String]? = nil, handler: RouteHandler) {
        self.method = method
        self.path = path
        self.acceptedContentTypes = acceptedContentTypes
        self.handler = handler
    }
}
