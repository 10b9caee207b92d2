// SPDX-License-Identifier: Apache-2.0
import Logging
import TokenGateAudit
import TokenGateHTTP
import TokenGateReview

extension AuditServeOptions {
    /// Runs `serve` (the `body`) and, with `--review-listen`, the review page beside it on its own
    /// loopback listener and its own read connection to the trail. The page stops when `serve` does.
    func runWithReviewPage(logger: Logger, _ body: @escaping @Sendable () async throws -> Void) async throws {
        guard let reviewListen, let location = location() else { return try await body() }
        let address = try ListenAddress(parsing: reviewListen)
        let store: any AuditStore = switch location {
        case .sqlite(let path): try SQLiteAuditStore(path: path, create: true)
        case .postgres(let dsn): PostgresAuditStore(dsn: dsn)
        }
        guard let readable = store as? any AuditReadableStore else { return try await body() }
        let pages = try ReviewPages(reader: ReviewReader(store: readable))
        var router = Router()
        ReviewRoutes.register(on: &router, pages: pages)
        let review = try LoopbackHTTPServer(
            host: address.host, port: address.port, router: router, responseHeaders: ReviewRoutes.securityHeaders(pages),
            logger: Logger(label: "tokengate.review"), listeningMessage: "review page listening")
        logger.info("review page on: read-only, plain HTTP on loopback; reach it with kubectl port-forward",
                    metadata: ["review_listen": "\(address)"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await body() }
            group.addTask { try await review.run(until: GracefulShutdown()) }
            // `serve` ends (drained) or either fails: the other stops too.
            try await group.next()
            group.cancelAll()
        }
        readable.close()
    }
}
