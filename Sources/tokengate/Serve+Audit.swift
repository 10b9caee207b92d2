// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import Logging
import TokenGateAudit
import TokenGateServer

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

    func validate() throws {
        if db != nil && dsn != nil { throw ValidationError("give either --audit-db or --audit-dsn, not both") }
        if let retentionDays, retentionDays < 1 { throw ValidationError("--audit-retention-days must be at least 1") }
    }

    /// The store asked for, or nil for no trail.
    func location(environment: [String: String] = ProcessInfo.processInfo.environment) -> AuditStoreLocation? {
        if let db { return .sqlite(path: db) }
        if let dsn = dsn ?? environment["TOKENGATE_AUDIT_DSN"], !dsn.isEmpty { return .postgres(dsn: dsn) }
        return nil
    }

    /// Where the PostgreSQL connection string came from, for messages about it.
    var dsnSource: String { dsn != nil ? "--audit-dsn" : "TOKENGATE_AUDIT_DSN" }
}

extension ServeCommand {
    /// Opens the trail (SQLite is created and migrated now, so a bad path stops serve; PostgreSQL
    /// connects lazily, so serve starts while the database is down and events spool meanwhile, but
    /// a connection string libpq cannot parse stops serve, as it could never connect), starts its
    /// writer thread, and adds its series to `/metrics`.
    static func makeAuditTrail(options: AuditServeOptions, serverMetrics: ServerMetrics, logger: Logger) throws -> AuditTrail? {
        guard let location = options.location() else {
            logger.info("audit trail off: exchanges are logged only (store them with --audit-db or --audit-dsn)")
            return nil
        }
        let spool: String
        switch location {
        case .sqlite(let path): spool = options.spool ?? path + ".spool"
        case .postgres: spool = options.spool ?? "/var/lib/tokengate/audit-spool"
        }
        let writer: AuditWriter
        do {
            let store = try location.open()
            var configuration = AuditWriterConfiguration(spoolDirectory: spool, retentionDays: options.retentionDays)
            configuration.maxBatchDelay = 0.05
            writer = try AuditWriter(store: store, configuration: configuration, logger: logger)
        } catch let error as AuditError where error.code == .configuration {
            throw ServeStartupError(message: "\(options.dsnSource): \(error)")
        } catch {
            throw ServeStartupError(message: "audit trail \(location): \(error)")
        }
        serverMetrics.addCollector { writer.metrics.prometheusText() }
        writer.start()
        logger.info("audit trail on", metadata: ["store": "\(location)", "spool": "\(spool)"])
        return AuditTrail(writer: writer)
    }

    /// On shutdown, after the last request: every queued event into the store (or the spool).
    static func closeAuditTrail(_ trail: AuditTrail?, logger: Logger) async {
        guard let trail else { return }
        await trail.writer.shutdown()
        let metrics = trail.writer.metrics
        logger.info("audit trail flushed", metadata: [
            "stored": "\(metrics.stored)", "spooled": "\(metrics.spooled)", "dropped": "\(metrics.dropped)",
            "spool_bytes": "\(metrics.spoolBytes)",
        ])
    }
}
