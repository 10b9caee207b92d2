// SPDX-License-Identifier: Apache-2.0

/// Masking passwords in `postgresql://` URIs (see ``PostgresConnectionString/redacted(_:)``).
extension PostgresConnectionString {
    /// The index after `scheme://` when `text` starts with a URI scheme. Any scheme counts, not
    /// only libpq's two: a mistyped scheme must not put its password in the log either.
    static func schemeEnd(_ text: [UInt8]) -> Int? {
        func isLetter(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte | 0x20) }
        guard let first = text.first, isLetter(first),
              let separator = text.firstRange(of: Array("://".utf8))?.lowerBound,
              text[..<separator].allSatisfy({ isLetter($0) || (0x30...0x39).contains($0) || "+.-".utf8.contains($0) })
        else { return nil }
        return separator + 3
    }

    /// The secrets of `scheme://[user[:password]@]host…[/dbname][?key=value&…]`: what libpq reads,
    /// and what the user meant where a raw `@`, `/`, `?` or `&` in a password makes libpq read
    /// something else. A URI libpq refuses has no reading to trust: then everything from the first
    /// `:` to the last `@` is masked too.
    static func uriSecrets(_ text: [UInt8], authorityStart: Int, parses: Bool) -> [Range<Int>] {
        let (at, colon) = (UInt8(ascii: "@"), UInt8(ascii: ":"))
        var secrets: [Range<Int>] = []
        // libpq: the user info runs to the first "@" before any "/"; the password follows its first ":".
        if let end = text[authorityStart...].firstIndex(where: { $0 == at || $0 == UInt8(ascii: "/") }), text[end] == at,
           let split = text[authorityStart..<end].firstIndex(of: colon) {
            secrets.append(split + 1..<end)
        }
        // Meant: a ":" ahead of anything query-like starts a password that runs to the last "@"
        // before the query, so a raw "@" or "/" in it does not leave its tail in the log.
        if let firstAt = text[authorityStart...].firstIndex(of: at),
           let split = text[authorityStart..<firstAt].firstIndex(where: { ":?=&".utf8.contains($0) }), text[split] == colon {
            let queryStart = text[firstAt...].firstIndex(of: UInt8(ascii: "?")) ?? text.count
            secrets.append(split + 1..<(text[firstAt..<queryStart].lastIndex(of: at) ?? firstAt))
        }
        if !parses, let split = text[authorityStart...].firstIndex(of: colon), let lastAt = text.lastIndex(of: at),
           split < lastAt {
            secrets.append(split + 1..<lastAt)
        }
        // Query parameters, read from every "?": a raw "?" in the user info must not hide them.
        for (index, byte) in text.enumerated() where index >= authorityStart && byte == UInt8(ascii: "?") {
            secrets += parameterSecrets(text, from: index + 1)
        }
        return secrets
    }

    /// libpq's query: `key=value` parameters split at `&`, keys percent-decoded. After a password,
    /// parameters libpq would refuse (no `=`, an unknown key) are most likely the rest of a
    /// password with a raw `&` in it, and are masked with it.
    private static func parameterSecrets(_ text: [UInt8], from queryStart: Int) -> [Range<Int>] {
        var secrets: [Range<Int>] = []
        var afterSecret = false
        var start = queryStart
        while start <= text.count {
            let end = text[start...].firstIndex(of: UInt8(ascii: "&")) ?? text.count
            let equals = text[start..<end].firstIndex(of: UInt8(ascii: "="))
            let key = String(decoding: percentDecoded(text[start..<(equals ?? end)]), as: UTF8.self)
            if afterSecret, equals == nil || !(PostgresConnection.keywords.contains(key) || key == "ssl") {
                secrets.append(start - 1..<end)
            } else if let equals, isSecret(key.utf8) {
                secrets.append(equals + 1..<end)
                afterSecret = true
            } else {
                afterSecret = false
            }
            start = end + 1
        }
        return secrets
    }

    private static func percentDecoded(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == UInt8(ascii: "%"), index + 2 < text.endIndex,
               let byte = UInt8(String(decoding: text[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                output.append(byte)
                index += 3
            } else {
                output.append(text[index])
                index += 1
            }
        }
        return output
    }
}
