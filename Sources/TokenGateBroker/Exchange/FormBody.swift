// SPDX-License-Identifier: Apache-2.0

/// An `application/x-www-form-urlencoded` body (the WHATWG/HTML form encoding RFC 6749 uses):
/// `name=value` pairs joined by `&`, `+` for space, `%XX` escapes, UTF-8.
///
/// Bounded before anything is decoded (size and pair count), strict about escapes (a `%` not
/// followed by two hex digits is an error, not a literal), and decoded values must be UTF-8.
///
/// Read in one pass over the body's bytes: pairs and names are found by index, and a part with
/// no escape (a JWT is one) becomes its `String` straight from the body, without a copy first.
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
        let parsed = body.withUnsafeBufferPointer { bytes in Result { () throws(Problem) in try Self.fields(of: bytes) } }
        self.fields = try parsed.get()
    }

    /// All values of `name`, in order.
    public func values(_ name: String) -> [String] { fields.filter { $0.name == name }.map(\.value) }

    private static func fields(of body: UnsafeBufferPointer<UInt8>) throws(Problem) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        fields.reserveCapacity(8)
        var start = 0
        while start < body.count {
            var end = start
            while end < body.count, body[end] != UInt8(ascii: "&") { end += 1 }
            if end > start {  // empty pairs (`&&`) are skipped
                guard fields.count < maximumFields else {
                    throw Problem(description: "request has more than \(maximumFields) parameters")
                }
                var equals = start
                while equals < end, body[equals] != UInt8(ascii: "=") { equals += 1 }
                let name = try decode(UnsafeBufferPointer(rebasing: body[start..<equals]))
                let value = equals < end ? try decode(UnsafeBufferPointer(rebasing: body[(equals + 1)..<end])) : ""
                guard !name.isEmpty else { throw Problem(description: "request has a parameter without a name") }
                fields.append((name, value))
            }
            start = end + 1
        }
        return fields
    }

    static func decode(_ bytes: ArraySlice<UInt8>) throws(Problem) -> String {
        let decoded = bytes.withUnsafeBufferPointer { bytes in Result { () throws(Problem) in try decode(bytes) } }
        return try decoded.get()
    }

    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) throws(Problem) -> String {
        guard bytes.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw Problem(description: "request parameters are not valid UTF-8")
            }
            return text
        }
        // Decoded text is never longer than its encoding.
        let decoded = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count) { out in
            Result { () throws(Problem) -> String in
                var index = 0, count = 0
                while index < bytes.count {
                    let byte = bytes[index]
                    switch byte {
                    case UInt8(ascii: "+"):
                        out[count] = UInt8(ascii: " ")
                        index += 1
                    case UInt8(ascii: "%"):
                        guard index + 2 < bytes.count, let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2]) else {
                            throw Problem(description: "request has a malformed %-escape")
                        }
                        out[count] = high << 4 | low
                        index += 3
                    default:
                        out[count] = byte
                        index += 1
                    }
                    count += 1
                }
                guard let text = String(validating: UnsafeBufferPointer(rebasing: out[0..<count]), as: UTF8.self) else {
                    throw Problem(description: "request parameters are not valid UTF-8")
                }
                return text
            }
        }
        return try decoded.get()
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
