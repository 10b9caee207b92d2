// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1

/// The request whose head was read: where it goes, whether it is refused, and its body so far.
struct HTTPRequestInProgress: Sendable {
    var head: HTTPRequestHead
    var route: Route?
    /// A refusal decided from the head (404/405/415), sent once the body has been read so the
    /// connection stays usable.
    var refusal: ServerResponse?
    var routeLabel = "unmatched"
    var body = ByteBuffer()
    var bodyBytes = 0
    var started: ContinuousClock.Instant = .now

    /// Routes the head and checks what can be checked before the body arrives.
    init(head: HTTPRequestHead, router: Router, limits: HTTPLimits, metrics: ServerMetrics) {
        metrics.requestStarted()
        self.head = head
        let path = ServerRequest.split(head.uri).path
        switch router.match(method: head.method, path: path) {
        case .notFound:
            refusal = .failure(.notFound, reason: "NotFound", message: "no endpoint at \(HTTPConnection.printable(path))")
        case .methodNotAllowed(let allowed):
            routeLabel = path
            let methods = allowed.map(\.rawValue).joined(separator: ", ")
            var refused = ServerResponse.failure(
                .methodNotAllowed, reason: "MethodNotAllowed", message: "\(head.method.rawValue) is not allowed on \(path); use \(methods)")
            refused.headers.add(name: "allow", value: methods)
            refusal = refused
        case .found(let found):
            routeLabel = found.path
            route = found
            let contentType = head.headers.first(name: "content-type")
            if let accepted = found.acceptedContentTypes, !ContentType.matches(contentType, anyOf: accepted) {
                let sent = contentType.map { "'\(HTTPConnection.printable($0))'" } ?? "none"
                refusal = .failure(
                    .unsupportedMediaType, reason: "UnsupportedMediaType",
                    message: "\(path) accepts content-type \(accepted.joined(separator: " or ")), got \(sent)")
            }
        }
        if let declared = declaredLength, declared > 0, declared <= limits.maxBodyBytes, refusal == nil {
            body.reserveCapacity(declared)
        }
    }

    var declaredLength: Int? { head.headers.first(name: "content-length").flatMap(Int.init) }

    var expectsContinue: Bool { head.headers.first(name: "expect")?.lowercased() == "100-continue" }

    /// An answer that cannot wait for the body: a declared body over the limit, or a refused
    /// request whose client waits for `100 Continue` before sending its body.
    func earlyAnswer(limits: HTTPLimits) -> ServerResponse? {
        if let declared = declaredLength, declared > limits.maxBodyBytes { return Self.tooLarge(limits) }
        if let refusal, expectsContinue { return refusal }
        return nil
    }

    static func tooLarge(_ limits: HTTPLimits) -> ServerResponse {
        .failure(.payloadTooLarge, reason: "RequestEntityTooLarge", message: "request body exceeds \(limits.maxBodyBytes) bytes")
    }
}
