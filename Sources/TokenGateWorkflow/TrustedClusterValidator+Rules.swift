// SPDX-License-Identifier: Apache-2.0

/// The rules the CRD schema states too (names, URLs), and the PEM check it cannot state.
extension TrustedClusterValidator {
    /// A DNS label (RFC 1123), the CRD's metadata.name pattern.
    public static func isClusterName(_ name: String) -> Bool {
        guard let first = name.first, let last = name.last, name.utf8.count <= 63 else { return false }
        return name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" } && first != "-" && last != "-"
    }

    static func suggestedName(_ name: String) -> String {
        let mapped = String(name.lowercased().map { ($0.isASCII && ($0.isLetter || $0.isNumber)) ? $0 : "-" })
        let trimmed = mapped.drop { $0 == "-" }.reversed().drop { $0 == "-" }.reversed()
        let result = String(String(trimmed).prefix(63))
        return result.isEmpty ? "prod-b" : result
    }

    /// `https://host[:port][/path]`, without query, fragment or whitespace.
    public static func isHTTPSURL(_ url: String) -> Bool {
        guard url.hasPrefix("https://"), let host = host(url), !host.isEmpty else { return false }
        return !url.contains("?") && !url.contains("#") && !url.contains(where: { $0.isWhitespace }) && !url.contains("@")
    }

    /// The lowercased host of an https URL (no port).
    public static func host(_ url: String) -> String? {
        guard url.hasPrefix("https://") else { return nil }
        let authority = url.dropFirst("https://".count).prefix { $0 != "/" }
        if authority.hasPrefix("[") { return authority.firstIndex(of: "]").map { String(authority[...$0]).lowercased() } }
        return String(authority.prefix { $0 != ":" }).lowercased()
    }

    /// Why `text` is not a PEM bundle of certificates, or nil when it is one.
    public static func pemProblem(_ text: String) -> String? {
        var blocks = 0
        var inBlock: String?
        var body = ""
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty { continue }
            if let label = inBlock {
                if line == "-----END \(label)-----" {
                    guard body.count % 4 == 0, !body.isEmpty else {
                        return "the \(label) block's base64 is cut short (\(body.count) characters, not a multiple of 4)"
                    }
                    blocks += 1
                    inBlock = nil
                    body = ""
                } else if line.hasPrefix("-----") {
                    return "a \(label) block is not closed before \(Quoted(String(line)))"
                } else if line.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "/" || $0 == "=") }) {
                    body += line
                } else {
                    return "a \(label) block holds a line that is not base64: \(Quoted(String(line)))"
                }
            } else if line.hasPrefix("-----BEGIN "), line.hasSuffix("-----") {
                let label = String(line.dropFirst("-----BEGIN ".count).dropLast(5))
                guard label == "CERTIFICATE" else {
                    return label.contains("PRIVATE KEY")
                        ? "the bundle holds a \(label): never put a key here, only the CA's certificate"
                        : "the bundle holds a \(label) block; only CERTIFICATE blocks belong in a CA bundle"
                }
                inBlock = label
            } else {
                return blocks == 0 ? "is not PEM: it does not start with -----BEGIN CERTIFICATE-----"
                    : "has text between certificates: \(Quoted(String(line)))"
            }
        }
        if let inBlock { return "the last \(inBlock) block has no -----END \(inBlock)----- line" }
        return blocks == 0 ? "is not PEM: it holds no -----BEGIN CERTIFICATE----- block" : nil
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var result = self
        while result.first?.isWhitespace == true { result = result.dropFirst() }
        while result.last?.isWhitespace == true { result = result.dropLast() }
        return result
    }
}
