// SPDX-License-Identifier: Apache-2.0

extension JSONWriter {
    /// A JSON Patch as its array of operations, written straight from the operations: the same
    /// bytes as ``JSONPatch/serialized()`` (`op`, `path`, then `value`, in that order), without
    /// building a ``JSON`` tree or a Jansson value first. Inside ``base64String(_:)`` this is how
    /// an AdmissionReview response carries its patch in one pass.
    @inlinable public mutating func patch(_ patch: JSONPatch) {
        beginArray()
        for operation in patch.operations {
            beginObject()
            key("op")
            switch operation {
            case .add: string("add")
            case .remove: string("remove")
            case .replace: string("replace")
            case .test: string("test")
            }
            key("path")
            pointer(operation.path)
            switch operation {
            case .add(_, let value), .replace(_, let value), .test(_, let value):
                key("value")
                json(value)
            case .remove:
                break
            }
            endObject()
        }
        endArray()
    }

    /// A JSON Pointer as a string value (`"/spec/volumes/-"`), each token escaped twice: `~` and
    /// `/` as RFC 6901 says, then whatever JSON needs. No `String` is built for the pointer.
    @inlinable public mutating func pointer(_ pointer: JSONPointer) {
        separate()
        byte(UInt8(ascii: "\""))
        for token in pointer.tokens {
            byte(UInt8(ascii: "/"))
            var token = token
            token.withUTF8 { utf8 in
                var run = 0
                for index in 0..<utf8.count {
                    let byte = utf8[index]
                    let needsEscape = byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
                    guard needsEscape || byte == UInt8(ascii: "~") || byte == UInt8(ascii: "/") else { continue }
                    if run < index { write(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[run..<index])) }
                    switch byte {
                    case UInt8(ascii: "~"): scalarBytes("~0")
                    case UInt8(ascii: "/"): scalarBytes("~1")
                    default: escape(byte)
                    }
                    run = index + 1
                }
                if run < utf8.count { write(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[run...])) }
            }
        }
        byte(UInt8(ascii: "\""))
        needsComma = true
    }

    @inlinable mutating func scalarBytes(_ text: StaticString) {
        write(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
