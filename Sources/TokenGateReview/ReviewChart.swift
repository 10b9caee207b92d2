// SPDX-License-Identifier: Apache-2.0
import TokenGateAudit

/// A stacked bar chart of buckets, laid out on the server as numbers for an inline SVG: no script,
/// nothing fetched. Series names (they come from the trail) are only ever text, escaped by the template.
struct ReviewChart {
    static let width = 960.0, height = 240.0, left = 48.0, bottom = 28.0, top = 10.0
    /// Fixed colours by meaning: green for tokens issued and workloads projected, reds for denials,
    /// ambers for skips (static tokens), greys for the rest; within a family by rank in the legend.
    static let families: [(prefix: String, colors: [String])] = [
        ("issued", ["#2e7d32"]), ("projected", ["#2e7d32"]),
        ("denied", ["#c62828", "#e57373", "#8e0000", "#ff8a80", "#ad1457"]),
        ("skipped", ["#ef6c00", "#ffb300", "#8d6e63", "#ffcc80", "#f57f17"]),
    ]
    static let others = ["#546e7a", "#90a4ae", "#1565c0", "#6a1b9a"]
    static let otherColor = "#bdbdbd"
    /// At most this many series in the legend; the smallest of the rest are summed into "other".
    static let maxSeries = 9

    static func colors(for names: some Sequence<String>) -> [String: String] {
        var used: [String: Int] = [:]
        var result: [String: String] = [:]
        for name in names {
            let family = families.first { name.hasPrefix($0.prefix) }
            let palette = family?.colors ?? others
            let key = family?.prefix ?? ""
            result[name] = palette[used[key, default: 0] % palette.count]
            used[key, default: 0] += 1
        }
        return result
    }

    struct Bar { var x, y, w, h: Double; var color: String; var title: String }
    struct Legend { var name: String; var color: String; var total: Int }
    struct Tick { var x: Double; var label: String }

    var bars: [Bar] = []
    var legend: [Legend] = []
    var ticks: [Tick] = []
    var yTicks: [(y: Double, label: String)] = []
    var total = 0

    /// - Parameter order: series drawn first (bottom), e.g. `issued` or `projected`; others follow by size.
    init(_ buckets: [ReviewBucket], bucketMicros: Int64, first order: [String]) {
        var totals: [String: Int] = [:]
        for bucket in buckets { for (name, count) in bucket.counts { totals[name, default: 0] += count } }
        var names = order.filter { totals[$0] != nil }
        names += totals.keys.filter { !order.contains($0) }.sorted { (totals[$0]!, $1) > (totals[$1]!, $0) }
        // More series than colours: the smallest are summed into "other".
        let shown = names.prefix(Self.maxSeries - 1)
        let color = Self.colors(for: shown)
        let other = "other"
        legend = shown.map { Legend(name: $0, color: color[$0]!, total: totals[$0]!) }
        let otherTotal = names.dropFirst(shown.count).reduce(0) { $0 + totals[$1]! }
        if otherTotal > 0 { legend.append(Legend(name: other, color: Self.otherColor, total: otherTotal)) }
        total = totals.values.reduce(0, +)

        let peak = max(1, buckets.map { $0.counts.values.reduce(0, +) }.max() ?? 1)
        let plotWidth = Self.width - Self.left - 8, plotHeight = Self.height - Self.top - Self.bottom
        let step = plotWidth / Double(max(buckets.count, 1))
        for (index, bucket) in buckets.enumerated() {
            var y = Self.height - Self.bottom
            let x = Self.left + Double(index) * step
            var stack: [(String, Int, String)] = shown.compactMap { name in
                bucket.counts[name].map { (name, $0, color[name]!) }
            }
            let rest = bucket.counts.filter { !shown.contains($0.key) }.values.reduce(0, +)
            if rest > 0 { stack.append((other, rest, Self.otherColor)) }
            for (name, count, fill) in stack {
                let h = plotHeight * Double(count) / Double(peak)
                y -= h
                bars.append(Bar(x: x, y: y, w: max(step - 1, 1), h: h, color: fill,
                                title: "\(bucket.start.rfc3339Seconds) \(name): \(count)"))
            }
        }
        // About eight time labels along the bottom.
        let every = max(1, buckets.count / 8)
        for index in stride(from: 0, to: buckets.count, by: every) {
            let text = buckets[index].start.rfc3339Seconds  // 2026-12-05T10:00:00Z
            let label = bucketMicros >= 86_400_000_000 ? String(text.prefix(10)) : String(text.dropFirst(5).prefix(11))
            ticks.append(Tick(x: Self.left + Double(index) * step, label: label.replacingOccurrences("T", " ")))
        }
        yTicks = [(Self.top, String(peak)), (Self.top + plotHeight / 2, String(peak / 2)), (Self.height - Self.bottom, "0")]
    }

    /// The mustache context of the `chart` partial.
    func context(title: String, id: String) -> [String: Any] {
        func n(_ value: Double) -> String { String(Double(Int(value * 10)) / 10) }
        return [
            "title": title, "id": id, "width": n(Self.width), "height": n(Self.height), "total": total,
            "axisX": n(Self.left), "axisY": n(Self.height - Self.bottom), "axisRight": n(Self.width - 8),
            "bars": bars.map { ["x": n($0.x), "y": n($0.y), "w": n($0.w), "h": n($0.h), "color": $0.color, "title": $0.title] },
            "legend": legend.map { ["name": $0.name, "color": $0.color, "total": $0.total] },
            "ticks": ticks.map { ["x": n($0.x), "label": $0.label, "y": n(Self.height - 10)] },
            "yTicks": yTicks.map { ["y": n($0.y + 4), "label": $0.label, "x": n(Self.left - 4)] },
        ]
    }
}

extension String {
    func replacingOccurrences(_ target: Character, _ replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
