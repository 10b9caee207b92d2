// SPDX-License-Identifier: Apache-2.0

/// The unique id of one audit event: 128 random bits written as a UUID (version 4).
///
/// The id is made when the event is made, before it is queued, and it is the primary key in both
/// stores. Replaying a spool file, retrying a batch whose commit answer was lost, or importing the
/// same file twice therefore never duplicates a row: the second insert of an id is ignored.
public struct AuditEventID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let text: String

    /// A fresh random id from the system's cryptographic generator.
    ///
    /// Two 64-bit draws, not sixteen 8-bit ones: each draw is a `getrandom` system call on Linux,
    /// and every exchange and admission makes an id on its request path.
    public init() {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for word in [generator.next(), generator.next()] as [UInt64] {
            withUnsafeBytes(of: word) { bytes.append(contentsOf: $0) }
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        self.text = AuditEventID.format(bytes)
    }

    /// Accepts a UUID in its canonical 8-4-4-4-12 hex form (any case; stored lowercase).
    public init?(_ text: String) {
        let lower = text.lowercased()
        let bytes = Array(lower.utf8)
        guard bytes.count == 36 else { return nil }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard byte == UInt8(ascii: "-") else { return nil }
            } else {
                guard (48...57).contains(byte) || (97...102).contains(byte) else { return nil }
            }
        }
        self.text = lower
    }

    public var description: String { text }

    public static func < (lhs: AuditEventID, rhs: AuditEventID) -> Bool { lhs.text < rhs.text }

    private static func format(_ bytes: [UInt8]) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if [4, 6, 8, 10].contains(index) { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
