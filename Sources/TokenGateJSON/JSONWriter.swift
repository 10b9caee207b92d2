// SPDX-License-Identifier: Apache-2.0

/// Writes compact JSON in one pass, straight into a ``JSONByteSink`` (a `[UInt8]`, or in the
/// server the outgoing NIO `ByteBuffer`): no tree is built and nothing is serialized twice.
///
/// Commas are the writer's business: it remembers only whether the next value or key needs one,
/// which is enough because every container starts without and every finished value or container
/// needs one before the next. Keys and values are the caller's business: in an object, call
/// ``key(_:)`` before each value. ``base64String(_:)`` writes a JSON string holding the base64
/// of whatever its body writes, which is how a webhook answers with a patch without building it
/// first.
///
/// ```swift
/// var writer = JSONWriter(into: [UInt8]())     // or the response's ByteBuffer
/// writer.object { w in
///     w.key("apiVersion"); w.string("admission.k8s.io/v1")
///     w.key("kind"); w.string("AdmissionReview")
///     w.key("response"); w.object { w in
///         w.key("uid"); w.string(uid)
///         w.key("allowed"); w.bool(true)
///         w.key("patchType"); w.string("JSONPatch")
///         w.key("patch"); w.base64String { w in w.json(patch.json) }
///     }
/// }
/// send(writer.sink)
/// ```
///
/// The writer is generic over its sink and runs in other modules (the server, with a
/// `ByteBuffer`), so its code is `@inlinable`: specialized there it wrote the benchmark's
/// response in 2.9 µs instead of 8.1 µs (hack/bench-json.sh).
public struct JSONWriter<Sink: JSONByteSink> {
    /// Everything written so far.
    public var sink: Sink
    @usableFromInline var needsComma = false
    /// Set inside ``base64String(_:)``: every byte goes through it on its way to the sink.
    @usableFromInline var base64: Base64StreamEncoder?

    @inlinable public init(into sink: Sink) {
        self.sink = sink
    }

    // MARK: Containers

    @inlinable public mutating func beginObject() { open(UInt8(ascii: "{")) }
    @inlinable public mutating func endObject() { close(UInt8(ascii: "}")) }
    @inlinable public mutating func beginArray() { open(UInt8(ascii: "[")) }
    @inlinable public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// An object whose members `body` writes (``key(_:)`` then a value, for each).
    @inlinable public mutating func object(_ body: (inout Self) throws -> Void) rethrows {
        beginObject()
        try body(&self)
        endObject()
    }

    /// An array whose elements `body` writes.
    @inlinable public mutating func array(_ body: (inout Self) throws -> Void) rethrows {
        beginArray()
        try body(&self)
        endArray()
    }

    /// A member name; the next value written is its value.
    @inlinable public mutating func key(_ name: String) {
        separate()
        escaped(name)
        byte(UInt8(ascii: ":"))
        needsComma = false
    }

    // MARK: Scalars

    @inlinable public mutating func null() { scalar("null") }
    @inlinable public mutating func bool(_ value: Bool) { scalar(value ? "true" : "false") }
    @inlinable public mutating func int(_ value: Int) { int(Int64(value)) }

    @inlinable public mutating func int(_ value: Int64) {
        separate()
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = value.magnitude
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 { start -= 1; digits[start] = UInt8(ascii: "-") }
            write(UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: digits[start...])))
        }
        needsComma = true
    }

    /// The shortest text that reads back as `value`. JSON has no infinity or NaN; like ``JSON``
    /// (through Jansson), they are written as `0.0`.
    @inlinable public mutating func double(_ value: Double) { scalar(value.isFinite ? value.description : "0.0") }

    // MARK: Base64

    /// A JSON string holding the standard base64 (with padding) of what `body` writes, encoded
    /// as it is written. `body` writes one JSON text (typically an array); base64 strings do not
    /// nest. If `body` throws, the output so far is incomplete and should be dropped.
    @inlinable public mutating func base64String(_ body: (inout Self) throws -> Void) rethrows {
        precondition(base64 == nil, "base64String does not nest")
        separate()
        byte(UInt8(ascii: "\""))
        base64 = Base64StreamEncoder()
        needsComma = false
        do {
            try body(&self)
        } catch {
            base64 = nil
            throw error
        }
        var encoder = base64.take()!
        encoder.finish(into: &sink)
        byte(UInt8(ascii: "\""))
        needsComma = true
    }

    /// A JSON string holding the standard base64 of `bytes` (a certificate bundle, say).
    @inlinable public mutating func base64String(bytes: UnsafeRawBufferPointer) {
        base64String { writer in writer.write(bytes) }
    }

    // MARK: Plumbing

    @inlinable mutating func separate() {
        if needsComma { byte(UInt8(ascii: ",")) }
    }

    @inlinable mutating func open(_ bracket: UInt8) {
        separate()
        byte(bracket)
        needsComma = false
    }

    @inlinable mutating func close(_ bracket: UInt8) {
        byte(bracket)
        needsComma = true
    }

    @inlinable mutating func scalar(_ text: StaticString) {
        separate()
        write(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        needsComma = true
    }

    @inlinable mutating func scalar(_ text: String) {
        separate()
        var text = text
        text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
        needsComma = true
    }

    /// A complete JSON text, as is: the caller vouches for it (it came from a parser).
    @inlinable mutating func verbatim(_ bytes: UnsafeRawBufferPointer) {
        separate()
        write(bytes)
        needsComma = true
    }

    @inlinable mutating func byte(_ value: UInt8) {
        if base64 != nil {
            withUnsafeBytes(of: value) { base64!.encode($0, into: &sink) }
        } else {
            sink.writeByte(value)
        }
    }

    @inlinable mutating func write(_ bytes: UnsafeRawBufferPointer) {
        if base64 != nil {
            base64!.encode(bytes, into: &sink)
        } else {
            sink.writeBytes(bytes)
        }
    }
}

extension JSONWriter: Sendable where Sink: Sendable {}
