// SPDX-License-Identifier: Apache-2.0

extension PostgresConnectionString {
    /// `dsn` with every password replaced by `***`, for logs and error messages.
    ///
    /// The string is read the way libpq reads it, not matched by one pattern, because a pattern
    /// misses forms libpq accepts: quoted values with spaces and `\'`, backslash escapes, blanks
    /// around `=`, the password in a URI's user info, and `password`/`sslpassword` URI query
    /// parameters (with percent-encoded keys too). What is masked is the union of libpq's reading
    /// and what the user evidently meant where libpq reads something else or refuses the string
    /// (`dbname= password=x`, an unquoted password with a blank, a raw `@` in a URI password):
    /// masking too much costs a log line some detail, masking too little leaks the password.
    public static func redacted(_ dsn: String) -> String {
        let text = Array(dsn.utf8)
        let parses = (try? PostgresConnection.options(of: dsn)) != nil
        let secrets = schemeEnd(text).map { uriSecrets(text, authorityStart: $0, parses: parses) }
            ?? keywordValueSecrets(text, parses: parses)
        return String(decoding: masking(text, secrets), as: UTF8.self)
    }

    static func isSecret<C: Collection<UInt8>>(_ keyword: C) -> Bool {
        PostgresConnection.secretKeywords.contains(String(decoding: keyword, as: UTF8.self).lowercased())
    }

    /// libpq's `isspace` in the C locale.
    static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }

    /// `text` with each run of overlapping or touching `ranges` replaced by one `***`.
    static func masking(_ text: [UInt8], _ ranges: [Range<Int>]) -> [UInt8] {
        var merged: [Range<Int>] = []
        for range in ranges.filter({ !$0.isEmpty }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        var output: [UInt8] = []
        var copied = 0
        for range in merged {
            output += text[copied..<range.lowerBound] + Array("***".utf8)
            copied = range.upperBound
        }
        return output + text[copied...]
    }

    // MARK: key=value

    /// The password values of a `key=value` string: libpq's reading, every `password =` wherever
    /// it stands, and, when libpq refuses the string, everything after the first password keyword
    /// (an unquoted password with a blank in it, say, continues past where libpq stopped).
    private static func keywordValueSecrets(_ text: [UInt8], parses: Bool) -> [Range<Int>] {
        let values = libpqValues(text)
        var secrets = values.filter(\.isSecret).map(\.range) + anywhere(text, inside: values.map(\.range))
        if !parses { secrets.append(fromFirstSecret(text)) }
        return secrets
    }

    /// libpq's `conninfo_parse`: blanks, a keyword up to `=` or a blank, blanks, `=`, blanks, then a
    /// value that is either single-quoted (to the next unescaped `'`) or runs to the next blank; in
    /// both, a backslash takes the next character literally. Returns where each value is, and
    /// whether its keyword is a secret one, up to where libpq would stop.
    private static func libpqValues(_ text: [UInt8]) -> [(range: Range<Int>, isSecret: Bool)] {
        var values: [(range: Range<Int>, isSecret: Bool)] = []
        var index = 0
        while index < text.count {
            if isBlank(text[index]) {
                index += 1
                continue
            }
            let keywordStart = index
            while index < text.count, text[index] != UInt8(ascii: "="), !isBlank(text[index]) { index += 1 }
            guard let valueStart = afterEquals(text, index) else { break }  // libpq: missing "="
            let valueEnd = endOfValue(text, from: valueStart) ?? text.count  // libpq: unterminated quote
            values.append((valueStart..<valueEnd, isSecret(text[keywordStart..<index])))
            index = valueEnd
        }
        return values
    }

    /// The value after every secret keyword (any case) followed by `=`, wherever it stands, to the
    /// end of the libpq value it may sit in: in `user= password=x` libpq reads `password=x` as the
    /// user name, which its errors repeat.
    private static func anywhere(_ text: [UInt8], inside values: [Range<Int>]) -> [Range<Int>] {
        let lowered = text.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }
        return PostgresConnection.secretKeywords.flatMap { keyword in
            lowered.ranges(of: Array(keyword.utf8)).compactMap { found -> Range<Int>? in
                guard let start = afterEquals(text, found.upperBound) else { return nil }
                let enclosing = values.first { $0.contains(found.lowerBound) }?.upperBound ?? 0
                return start..<max(endOfValue(text, from: start) ?? text.count, enclosing)
            }
        }
    }

    /// Everything after the first secret keyword (any case) and its `=`.
    private static func fromFirstSecret(_ text: [UInt8]) -> Range<Int> {
        let lowered = text.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }
        let found = PostgresConnection.secretKeywords.compactMap { lowered.firstRange(of: Array($0.utf8)) }
        guard let first = found.min(by: { $0.lowerBound < $1.lowerBound }) else { return text.count..<text.count }
        var start = first.upperBound
        while start < text.count, isBlank(text[start]) || text[start] == UInt8(ascii: "=") { start += 1 }
        return start..<text.count
    }

    /// Where a value starts when `index` is followed by blanks, `=` and blanks; nil without the `=`.
    private static func afterEquals(_ text: [UInt8], _ index: Int) -> Int? {
        var index = index
        while index < text.count, isBlank(text[index]) { index += 1 }
        guard index < text.count, text[index] == UInt8(ascii: "=") else { return nil }
        index += 1
        while index < text.count, isBlank(text[index]) { index += 1 }
        return index
    }

    /// Where the value starting at `start` ends (after its closing quote); nil when a quote is never closed.
    private static func endOfValue(_ text: [UInt8], from start: Int) -> Int? {
        let quoted = start < text.count && text[start] == UInt8(ascii: "'")
        var index = quoted ? start + 1 : start
        while index < text.count {
            switch text[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "'") where quoted: return index + 1
            case let byte where !quoted && isBlank(byte): return index
            default: index += 1
            }
        }
        return quoted ? nil : text.count
    }
}
