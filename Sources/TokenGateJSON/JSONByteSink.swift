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
}

extension Array: JSONByteSink where Element == UInt8 {
    @discardableResult
    public mutating func writeBytes(_ bytes: UnsafeRawBufferPointer) -> Int {
        append(contentsOf: bytes.assumingMemoryBound(to: UInt8.self))
        return bytes.count
    }
}
