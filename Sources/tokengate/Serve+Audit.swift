// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import TokenGateAudit
import TokenGateHTTP
import TokenGateService

/// `serve`'s audit-trail flags.
///
/// Off unless asked for: `--audit-db PATH` (embedded SQLite, WAL) or `--audit-dsn DSN` /
/// `TOKENGATE_AUDIT_DSN` (shared PostgreSQL). Every token exchange and admission decision is then
/// stored; without either, exchanges are still logged one structured line each.
struct AuditServeOptions: ParsableArguments {
    @Option(name: .customLong("audit-db"), help: ArgumentHelp(
        "SQLite file for the audit trail of exchanges and admission decisions (created if missing). Default: no trail, log lines only.",
        valueName: "file"))
    var db: String?

    @Option(name: .customLong("audit-dsn"), help: ArgumentHelp(
        "PostgreSQL connection string for a trail shared by replicas; defaults to TOKENGATE_AUDIT_DSN, which keeps the password out of the process list.",
        valueName: "dsn"))
    var dsn: String?

    @Option(name: .customLong("audit-spool"), help: ArgumentHelp(
        "Directory where events wait while the database is unreachable (keep it on a persistent volume). Default: <audit-db>.spool, or /var/lib/tokengate/audit-spool for PostgreSQL.",
        valueName: "dir"))
    var spool: String?

    @Option(name: .customLong("audit-retention-days"), help: ArgumentHelp("Delete audit events older than this many days (default: keep all).", valueName: "days"))
    var retentionDays: Int?

    @Option(name: .customLong("review-listen"), help: ArgumentHelp(
        "Also serve the read-only review page over the trail on HOST:PORT (see `tokengate audit serve`): plain HTTP on loopback, otherwise TLS (the webhook's certificate unless --review-tls-cert) with bearer tokens checked by TokenReview and SubjectAccessReview. Default: off.",
        valueName: "host:port"))
    var reviewListen: String?

    @OptionGroup(title: "Review page off loopback") var reviewAccess: ReviewAccessOptions

    func validate() throws {
        if db != nil && dsn != nil { throw ValidationError("give either --audit-db or --audit-dsn, not both") }
        if let reviewListen {
            try reviewAccess.check(listen: reviewListen, flag: "--review-listen", hasDefaultCertificate: true)
            guard db != nil || dsn != nil || ProcessInfo.processInfo.environment["TOKENGATE_AUDIT_DSN"].map({ !$0.isEmpty }) == true else {
                throw ValidationError("--review-listen shows the audit trail: give --audit-db or --audit-dsn too")
            }
        }
        if let retentionDays, retentionDays < 1 { throw ValidationError("--audit-retention-days must be at least 1") }
    }

    /// The values the service keeps the trail with.
    var service: ServiceConfiguration.Audit {
        var audit = ServiceConfiguration.Audit()
        audit.location = location()
        audit.source = db != nil ? "--audit-db" : dsn != nil ? "--audit-dsn" : "TOKENGATE_AUDIT_DSN"
        audit.spool = spool
        audit.retentionDays = retentionDays
        return audit
    }

    /// The store asked for, or nil for no trail.
    func location(environment: [String: String] = ProcessInfo.processInfo.environment) -> AuditStoreLocation? {
        if let db { return .sqlite(path: db) }
        if let dsn = dsn ?? environment["TOKENGATE_AUDIT_DSN"], !dsn.isEmpty { return .postgres(dsn: dsn) }
        return nil
    }
}
