// SPDX-License-Identifier: Apache-2.0

/// Media-type comparison for `Content-Type` checks: case-insensitive, parameters ignored, so
/// `application/json; charset=utf-8` matches `application/json`.
public enum ContentType {
    public static func mediaType(of header: String) -> String {
        let base = header.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return base.trimmingWhitespace().lowercased()
    }

    public static func matches(_ header: String?, anyOf accepted: [String]) -> Bool {
        guard let header else { return false }
        let type = mediaType(of: header)
        return accepted.contains { $0.lowercased() == type }
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
