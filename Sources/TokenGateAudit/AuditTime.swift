// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A wall-clock instant in microseconds since the Unix epoch (UTC).
///
/// Stored as a plain 64-bit integer in both stores so that SQLite and PostgreSQL hold identical
/// values, range queries are integer comparisons on an index, and no time zone ever enters the trail.
public struct AuditTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }
    public init(seconds: Int64) { self.microseconds = seconds &* 1_000_000 }

    /// The current wall-clock time.
    public static func now() -> AuditTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return AuditTime(microseconds: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000)
    }

    public var seconds: Int64 { microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000 }

    public static func < (lhs: AuditTime, rhs: AuditTime) -> Bool { lhs.microseconds < rhs.microseconds }

    public func adding(seconds: Int64) -> AuditTime { AuditTime(microseconds: microseconds &+ seconds &* 1_000_000) }

    /// RFC 3339 in UTC with microseconds, e.g. `2025-01-31T12:00:00.123456Z`.
    public var rfc3339: String {
        let (date, fraction) = civil()
        return date + "." + pad(Int(fraction), 6) + "Z"
    }

    /// RFC 3339 in UTC to the second, for tables people read.
    public var rfc3339Seconds: String { civil().0 + "Z" }

    public var description: String { rfc3339 }

    private func civil() -> (String, Int64) {
        var secs = time_t(seconds)
        var parts = tm()
        gmtime_r(&secs, &parts)
        let text = pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-" + pad(Int(parts.tm_mday), 2)
            + "T" + pad(Int(parts.tm_hour), 2) + ":" + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2)
        return (text, microseconds - seconds * 1_000_000)
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension AuditTime {
    /// Parses what a person types after `--since`/`--until`: RFC 3339 (`2025-01-31T12:00:00Z`,
    /// fractions and `+02:00` offsets allowed), a date (`2025-01-31`, midnight UTC), Unix seconds
    /// (`@1738324800`), or an age counted back from `now` (`90s`, `15m`, `2h`, `7d`).
    public static func parse(_ text: String, now: AuditTime = .now()) -> AuditTime? {
        let text = text.trimmingSpaces()
        guard !text.isEmpty else { return nil }
        if text.hasPrefix("@"), let secs = Int64(text.dropFirst()) { return AuditTime(seconds: secs) }
        if let unit = text.last, "smhdw".contains(unit), let count = Int64(text.dropLast()), count >= 0 {
            let scale: Int64 = switch unit {
            case "s": 1
            case "m": 60
            case "h": 3600
            case "d": 86400
            default: 7 * 86400
            }
            return now.adding(seconds: -count * scale)
        }
        return parseRFC3339(text)
    }

    /// Strict RFC 3339 / ISO date parsing; nil for anything else.
    public static func parseRFC3339(_ text: String) -> AuditTime? {
        let bytes = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[from..<(from + count)] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0, 4), bytes.count >= 10, bytes[4] == 45, let month = number(5, 2),
              bytes[7] == 45, let day = number(8, 2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var hour = 0, minute = 0, second = 0, micros: Int64 = 0, offset = 0
        var index = 10
        if bytes.count > 10 {
            guard bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == 32,
                  let h = number(11, 2), bytes.count > 13, bytes[13] == 58, let m = number(14, 2),
                  bytes.count > 16, bytes[16] == 58, let s = number(17, 2), h < 24, m < 60, s < 61
            else { return nil }
            (hour, minute, second) = (h, m, s)
            index = 19
            if index < bytes.count, bytes[index] == 46 {
                index += 1
                var digits = 0
                while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                    if digits < 6 { micros = micros * 10 + Int64(bytes[index] - 48) }
                    digits += 1
                    index += 1
                }
                guard digits > 0 else { return nil }
                for _ in digits..<max(digits, 6) { micros *= 10 }
            }
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                index += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard let oh = number(index + 1, 2), bytes.count > index + 3, bytes[index + 3] == 58,
                      let om = number(index + 4, 2) else { return nil }
                offset = (oh * 60 + om) * 60 * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
                index += 6
            default:
                return nil
            }
        }
        guard index == bytes.count else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let epoch = Int64(timegm(&parts)) - Int64(offset)
        return AuditTime(microseconds: epoch * 1_000_000 + micros)
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
