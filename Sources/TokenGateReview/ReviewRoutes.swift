// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import TokenGateAudit
import TokenGateHTTP

/// The review page's routes: GET only (any other method on these paths is answered 405 by the
/// router), every response with the headers of ``securityHeaders``. Store calls block, so each
/// request runs on NIO's blocking thread pool, never on an event loop or the cooperative pool.
public enum ReviewRoutes {
    /// Added to every response, errors included.
    public static func securityHeaders(_ pages: ReviewPages) -> HTTPHeaders {
        [
            "content-security-policy": pages.contentSecurityPolicy,
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
            "x-frame-options": "DENY",
            "cache-control": "no-store",
            "cross-origin-resource-policy": "same-origin",
        ]
    }

    /// Adds the page's routes. With a `gate` (the page is off loopback), every one of them first
    /// asks it about the request's bearer token and answers its 401, 403 or 503 instead of the page;
    /// each refusal is logged with the user and the permission, never the token.
    public static func register(on router: inout Router, pages: ReviewPages, gate: ReviewAccessGate? = nil, logger: Logger? = nil) {
        func add(_ path: String, _ body: @escaping @Sendable (ServerRequest) async -> ServerResponse) {
            guard let gate else { return router.add(.GET, path, waiting: body) }
            router.add(.GET, path, waiting: { request in
                let decision = await gate.decide(authorization: request.headers["authorization"].first)
                guard let refusal = decision.response else { return await body(request) }
                logger?.notice("review page request refused", metadata: refusalMetadata(decision, path: path, status: refusal.status))
                return refusal
            })
        }
        func html(_ path: String, _ body: @escaping @Sendable (ServerRequest, ReviewFilter) throws -> String) {
            add(path, { request in
                await blocking {
                    let filter = ReviewFilter(query: request.query)
                    return ServerResponse.text(.ok, try body(request, filter), contentType: "text/html; charset=utf-8")
                }
            })
        }
        func csv(_ path: String, _ name: String, _ body: @escaping @Sendable (ServerRequest, ReviewFilter) throws -> String) {
            add(path, { request in
                await blocking {
                    var response = ServerResponse.text(.ok, try body(request, ReviewFilter(query: request.query)),
                                                       contentType: "text/csv; charset=utf-8")
                    response.headers.add(name: "content-disposition", value: "attachment; filename=\"\(name)\"")
                    return response
                }
            })
        }
        html("/") { _, filter in try pages.overview(filter) }
        html("/coverage") { request, filter in try pages.coverage(filter, status: status(request)) }
        html("/pods") { _, filter in try pages.pods(filter) }
        html("/pod") { request, filter in
            let (uid, name) = pod(request)
            return try pages.timeline(podUID: uid, podName: name, filter)
        }
        html("/denials") { _, filter in try pages.denials(filter) }
        html("/trace") { request, _ in pages.trace(FormQuery(request.query)["q"]) }
        csv("/coverage.csv", "coverage.csv") { request, filter in try pages.coverageCSV(filter, status: status(request)) }
        csv("/pods.csv", "pods.csv") { _, filter in try pages.podsCSV(filter) }
        csv("/pod.csv", "pod-timeline.csv") { request, filter in
            let (uid, name) = pod(request)
            return try pages.timelineCSV(podUID: uid, podName: name, filter)
        }
        csv("/denials.csv", "denials.csv") { _, filter in try pages.denialsCSV(filter) }
    }

    static func refusalMetadata(_ decision: ReviewAccessDecision, path: String, status: HTTPResponseStatus) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["path": "\(path)", "status": "\(status.code)"]
        switch decision {
        case .allowed: break
        case .unauthenticated(let reason): metadata["reason"] = "\(reason)"
        case .forbidden(let user, let permission, let reason):
            metadata["user"] = "\(user)"
            metadata["permission"] = "\(permission)"
            if let reason { metadata["reason"] = "\(reason)" }
        case .unavailable(let reason): metadata["reason"] = "\(reason)"
        }
        return metadata
    }

    static func status(_ request: ServerRequest) -> ReviewWorkload.Status? {
        FormQuery(request.query)["status"].flatMap(ReviewWorkload.Status.init(rawValue:))
    }

    static func pod(_ request: ServerRequest) -> (uid: String?, name: String?) {
        let form = FormQuery(request.query)
        return (form["uid"].flatMap { $0.isEmpty ? nil : $0 }, form["name"])
    }

    /// Runs `body` on the blocking pool; a store error becomes a 503 page that says what failed.
    static func blocking(_ body: @escaping @Sendable () throws -> ServerResponse) async -> ServerResponse {
        do {
            return try await NIOThreadPool.singleton.runIfActive { try body() }
        } catch let error as AuditError {
            return .text(.serviceUnavailable, "The audit trail could not be read: \(error.message)\n")
        } catch {
            return .text(.internalServerError, "The review page failed: \(error)\n")
        }
    }
}
