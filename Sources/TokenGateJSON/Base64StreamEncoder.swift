// SPDX-License-Identifier: Apache-2.0

/// Standard base64 (RFC 4648 §4, with padding) computed as the bytes arrive, in any pieces.
///
/// An AdmissionReview response carries its JSON Patch as base64 inside a JSON string. With this
/// encoder between the writer and the buffer, the patch is written once, straight into the
/// response, instead of being built, serialized and encoded in three passes. The output is the
/// same as ``Base64/encode(_:)`` of all the bytes together.
public struct Base64StreamEncoder: Sendable {
    /// Input not yet encoded. A JSON writer hands over a token at a time (a bracket, a key, a
    /// short string), so bytes are gathered here and encoded a few hundred at a time: one tight
    /// loop and one sink write per chunk instead of several per token.
    @usableFromInline var staged: [UInt8] = []
    /// Encode once this much is staged (a multiple of 3, so nothing stays behind but the tail).
    @usableFromInline static var chunk: Int { 64 * 3 }

    @inlinable public init() {}

    /// Encodes `bytes` into `sink`, keeping up to a chunk (and a last incomplete group) for later calls.
    @inlinable public mutating func encode(_ bytes: UnsafeRawBufferPointer, into sink: inout some JSONByteSink) {
        if staged.capacity == 0 { staged.reserveCapacity(Self.chunk + 64) }
        staged.append(contentsOf: bytes.assumingMemoryBound(to: UInt8.self))
        guard staged.count >= Self.chunk else { return }
        let whole = staged.count - staged.count % 3
        staged.withUnsafeBytes { Self.encodeGroups(UnsafeRawBufferPointer(rebasing: $0[0..<whole]), into: &sink) }
        staged.removeFirst(whole)
    }

    /// Writes what is staged, the last group with its padding. The encoder is then empty and can start again.
    @inlinable public mutating func finish(into sink: inout some JSONByteSink) {
        let whole = staged.count - staged.count % 3
        staged.withUnsafeBytes { Self.encodeGroups(UnsafeRawBufferPointer(rebasing: $0[0..<whole]), into: &sink) }
        let tail = staged.count - whole
        if tail > 0 {
            var group = UInt32(staged[whole]) << 16
            if tail == 2 { group |= UInt32(staged[whole + 1]) << 8 }
            Self.write(group, padding: 3 - tail, into: &sink)
        }
        staged.removeAll(keepingCapacity: true)
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
