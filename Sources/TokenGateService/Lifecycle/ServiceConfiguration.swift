// SPDX-License-Identifier: Apache-2.0
import TokenGateAdmission
import TokenGateAudit
import TokenGateHTTP

/// Everything `serve` decides from its flags, as plain values: the CLI parses and validates the
/// flags, this module turns the values into a running server (``TokenGateService``).
public struct ServiceConfiguration: Sendable {
    /// Listener, certificate files, limits, drain.
    public var server: ServerSettings
    /// `--config`: projection settings, and the broker when it has a `broker:` section.
    public var configPath: String?
    /// Flags that override the config file's projection settings.
    public var projectionOverrides: ProjectionSettings.Overrides
    public var broker = Broker()
    public var audit = Audit()

    public init(server: ServerSettings, configPath: String?, projectionOverrides: ProjectionSettings.Overrides = .init()) {
        self.server = server
        self.configPath = configPath
        self.projectionOverrides = projectionOverrides
    }

    /// How the broker runs, when the config turns it on.
    public struct Broker: Sendable {
        /// Re-read the config, signing keys and stale JWKS this often (SIGHUP: at once).
        public var reloadSeconds: Double = 10
        /// One call's budget to a cluster's API server or JWKS endpoint, connect to last byte.
        public var kubeTimeoutSeconds: Double = 2
        /// `--broker-key-ledger`: a SQLite file for the published-keys ledger; nil uses the audit store.
        public var keyLedgerPath: String?

        public init() {}
    }

    /// Where every exchange and admission decision is kept.
    public struct Audit: Sendable {
        /// nil: no trail, log lines only.
        public var location: AuditStoreLocation?
        /// The flag or variable the location came from (`--audit-dsn`, `TOKENGATE_AUDIT_DSN`), for messages.
        public var source = "--audit-db"
        /// Where events wait while the database is unreachable; nil picks the default for the store.
        public var spool: String?
        public var retentionDays: Int?

        public init() {}

        /// `<audit-db>.spool` beside a SQLite file; a fixed directory (on the audit volume) for PostgreSQL.
        public var spoolDirectory: String? {
            switch location {
            case .sqlite(let path)?: spool ?? path + ".spool"
            case .postgres?: spool ?? "/var/lib/tokengate/audit-spool"
            case nil: nil
            }
        }
    }
}
