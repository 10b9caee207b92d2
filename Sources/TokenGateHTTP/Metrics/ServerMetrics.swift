// SPDX-License-Identifier: Apache-2.0
import NIOCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The server's Prometheus metrics, rendered in the text exposition format (version 0.0.4) by
/// `GET /metrics`.
///
/// Written by hand instead of pulling in swift-metrics + swift-prometheus: the set is small and
/// fixed, and every label value comes from a bounded set (route templates from the route table,
/// a fixed list of methods, numeric status codes), so a client cannot grow the series count.
public final class ServerMetrics: Sendable {
    struct RequestKey: Hashable {
        var route: String
        var method: String
        var code: Int
    }

    /// What requests record: kept per shard, so the event loops never wait on one another.
    struct RequestShard {
        var requests: [RequestKey: UInt64] = [:]
        var latency: [String: LatencyHistogram] = [:]
    }

    struct State {
        var handshakes: [String: UInt64] = [:]
        var handshakeFailures: UInt64 = 0
        var reloadsSucceeded: UInt64 = 0
        var reloadsFailed: UInt64 = 0
        var certificateExpiry: Int?
    }

    /// Requests are counted in one of these by the recording thread's identity: each event loop
    /// thread (nearly always) has a shard of its own, and a scrape merges them.
    private final class ShardBox: Sendable {
        let lock = Mutex(RequestShard())
    }
    private let shards: [ShardBox] = (0..<16).map { _ in ShardBox() }
    private let inFlight = Atomic<Int>(0)
    private let state = Mutex(State())
    private let collectors = Mutex<[@Sendable () -> String]>([])

    public init() {}

    /// Methods kept as label values; anything else is counted as `other`.
    static let knownMethods: Set<String> = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"]

    private var shard: ShardBox {
        let thread = UInt(pthread_self())
        return shards[Int((thread >> 12 ^ thread >> 20) & 15)]
    }

    // MARK: recording

    public func requestStarted() {
        inFlight.wrappingAdd(1, ordering: .relaxed)
    }

    /// `route` is the route's path template, or `unmatched` for paths not in the route table.
    public func requestFinished(route: String, method: String, code: Int, seconds: Double) {
        let method = Self.knownMethods.contains(method) ? method : "other"
        inFlight.wrappingSubtract(1, ordering: .relaxed)
        shard.lock.withLock {
            $0.requests[RequestKey(route: route, method: method, code: code), default: 0] += 1
            $0.latency[route, default: LatencyHistogram()].observe(seconds)
        }
    }

    /// A request the HTTP parser refused before it had a method and path (400, 431).
    public func requestRefusedByParser(code: Int) {
        shard.lock.withLock { $0.requests[RequestKey(route: "unparsed", method: "other", code: code), default: 0] += 1 }
    }

    public func certificateReloaded() { state.withLock { $0.reloadsSucceeded += 1 } }
    public func certificateReloadFailed() { state.withLock { $0.reloadsFailed += 1 } }
    public func setCertificateExpiry(epochSeconds: Int) { state.withLock { $0.certificateExpiry = epochSeconds } }

    /// Adds text from another part of TokenGate (e.g. the token broker) to every scrape. The
    /// closure returns complete exposition lines, `# HELP`/`# TYPE` included.
    public func addCollector(_ collector: @escaping @Sendable () -> String) {
        collectors.withLock { $0.append(collector) }
    }

    // MARK: reading

    public var handshakeFailures: UInt64 { state.withLock { $0.handshakeFailures } }
    public var certificateReloads: (succeeded: UInt64, failed: UInt64) {
        state.withLock { ($0.reloadsSucceeded, $0.reloadsFailed) }
    }

    /// The full exposition text.
    public func render() -> String {
        let snapshot = state.withLock { $0 }
        var requests = RequestShard()
        for shard in shards {
            let part = shard.lock.withLock { $0 }
            requests.requests.merge(part.requests, uniquingKeysWith: +)
            for (route, histogram) in part.latency { requests.latency[route, default: LatencyHistogram()].merge(histogram) }
        }
        var out = ""
        out += "# HELP tokengate_http_requests_total HTTP requests answered, by route template, method and status code.\n"
        out += "# TYPE tokengate_http_requests_total counter\n"
        for (key, value) in requests.requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.code) < ($1.key.route, $1.key.method, $1.key.code) }) {
            out += "tokengate_http_requests_total{route=\"\(key.route)\",method=\"\(key.method)\",code=\"\(key.code)\"} \(value)\n"
        }
        out += "# HELP tokengate_http_request_duration_seconds Time from the complete request to the response, by route template.\n"
        out += "# TYPE tokengate_http_request_duration_seconds histogram\n"
        for (route, histogram) in requests.latency.sorted(by: { $0.key < $1.key }) {
            histogram.render(name: "tokengate_http_request_duration_seconds", labels: "route=\"\(route)\"", into: &out)
        }
        out += "# HELP tokengate_http_requests_in_flight Requests received and not yet answered.\n"
        out += "# TYPE tokengate_http_requests_in_flight gauge\n"
        out += "tokengate_http_requests_in_flight \(inFlight.load(ordering: .relaxed))\n"
        out += "# HELP tokengate_tls_handshakes_total Completed TLS handshakes, by protocol version.\n"
        out += "# TYPE tokengate_tls_handshakes_total counter\n"
        for (version, value) in snapshot.handshakes.sorted(by: { $0.key < $1.key }) {
            out += "tokengate_tls_handshakes_total{version=\"\(version)\"} \(value)\n"
        }
        out += "# HELP tokengate_tls_handshake_failures_total TLS handshakes that failed (bad client, wrong CA, old protocol, timeout, plain HTTP).\n"
        out += "# TYPE tokengate_tls_handshake_failures_total counter\n"
        out += "tokengate_tls_handshake_failures_total \(snapshot.handshakeFailures)\n"
        out += "# HELP tokengate_tls_certificate_reloads_total Certificate reloads after the files changed, by result.\n"
        out += "# TYPE tokengate_tls_certificate_reloads_total counter\n"
        out += "tokengate_tls_certificate_reloads_total{result=\"success\"} \(snapshot.reloadsSucceeded)\n"
        out += "tokengate_tls_certificate_reloads_total{result=\"failure\"} \(snapshot.reloadsFailed)\n"
        if let expiry = snapshot.certificateExpiry {
            out += "# HELP tokengate_tls_certificate_expiry_timestamp_seconds notAfter of the serving certificate in use, as a Unix time.\n"
            out += "# TYPE tokengate_tls_certificate_expiry_timestamp_seconds gauge\n"
            out += "tokengate_tls_certificate_expiry_timestamp_seconds \(expiry)\n"
        }
        for collector in collectors.withLock({ $0 }) {
            out += collector()
        }
        return out
    }
}

extension ServerMetrics: TLSHandshakeObserver {
    public func tlsHandshakeSucceeded(_ info: TLSHandshakeCompleted) {
        // Protocol version strings come from OpenSSL ("TLSv1.2", "TLSv1.3"): a bounded set.
        state.withLock { $0.handshakes[info.protocolVersion, default: 0] += 1 }
    }

    public func tlsHandshakeFailed(_ reason: String, remoteAddress: SocketAddress?) {
        state.withLock { $0.handshakeFailures += 1 }
    }
}
