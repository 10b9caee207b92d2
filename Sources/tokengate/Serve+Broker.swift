// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import TokenGateService

/// `serve`'s broker flags.
struct BrokerServeOptions: ParsableArguments {
    @Option(name: .customLong("broker-reload-seconds"), help: ArgumentHelp(
        "How often the broker re-reads --config and its signing-key files, and refreshes clusters' stale JWKS. SIGHUP reloads at once.",
        valueName: "seconds"))
    var reloadSeconds: Double = 10

    @Option(name: .customLong("kube-timeout-seconds"), help: ArgumentHelp(
        "Time budget of each call to a cluster's API server or JWKS endpoint, connect to last byte; over it the exchange answers 503 temporarily_unavailable.",
        valueName: "seconds"))
    var kubeTimeoutSeconds: Double = 2

    @Option(name: .customLong("broker-key-ledger"), help: ArgumentHelp(
        "SQLite file (on a persistent volume) where the broker records its signing keys, so /keys keeps a replaced key after a restart until its tokens expire. Default: the audit database (--audit-db, or --audit-dsn shared by replicas).",
        valueName: "file"))
    var keyLedger: String?

    /// The values the service runs the broker with.
    var service: ServiceConfiguration.Broker {
        var broker = ServiceConfiguration.Broker()
        broker.reloadSeconds = reloadSeconds
        broker.kubeTimeoutSeconds = kubeTimeoutSeconds
        broker.keyLedgerPath = keyLedger
        return broker
    }

    func validate() throws {
        guard reloadSeconds > 0 else { throw ValidationError("--broker-reload-seconds must be more than 0") }
        guard kubeTimeoutSeconds > 0, kubeTimeoutSeconds <= 60 else { throw ValidationError("--kube-timeout-seconds must be in (0, 60]") }
    }
}
