// SPDX-License-Identifier: Apache-2.0

extension PostgresConnectionString {
    /// `dsn` with every password replaced by `***`, for logs and error messages.
    ///
    /// The string is read the way libpq reads it, not matched by a pattern, because a pattern
    /// misses forms libpq accepts: quoted values with spaces and `\'`, backslash escapes, blanks
    /// around `=`, the password in a URI's user info, and `password`/`sslpassword` URI query
    /// parameters (with percent-encoded keys too). Where libpq would stop at a syntax error, the
    /// end of a value is unknowable, so everything from the first password keyword on is masked.
    public static func redacted(_ dsn: String) -> String {
        let text = Array(dsn.utf8)
        let masked = schemeEnd(text).map { redactURI(text, authorityStart: $0) } ?? redactKeywordValues(text)
        return String(decoding: masked, as: UTF8.self)
    }

    private static let stars = Array("***".utf8)

    private static func isSecret<C: Collection<UInt8>>(_ keyword: C) -> Bool {
        PostgresConnection.secretKeywords.contains(String(decoding: keyword, as: UTF8.self).lowercased())
    }

    /// libpq's `isspace` in the C locale.
    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }

    // MARK: key=value

    /// libpq's `conninfo_parse`: blanks, a keyword up to `=` or a blank, blanks, `=`, blanks, then a
    /// value that is either single-quoted (to the next unescaped `'`) or runs to the next blank; in
    /// both, a backslash takes the next character literally.
    private static func redactKeywordValues(_ text: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        while index < text.count {
            if isBlank(text[index]) {
                output.append(text[index])
                index += 1
                continue
            }
            let keywordStart = index
            while index < text.count, text[index] != UInt8(ascii: "="), !isBlank(text[index]) { index += 1 }
            let keyword = text[keywordStart..<index]
            var valueStart = index
            while valueStart < text.count, isBlank(text[valueStart]) { valueStart += 1 }
            guard valueStart < text.count, text[valueStart] == UInt8(ascii: "=") else {
                return output + maskingFromFirstSecret(text[keywordStart...])  // libpq: missing "="
            }
            valueStart += 1
            while valueStart < text.count, isBlank(text[valueStart]) { valueStart += 1 }
            output += text[keywordStart..<valueStart]
            guard let valueEnd = endOfValue(text, from: valueStart) else {  // libpq: unterminated quote
                return output + (isSecret(keyword) ? stars : maskingFromFirstSecret(text[valueStart...]))
            }
            output += isSecret(keyword) ? stars : Array(text[valueStart..<valueEnd])
            index = valueEnd
        }
        return output
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

    /// `text` up to the first secret keyword (any case) and its `=`, then `***` instead of the rest.
    private static func maskingFromFirstSecret(_ text: ArraySlice<UInt8>) -> [UInt8] {
        let lowered = text.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }
        var first: (start: Int, end: Int)?
        for secret in PostgresConnection.secretKeywords.map({ Array($0.utf8) }) {
            guard let start = lowered.firstRange(of: secret)?.lowerBound else { continue }
            if first == nil || start < first!.start { first = (start, start + secret.count) }
        }
        guard let first else { return Array(text) }
        var end = first.end
        while end < lowered.count, isBlank(lowered[end]) || lowered[end] == UInt8(ascii: "=") { end += 1 }
        return Array(text.prefix(end)) + stars
    }

    // MARK: URI

    /// The index after `scheme://` when `text` starts with a URI scheme. Any scheme counts, not
    /// only libpq's two: a mistyped scheme must not put its password in the log either.
    private static func schemeEnd(_ text: [UInt8]) -> Int? {
        func isLetter(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte | 0x20) }
        guard let first = text.first, isLetter(first),
              let separator = text.firstRange(of: Array("://".utf8))?.lowerBound,
              text[..<separator].allSatisfy({ isLetter($0) || (0x30...0x39).contains($0) || "+.-".utf8.contains($0) })
        else { return nil }
        return separator + 3
    }

    /// `scheme://[user[:password]@]host…[?key=value&…]`. The user info ends at the last `@` before
    /// the query rather than libpq's first, so that a password with a raw `@` or `/` is masked whole.
    private static func redactURI(_ text: [UInt8], authorityStart: Int) -> [UInt8] {
        var output = Array(text[..<authorityStart])
        var rest = authorityStart
        if let firstAt = text[authorityStart...].firstIndex(of: UInt8(ascii: "@")) {
            let queryStart = text[firstAt...].firstIndex(of: UInt8(ascii: "?")) ?? text.count
            let lastAt = text[firstAt..<queryStart].lastIndex(of: UInt8(ascii: "@")) ?? firstAt
            if let colon = text[authorityStart..<firstAt].firstIndex(of: UInt8(ascii: ":")) {
                output += text[authorityStart...colon] + stars
                rest = lastAt
            }
        }
        guard let query = text[rest...].firstIndex(of: UInt8(ascii: "?")) else { return output + text[rest...] }
        output += text[rest...query]
        var parameters: [[UInt8]] = []
        var maskingSecret = false
        for parameter in text[(query + 1)...].split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false) {
            guard let equals = parameter.firstIndex(of: UInt8(ascii: "=")) else {
                // No "=": libpq refuses it; after a secret it is most likely the secret's own raw "&".
                if !maskingSecret { parameters.append(Array(parameter)) }
                continue
            }
            maskingSecret = isSecret(percentDecoded(parameter[..<equals]))
            parameters.append(maskingSecret ? Array(parameter[...equals]) + stars : Array(parameter))
        }
        return output + Array(parameters.joined(separator: [UInt8(ascii: "&")]))
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
