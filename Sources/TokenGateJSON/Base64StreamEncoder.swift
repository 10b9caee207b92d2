// SPDX-License-Identifier: Apache-2.0

/// Standard base64 (RFC 4648 §4, with padding) computed as the bytes arrive, in any pieces.
///
/// An AdmissionReview response carries its JSON Patch as base64 inside a JSON string. With this
/// encoder between the writer and the buffer, the patch is written once, straight into the
/// response, instead of being built, serialized and encoded in three passes. The output is the
/// same as ``Base64/encode(_:)`` of all the bytes together.
public struct Base64StreamEncoder: Sendable {
    /// Up to two bytes waiting for a third, most significant first.
    @usableFromInline var pending: UInt32 = 0
    @usableFromInline var pendingCount = 0

    @inlinable public init() {}

    /// Encodes `bytes` into `sink`, keeping a last incomplete group for the next call.
    @inlinable public mutating func encode(_ bytes: UnsafeRawBufferPointer, into sink: inout some JSONByteSink) {
        var index = 0
        while pendingCount > 0, pendingCount < 3, index < bytes.count {
            pending = pending << 8 | UInt32(bytes[index])
            pendingCount += 1
            index += 1
        }
        if pendingCount == 3 {
            Self.write(pending, padding: 0, into: &sink)
            pending = 0
            pendingCount = 0
        }
        // Whole groups straight from the input, a chunk at a time into a stack buffer.
        let groups = (bytes.count - index) / 3
        if groups > 0 {
            Self.encodeGroups(UnsafeRawBufferPointer(rebasing: bytes[index..<(index + groups * 3)]), into: &sink)
            index += groups * 3
        }
        while index < bytes.count {
            pending = pending << 8 | UInt32(bytes[index])
            pendingCount += 1
            index += 1
        }
    }

    /// Writes the last group with its padding. The encoder is then empty and can start again.
    @inlinable public mutating func finish(into sink: inout some JSONByteSink) {
        guard pendingCount > 0 else { return }
        Self.write(pending << (8 * UInt32(3 - pendingCount)), padding: 3 - pendingCount, into: &sink)
        pending = 0
        pendingCount = 0
    }

    /// One group of 24 bits as four characters, the last `padding` of them `=`.
    @inlinable static func write(_ n: UInt32, padding: Int, into sink: inout some JSONByteSink) {
        let table = alphabet
        var group: (UInt8, UInt8, UInt8, UInt8) = (
            table[Int(n >> 18 & 63)], table[Int(n >> 12 & 63)],
            padding >= 2 ? UInt8(ascii: "=") : table[Int(n >> 6 & 63)],
            padding >= 1 ? UInt8(ascii: "=") : table[Int(n & 63)]
        )
        withUnsafeBytes(of: &group) { _ = sink.writeBytes($0) }
    }

    /// `input.count` is a multiple of 3.
    @inlinable static func encodeGroups(_ input: UnsafeRawBufferPointer, into sink: inout some JSONByteSink) {
        let chunkGroups = 64
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: chunkGroups * 4) { out in
            alphabet.withUnsafeBufferPointer { table in
                var i = 0
                while i < input.count {
                    let groups = min(chunkGroups, (input.count - i) / 3)
                    for g in 0..<groups {
                        let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
                        out[g * 4] = table[Int(n >> 18 & 63)]
                        out[g * 4 + 1] = table[Int(n >> 12 & 63)]
                        out[g * 4 + 2] = table[Int(n >> 6 & 63)]
                        out[g * 4 + 3] = table[Int(n & 63)]
                        i += 3
                    }
                    _ = sink.writeBytes(UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: out[0..<(groups * 4)])))
                }
            }
        }
    }

    @usableFromInline static let alphabet = Base64.alphabet
}
