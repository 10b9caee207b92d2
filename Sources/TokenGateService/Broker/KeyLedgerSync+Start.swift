// SPDX-License-Identifier: Apache-2.0
import Logging
import TokenGateAudit
import TokenGateBroker

extension KeyLedgerSync {
    /// The published-keys ledger that makes a replaced signing key outlive a restart and reach
    /// every replica: `--broker-key-ledger FILE` when given, else the audit database (`--audit-db`,
    /// or `--audit-dsn`, which replicas share), else none — then the promise that a replaced key
    /// stays in `/keys` until its tokens expire holds only while this process runs, and the log says so.
    ///
    /// The first round runs here, before the server listens, so the first `GET /keys` after a
    /// restart already has the old key. (A PostgreSQL that is down costs its connect timeout here
    /// once; the reload ticks try again.)
    static func start(
        options: ServiceConfiguration.Broker, audit: AuditTrail?, exchange: TokenExchange, metrics: BrokerMetrics, logger: Logger
    ) throws(ServiceStartupError) -> KeyLedgerSync? {
        let location: AuditStoreLocation
        if let file = options.keyLedgerPath {
            location = .sqlite(path: file)
        } else if let store = audit?.writer.store, let shared = AuditStoreLocation(store: store) {
            location = shared
        } else {
            logger.warning("""
                replaced signing keys are remembered by this process only: after a restart /keys lacks a key whose tokens \
                are still valid, and replicas do not publish each other's keys; keep them in a database with --audit-db, \
                --audit-dsn (shared by replicas) or --broker-key-ledger FILE on a persistent volume
                """)
            return nil
        }
        let ledger: any PublishedKeyLedger
        do {
            ledger = try location.openKeyLedger()
        } catch {
            let flag = options.keyLedgerPath == nil ? "the audit database" : "--broker-key-ledger"
            throw ServiceStartupError(message: "\(flag) \(location): cannot keep the published-keys ledger: \(error)")
        }
        let sync = KeyLedgerSync(ledger: ledger, exchange: exchange, renewalInterval: .milliseconds(Int64(options.reloadSeconds * 1000)),
                                 metrics: metrics, logger: logger)
        sync.syncNow()
        logger.info("published-keys ledger on", metadata: [
            "ledger": "\(location)", "published_kids": "\(exchange.publishedKeys.published.map(\.jwk.keyID).joined(separator: ","))",
        ])
        return sync
    }
}
