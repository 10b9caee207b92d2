// SPDX-License-Identifier: Apache-2.0

/// Gives a YAML scalar the type OpenUnison's reader gives it.
///
/// OpenUnison converts `spec.tasks` with Jackson's `YAMLFactory`, which types plain scalars with
/// SnakeYAML's YAML 1.1 resolver: `yes`/`no`/`on`/`off` are booleans, `010` is octal, `0x1F` hex,
/// `1:30` sexagesimal, `~` null. Quoted and block scalars are always strings. Explicit tags
/// (`!!str 5`, `!!int "5"`) are honoured the way Jackson honours them. The API server's YAML reader
/// (go-yaml) follows the same YAML 1.1 rules for the cases that matter here, so the outer document
/// uses this resolver too.
enum YAMLScalarResolver {
    enum Style { case plain, quoted }

    static func resolve(_ text: String, style: Style, tag: String?) -> SpecValue.Kind {
        guard let tag, tag != "!" else {
            return style == .plain ? resolvePlain(text) : .string(text)
        }
        let name = tag.hasPrefix("tag:yaml.org,2002:") ? String(tag.dropFirst("tag:yaml.org,2002:".count)) : tag
        switch name {
        case "bool": return explicitBool(text).map { .bool($0) } ?? .string(text)
        case "int": return integer(text) ?? .string(text)
        case "float": return float(text) ?? .string(text)
        case "null": return .null
        default: return .string(text)
        }
    }

    static func resolvePlain(_ text: String) -> SpecValue.Kind {
        if let value = bool11(text) { return .bool(value) }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        default: break
        }
        // Numbers start with a digit, a sign or a point; most values do not, so skip the parsers.
        guard let first = text.utf8.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
            || first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
        else { return .string(text) }
        if let value = integer(text) { return value }
        if let value = float(text) { return value }
        return .string(text)
    }

    /// YAML 1.1 booleans as SnakeYAML's resolver matches them (three spellings each).
    static func bool11(_ text: String) -> Bool? {
        switch text {
        case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": true
        case "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": false
        default: nil
        }
    }

    /// Jackson's looser match for `!!bool`: also `y`/`n`, any case.
    private static func explicitBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "y", "yes", "on", "true": true
        case "n", "no", "off", "false": false
        default: nil
        }
    }

    /// YAML 1.1 integers: decimal, `0b…`, `0…` octal, `0x…`, and `1:30` base 60, underscores allowed.
    /// A value too large for 64 bits stays a number (a float), as Jackson keeps it numeric.
    static func integer(_ text: String) -> SpecValue.Kind? {
        var body = Substring(text)
        var negative = false
        if let sign = body.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        guard let first = body.first, first.isASCII, first.isNumber else { return nil }
        let digits: Substring
        let radix: Int
        if body.hasPrefix("0b") {
            digits = body.dropFirst(2)
            radix = 2
        } else if body.hasPrefix("0x") {
            digits = body.dropFirst(2)
            radix = 16
        } else if body.contains(":") {
            return sexagesimal(body, negative: negative)
        } else if body.count > 1 && first == "0" {
            digits = body.dropFirst()
            radix = 8
        } else {
            digits = body
            radix = 10
        }
        let cleaned = digits.filter { $0 != "_" }
        guard !cleaned.isEmpty, cleaned.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return nil }
        guard let magnitude = UInt64(cleaned, radix: radix) else {
            return cleaned.allSatisfy({ $0.isASCII && ($0.hexDigitValue ?? 99) < radix })
                ? .float(Double(String(cleaned)) ?? .infinity) : nil
        }
        if negative {
            if magnitude <= UInt64(Int64.max) { return .int(-Int64(magnitude)) }
            if magnitude == UInt64(Int64.max) + 1 { return .int(.min) }
            return .float(-Double(magnitude))
        }
        return magnitude <= UInt64(Int64.max) ? .int(Int64(magnitude)) : .float(Double(magnitude))
    }

    private static func sexagesimal(_ body: Substring, negative: Bool) -> SpecValue.Kind? {
        let parts = body.split(separator: ":", omittingEmptySubsequences: false)
        guard let head = parts.first, let first = head.first, first != "0",
            let headValue = Int64(head.filter { $0 != "_" })
        else { return nil }
        var value = headValue
        for part in parts.dropFirst() {
            guard (1...2).contains(part.count), let digit = Int64(part), digit < 60 else { return nil }
            let (scaled, overflow) = value.multipliedReportingOverflow(by: 60)
            let (sum, carry) = scaled.addingReportingOverflow(digit)
            guard !overflow, !carry else { return nil }
            value = sum
        }
        return .int(negative ? -value : value)
    }

    /// YAML 1.1 floats: `1.5`, `.5`, `1e3`, `1_000.5`, `.inf`, `.nan`.
    static func float(_ text: String) -> SpecValue.Kind? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .float(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
        case ".nan", ".NaN", ".NAN": return .float(.nan)
        default: break
        }
        var body = Substring(text)
        if let sign = body.first, sign == "-" || sign == "+" { body = body.dropFirst() }
        var mantissa = body
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = body[..<e]
            var exponent = body[body.index(after: e)...]
            if let sign = exponent.first, sign == "-" || sign == "+" { exponent = exponent.dropFirst() }
            guard !exponent.isEmpty, exponent.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        }
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        guard whole.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "_" }) else { return nil }
        if parts.count == 2 {
            let fraction = parts[1]
            guard fraction.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "_" }) else { return nil }
            // `.5` needs digits after the point; `5.` is fine.
            if whole.isEmpty && !fraction.contains(where: \.isNumber) { return nil }
        }
        // Digits alone that are no valid integer (`09`) still match SnakeYAML's float pattern.
        guard mantissa.contains(where: \.isNumber) else { return nil }
        let cleaned = text.filter { $0 != "_" }
        return .float(Double(cleaned) ?? 0)
    }
}
