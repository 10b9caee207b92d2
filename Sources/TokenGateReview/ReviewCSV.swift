// SPDX-License-Identifier: Apache-2.0

/// CSV (RFC 4180) for the review lists' downloads.
///
/// Every field is quoted, quotes doubled, so commas and line breaks in values stay inside their
/// cell. A value that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab
/// or a carriage return — names and reasons come from the cluster and from callers) gets a leading
/// `'`, which spreadsheets show as text (OWASP's advice on CSV injection).
public enum ReviewCSV {
    public static func render(header: [String], rows: [[String]]) -> String {
        var out = line(header)
        for row in rows { out += line(row) }
        return out
    }

    static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    static func field(_ value: String) -> String {
        var value = value
        if let first = value.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
            value = "'" + value
        }
        return "\"" + value.replacingQuotes() + "\""
    }
}

extension String {
    func replacingQuotes() -> String {
        var out = ""
        for character in self {
            if character == "\"" { out += "\"\"" } else { out.append(character) }
        }
        return out
    }
}
