// SPDX-License-Identifier: Apache-2.0
import NIOHTTP1

/// Answers one complete request. Runs off the event loop, in the connection's task.
public typealias RouteHandler = @Sendable (ServerRequest) async -> ServerResponse

/// One entry of the route table: an exact path and method, and what a body must look like.
public struct Route: Sendable {
    public var method: HTTPMethod
    /// Exact path, e.g. `/mutate`; also the `route` label in metrics.
    public var path: String
    /// Media types accepted in `Content-Type` (415 otherwise); nil accepts any or none.
    public var acceptedContentTypes: [String]?
    public var handler: RouteHandler

    public init(_ method: HTTPMethod, _ path: String, accepting acceptedContentTypes: [String]? = nil, handler: @escaping RouteHandler) {
        self.method = method
        self.path = path
        self.acceptedContentTypes = acceptedContentTypes
        self.handler = handler
    }
}
