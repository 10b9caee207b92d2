// SPDX-License-Identifier: Apache-2.0

/// Media-type comparison for `Content-Type` checks: case-insensitive, parameters ignored, so
/// `application/json; charset=utf-8` matches `application/json`.
public enum ContentType {
    public static func mediaType(of header: String) -> String {
        let base = header.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return base.trimmingWhitespace().lowercased()
    }

    /// Checked on every request with a body, so an ASCII header (all real ones) is compared in
    /// place, byte by byte with ASCII case folding; anything else takes ``mediaType(of:)``'s
    /// Unicode-aware path, so the answer is the same either way.
    public static func matches(_ header: String?, anyOf accepted: [String]) -> Bool {
        guard let header else { return false }
        guard header.utf8.allSatisfy({ $0 < 0x80 }), accepted.allSatisfy({ $0.utf8.allSatisfy { $0 < 0x80 } }) else {
            let type = mediaType(of: header)
            return accepted.contains { $0.lowercased() == type }
        }
        var base = header.utf8[...]
        if let semicolon = base.firstIndex(of: UInt8(ascii: ";")) { base = base[..<semicolon] }
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        while let first = base.first, isBlank(first) { base = base.dropFirst() }
        while let last = base.last, isBlank(last) { base = base.dropLast() }
        func folded(_ byte: UInt8) -> UInt8 { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte }
        return accepted.contains { type in type.utf8.elementsEqual(base) { folded($0) == folded($1) } }
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var s = self
        while let first = s.first, first == " " || first == "\t" { s.removeFirst() }
        while let last = s.last, last == " " || last == "\t" { s.removeLast() }
        return s
    }
}
