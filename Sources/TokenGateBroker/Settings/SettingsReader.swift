// SPDX-License-Identifier: Apache-2.0
import Yams

/// A YAML node plus its dotted path, with typed accessors that fail with ``SettingsError``.
///
/// Every mapping is read through ``keys(allowed:)`` first, so a misspelt key (`maxTTL` for
/// `maxTTLSeconds`) is an error instead of a silently ignored default.
struct SettingsReader {
    let node: Node
    let path: String

    var line: Int? { node.mark?.line }

    func fail(_ message: String) -> SettingsError { SettingsError(path: path, line: line, message) }

    /// The mapping's keys, after checking each is known and none repeats.
    @discardableResult
    func keys(allowed: Set<String>) throws(SettingsError) -> Set<String> {
        guard let mapping = node.mapping else { throw fail("must be a mapping") }
        var seen: Set<String> = []
        for (key, _) in mapping {
            guard let name = key.string else { throw fail("has a key that is not a string") }
            guard allowed.contains(name) else {
                throw SettingsError(path: path + "." + name, line: key.mark?.line,
                                    "unknown key; expected one of: \(allowed.sorted().joined(separator: ", "))")
            }
            guard seen.insert(name).inserted else {
                throw SettingsError(path: path + "." + name, line: key.mark?.line, "key appears twice")
            }
        }
        return seen
    }

    func child(_ key: String) -> SettingsReader? {
        guard let value = node.mapping?[key], value.null == nil else { return nil }
        return SettingsReader(node: value, path: path + "." + key)
    }

    func elements() throws(SettingsError) -> [SettingsReader] {
        guard let sequence = node.sequence else { throw fail("must be a list") }
        return sequence.enumerated().map { SettingsReader(node: $1, path: "\(path)[\($0)]") }
    }

    func string() throws(SettingsError) -> String {
        guard let scalar = node.scalar, !scalar.string.isEmpty else { throw fail("must be a non-empty string") }
        return scalar.string
    }

    func int(in range: ClosedRange<Int64>) throws(SettingsError) -> Int64 {
        guard let value = node.int, range.contains(Int64(value)) else {
            throw fail("must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int64(value)
    }

    func bool() throws(SettingsError) -> Bool {
        guard let value = node.bool else { throw fail("must be true or false") }
        return value
    }

    func strings() throws(SettingsError) -> [String] {
        var out: [String] = []
        for element in try elements() { out.append(try element.string()) }
        return out
    }

    // Optional-key conveniences.
    func string(_ key: String) throws(SettingsError) -> String? { try child(key)?.string() }
    func int(_ key: String, in range: ClosedRange<Int64>) throws(SettingsError) -> Int64? { try child(key)?.int(in: range) }
    func bool(_ key: String) throws(SettingsError) -> Bool? { try child(key)?.bool() }
    func strings(_ key: String) throws(SettingsError) -> [String]? { try child(key)?.strings() }

    func required(_ key: String) throws(SettingsError) -> SettingsReader {
        guard let value = child(key) else { throw SettingsError(path: path + "." + key, line: line, "is required") }
        return value
    }
}

/// URL checks shared by the settings readers.
enum URLRules {
    /// An `https://host…` URL without query or fragment: what Kubernetes requires of an issuer
    /// that serves discovery, and what TokenGate requires of its own issuer.
    static func isHTTPSWithoutQuery(_ url: String) -> Bool {
        guard url.hasPrefix("https://"), url.count > "https://".count else { return false }
        return !url.contains("?") && !url.contains("#") && !url.contains(where: { $0.isWhitespace })
    }
}
