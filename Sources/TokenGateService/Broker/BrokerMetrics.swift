// SPDX-License-Identifier: Apache-2.0
import Synchronization
import TokenGateHTTP

/// The broker's Prometheus series, appended to `GET /metrics`:
///
/// * `tokengate_token_exchanges_total{outcome,reason}` — every exchange; `outcome` is granted,
///   denied, unavailable or error, `reason` the broker's stable reason word (`issued`,
///   `expired`, `tokenreview_rejected`, …).
/// * `tokengate_broker_jwks_fetches_total{cluster,document,result}` — discovery and JWKS GETs.
/// * `tokengate_broker_tokenreview_duration_seconds{cluster}` and
///   `tokengate_broker_tokenreviews_total{cluster,result}` — calls to each API server (cache
///   hits are not calls), `result` authenticated, rejected or error.
/// * `tokengate_broker_pod_lookups_total{cluster,result}` — found, not_found, error.
/// * `tokengate_broker_reloads_total{what,result}` — config and signing-key reloads, and rounds
///   with the published-keys ledger (`what="key_ledger"`, every reload tick).
///
/// Label values come from bounded sets: reasons from the broker's code, cluster names from the
/// config, never from a request.
public final class BrokerMetrics: Sendable {
    /// Outcome and reason of an exchange: the counter every exchange bumps, keyed without
    /// building an array per request.
    private struct ExchangeKey: Hashable {
        let outcome: String
        let reason: String
    }

    private struct State {
        var exchanges: [ExchangeKey: UInt64] = [:]
        var fetches: [[String]: UInt64] = [:]
        var reviews: [[String]: UInt64] = [:]
        var reviewLatency: [String: LatencyHistogram] = [:]
        var pods: [[String]: UInt64] = [:]
        var reloads: [[String]: UInt64] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public func exchangeFinished(outcome: String, reason: String) {
        let key = ExchangeKey(outcome: outcome, reason: reason)
        state.withLock { $0.exchanges[key, default: 0] += 1 }
    }

    public func jwksFetched(cluster: String, document: String, success: Bool) {
        state.withLock { $0.fetches[[cluster, document, success ? "success" : "failure"], default: 0] += 1 }
    }

    public func tokenReviewed(cluster: String, result: String, seconds: Double) {
        state.withLock {
            $0.reviews[[cluster, result], default: 0] += 1
            $0.reviewLatency[cluster, default: LatencyHistogram()].observe(seconds)
        }
    }

    public func podLookedUp(cluster: String, result: String) {
        state.withLock { $0.pods[[cluster, result], default: 0] += 1 }
    }

    public func reloaded(_ what: String, success: Bool) {
        state.withLock { $0.reloads[[what, success ? "success" : "failure"], default: 0] += 1 }
    }

    /// Exposition text for the series above.
    public func render() -> String {
        let s = state.withLock { $0 }
        var out = ""
        func counter(_ name: String, _ help: String, _ labels: [String], _ values: [[String]: UInt64]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) counter\n"
            for (key, value) in values.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
                let pairs = zip(labels, key).map { "\($0)=\"\(Self.escape($1))\"" }.joined(separator: ",")
                out += "\(name){\(pairs)} \(value)\n"
            }
        }
        counter("tokengate_token_exchanges_total", "RFC 8693 token exchanges, by outcome and reason.",
                ["outcome", "reason"], Dictionary(uniqueKeysWithValues: s.exchanges.map { ([$0.key.outcome, $0.key.reason], $0.value) }))
        counter("tokengate_broker_jwks_fetches_total", "Discovery and JWKS fetches from trusted clusters, by result.",
                ["cluster", "document", "result"], s.fetches)
        counter("tokengate_broker_tokenreviews_total", "TokenReview calls to a cluster's API server (cache hits excluded), by result.",
                ["cluster", "result"], s.reviews)
        out += "# HELP tokengate_broker_tokenreview_duration_seconds Time of TokenReview calls to a cluster's API server.\n"
        out += "# TYPE tokengate_broker_tokenreview_duration_seconds histogram\n"
        for (cluster, histogram) in s.reviewLatency.sorted(by: { $0.key < $1.key }) {
            histogram.render(name: "tokengate_broker_tokenreview_duration_seconds", labels: "cluster=\"\(Self.escape(cluster))\"", into: &out)
        }
        counter("tokengate_broker_pod_lookups_total", "Pod GETs comparing a token's pod UID with the live pod, by result.",
                ["cluster", "result"], s.pods)
        counter("tokengate_broker_reloads_total", "Broker config and signing-key reloads after their files changed, and published-keys ledger rounds, by result.",
                ["what", "result"], s.reloads)
        return out
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
