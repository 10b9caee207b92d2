// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// An equality-based label selector: every listed label must be present with that value.
/// An empty selector matches every object (Kubernetes semantics).
public struct LabelSelector: Sendable, Hashable, CustomStringConvertible {
    public var matchLabels: [String: String]

    public init(_ matchLabels: [String: String]) { self.matchLabels = matchLabels }

    /// Parses `key=value,key2=value2` (the `kubectl -l` form, equality only).
    public init(parsing text: String) throws(ConfigError) {
        var labels: [String: String] = [:]
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = pair[0].trimmingSpaces
            guard pair.count == 2, !key.isEmpty else {
                throw ConfigError("label selector \"\(text)\": expected key=value pairs separated by commas")
            }
            labels[key] = pair[1].trimmingSpaces
        }
        self.matchLabels = labels
    }

    public func matches(_ labels: [String: String]) -> Bool {
        matchLabels.allSatisfy { labels[$0.key] == $0.value }
    }

    public var description: String {
        matchLabels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    /// What OpenUnison's Helm charts and operator put on the objects they manage (openunison.md §2).
    public static let openUnisonDefaults: [LabelSelector] = [
        LabelSelector(["app.kubernetes.io/part-of": "openunison"]),
        LabelSelector(["app.kubernetes.io/managed-by": "openunison-operator"]),
        LabelSelector(["operated-by": "openunison-operator"]),
    ]

    /// The opt-in label, honoured whatever selectors are configured.
    public static let optIn = LabelSelector([ProjectionAnnotations.inject: "true"])
}

extension Substring {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}

/// Labels or annotations read in place from the request, as a string-to-string map: a missing
/// map is empty and a non-string value reads as absent. No dictionary is built and no value is
/// copied to be compared (an object's annotations carry `last-applied-configuration`, kilobytes).
struct StringMapView {
    let map: JSONView.Value?

    subscript(key: String) -> String? { map?[key]?.string }

    func has(_ key: String, _ text: String) -> Bool { map?[key]?.isString(text) ?? false }

    func has(_ key: String) -> Bool { map?[key]?.kind == .string }
}

extension LabelSelector {
    func matches(_ labels: StringMapView) -> Bool {
        matchLabels.allSatisfy { labels.has($0.key, $0.value) }
    }
}

extension ProjectionSettings {
    /// ``selects(labels:)`` for labels read in place.
    func selects(labels: StringMapView) -> Bool {
        LabelSelector.optIn.matches(labels) || selectors.contains { $0.matches(labels) }
    }
}
