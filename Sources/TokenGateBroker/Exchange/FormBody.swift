// SPDX-License-Identifier: Apache-2.0

/// An `application/x-www-form-urlencoded` body (the WHATWG/HTML form encoding RFC 6749 uses):
/// `name=value` pairs joined by `&`, `+` for space, `%XX` escapes, UTF-8.
///
/// Bounded before anything is decoded (size and pair count), strict about escapes (a `%` not
/// followed by two hex digits is an error, not a literal), and decoded values must be UTF-8.
public struct FormBody: Sendable {
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// A token request is a JWT plus a few short fields; 64 KiB is generous.
    public static let maximumBytes = 64 * 1024
    public static let maximumFields = 64

    /// The pairs in body order, names and values decoded.
    public let fields: [(name: String, value: String)]

    public init(parsing body: [UInt8], maximumBytes: Int = maximumBytes) throws(Problem) {
        guard body.count <= maximumBytes else {
            throw Problem(description: "request body is \(body.count) bytes; at most \(maximumBytes) are accepted")
        }
        var fields: [(name: String, value: String)] = []
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            guard fields.count < Self.maximumFields else {
                throw Problem(description: "request has more than \(Self.maximumFields) parameters")
            }
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0])
            let value = parts.count > 1 ? try Self.decode(parts[1]) : ""
            guard !name.isEmpty else { throw Problem(description: "request has a parameter without a name") }
            fields.append((name, value))
        }
        self.fields = fields
    }

    /// All values of `name`, in order.
    public func values(_ name: String) -> [String] { fields.filter { $0.name == name }.map(\.value) }

    static func decode(_ bytes: ArraySlice<UInt8>) throws(Problem) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "+"):
                out.append(UInt8(ascii: " "))
                index += 1
            case UInt8(ascii: "%"):
                guard index + 2 < bytes.endIndex,
                    let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2])
                else { throw Problem(description: "request has a malformed %-escape") }
                out.append(high << 4 | low)
                index += 3
            default:
                out.append(byte)
                index += 1
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else {
            throw Problem(description: "request parameters are not valid UTF-8")
        }
        return text
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - 48
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - 87
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - 55
        default: nil
        }
    }
}
