// SPDX-License-Identifier: Apache-2.0

/// A Prometheus histogram of request durations in seconds (cumulative buckets are computed when
/// rendered; here each bucket counts only its own range).
public struct LatencyHistogram: Sendable {
    /// From 0.5 ms (a cached admission decision) to 10 s (the API server's default webhook timeout).
    public static let bounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    public private(set) var counts = [UInt64](repeating: 0, count: LatencyHistogram.bounds.count + 1)
    public private(set) var sum: Double = 0
    public private(set) var count: UInt64 = 0

    public init() {}

    public mutating func observe(_ seconds: Double) {
        var index = Self.bounds.count  // +Inf
        for (i, bound) in Self.bounds.enumerated() where seconds <= bound {
            index = i
            break
        }
        counts[index] += 1
        sum += seconds
        count += 1
    }

    /// Adds another histogram's observations (shards are merged when rendered).
    public mutating func merge(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] += other.counts[index] }
        sum += other.sum
        count += other.count
    }

    /// Exposition lines for one label set (`labels` is `key="value",...` without braces).
    public func render(name: String, labels: String, into out: inout String) {
        var cumulative: UInt64 = 0
        let prefix = labels.isEmpty ? "" : labels + ","
        for (i, bound) in Self.bounds.enumerated() {
            cumulative += counts[i]
            out += "\(name)_bucket{\(prefix)le=\"\(Self.format(bound))\"} \(cumulative)\n"
        }
        cumulative += counts[Self.bounds.count]
        out += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(cumulative)\n"
        out += "\(name)_sum{\(labels)} \(sum)\n"
        out += "\(name)_count{\(labels)} \(count)\n"
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
