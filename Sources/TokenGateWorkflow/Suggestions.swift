// SPDX-License-Identifier: Apache-2.0

/// "Did you mean …?" for misspelled keys and values, plus the known mistakes that edit distance
/// cannot guess (units from the docs, `tokenType: token`).
enum Suggestions {
    /// The closest candidate: an exact match ignoring case, otherwise the nearest within a small
    /// edit distance, otherwise nil.
    static func closest(to word: String, in candidates: [String]) -> String? {
        let lowered = word.lowercased()
        if let sameCase = candidates.first(where: { $0.lowercased() == lowered }) { return sameCase }
        let limit = max(1, min(3, word.count / 3))
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased(), limit: limit)
            if distance <= limit, distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        if let best { return best.candidate }
        // `groups` → `group`, `filters` → `filter`, `uidAttr` → `uidAttribute`.
        let prefixed = candidates.filter { lowered.hasPrefix($0.lowercased()) || $0.lowercased().hasPrefix(lowered) }
        return lowered.count >= 3 && prefixed.count == 1 ? prefixed[0] : nil
    }

    static func didYouMean(_ word: String, in candidates: [String]) -> String? {
        closest(to: word, in: candidates).map { "did you mean \(Quoted($0))?" }
    }

    /// Escalation units people write because DOCS `configuring-openunison.md` lists them.
    static func escalationUnit(_ unit: String) -> String? {
        switch unit.lowercased() {
        case "hour", "hours", "h": "use \"hr\" for hours"
        case "minute", "minutes", "m", "mins": "use \"min\" for minutes"
        case "second", "seconds", "s", "secs": "use \"sec\" for seconds"
        case "week", "weeks", "w", "wks": "use \"wk\" for weeks"
        case "days", "d": "use \"day\" for days"
        case "month", "months", "year", "years":
            "months and years are not supported (the OpenUnison docs list them, but the parser rejects them); "
                + "count in \"day\", e.g. 30 day"
        default: nil
        }
    }

    /// Edit distance counting a swap of neighbours as one edit (`oicd` → `oidc`), bounded: returns
    /// `limit + 1` as soon as the answer exceeds `limit`.
    static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        if abs(a.count - b.count) > limit { return limit + 1 }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var beforePrevious = Array(repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], beforePrevious[j - 2] + 1)
                }
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > limit { return limit + 1 }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[b.count]
    }

    /// `a, b and c`.
    static func list(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + items[items.count - 1]
    }
}
