// SPDX-License-Identifier: Apache-2.0
import Logging
import TokenGateAudit
import TokenGateHTTP

extension AuditTrail {
    /// Opens the trail the configuration asks for, or nil for none: SQLite is created and migrated
    /// now, so a bad path stops the server; PostgreSQL connects lazily, so the server starts while
    /// the database is down and events spool meanwhile, but a connection string libpq cannot parse
    /// stops it, as it could never connect. Starts the writer thread and adds its
    /// series to `/metrics`.
    static func open(_ options: ServiceConfiguration.Audit, metrics: ServerMetrics, logger: Logger) throws(ServiceStartupError) -> AuditTrail? {
        guard let location = options.location, let spool = options.spoolDirectory else {
            logger.info("audit trail off: exchanges are logged only (store them with --audit-db or --audit-dsn)")
            return nil
        }
        let writer: AuditWriter
        do {
            let store = try location.open()
            var configuration = AuditWriterConfiguration(spoolDirectory: spool, retentionDays: options.retentionDays)
            configuration.maxBatchDelay = 0.05
            writer = try AuditWriter(store: store, configuration: configuration, logger: logger)
        } catch let error as AuditError where error.code == .configuration {
            // A connection string libpq cannot parse could never connect: stop, naming where it came from.
            throw ServiceStartupError(message: "\(options.source): \(error)")
        } catch {
            throw ServiceStartupError(message: "audit trail \(location): \(error)")
        }
        metrics.addCollector { writer.metrics.prometheusText() }
        writer.start()
        logger.info("audit trail on", metadata: ["store": "\(location)", "spool": "\(spool)"])
        return AuditTrail(writer: writer)
    }

    /// On shutdown, after the last request: every queued event into the store (or the spool).
    func close(logger: Logger) async {
        await writer.shutdown()
        let metrics = writer.metrics
        logger.info("audit trail flushed", metadata: [
            "stored": "\(metrics.stored)", "spooled": "\(metrics.spooled)", "dropped": "\(metrics.dropped)",
            "spool_bytes": "\(metrics.spoolBytes)",
        ])
    }
}
