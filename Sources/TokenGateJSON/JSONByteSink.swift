// SPDX-License-Identifier: Apache-2.0

/// Where ``JSONWriter`` puts its bytes.
///
/// The requirement is spelled exactly as SwiftNIO's `ByteBuffer.writeBytes(_: UnsafeRawBufferPointer)`,
/// so the server makes its outgoing buffer a sink with an empty `extension ByteBuffer:
/// JSONByteSink {}` and writes a response straight into it — without this module depending on NIO.
public protocol JSONByteSink {
    /// Appends `bytes`; returns how many were written (all of them).
    @discardableResult
    mutating func writeBytes(_ bytes: UnsafeRawBufferPointer) -> Int

    /// Appends one byte (a bracket, a comma, a quote): the writer's most frequent call, which a
    /// sink can make cheaper than a one-byte buffer.
    mutating func writeByte(_ byte: UInt8)
}

extension JSONByteSink {
    @inlinable public mutating func writeByte(_ byte: UInt8) {
        withUnsafeBytes(of: byte) { _ = writeBytes($0) }
    }
}

extension Array: JSONByteSink where Element == UInt8 {
    @discardableResult
    public mutating func writeBytes(_ bytes: UnsafeRawBufferPointer) -> Int {
        append(contentsOf: bytes.assumingMemoryBound(to: UInt8.self))
        return bytes.count
    }

    @inlinable public mutating func writeByte(_ byte: UInt8) { append(byte) }
}
