// SPDX-License-Identifier: Apache-2.0
import Logging
import TokenGateAudit
import TokenGateHTTP
import TokenGateReview

extension AuditServeOptions {
    /// Runs `serve` (the `body`) and, with `--review-listen`, the review page beside it on its own
    /// listener and its own read connection to the trail. The page stops when `serve` does. Off
    /// loopback it is HTTPS with `webhookCertificate` unless `--review-tls-cert` names another, and
    /// its certificate is checked for changes every `certificateReloadInterval`, like the webhook's.
    func runWithReviewPage(logger: Logger, webhookCertificate: CertificateFiles, certificateReloadInterval: Duration,
                           _ body: @escaping @Sendable () async throws -> Void) async throws {
        guard let reviewListen, let location = location() else { return try await body() }
        let address = try ListenAddress(parsing: reviewListen)
        let store: any AuditStore = switch location {
        case .sqlite(let path): try SQLiteAuditStore(path: path, create: true)
        case .postgres(let dsn): PostgresAuditStore(dsn: dsn)
        }
        guard let readable = store as? any AuditReadableStore else { return try await body() }
        let pages = try ReviewPages(reader: ReviewReader(store: readable))
        let review = try reviewAccess.makeServer(
            address: address, pages: pages, defaultCertificate: webhookCertificate,
            certificateReloadInterval: certificateReloadInterval, logger: Logger(label: "tokengate.review"),
            listeningMessage: "review page listening")
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
