// SPDX-License-Identifier: Apache-2.0

extension JSONWriter {
    /// A string value, escaped as Jansson escapes (so responses read the same as before): `"`,
    /// `\` and the C0 controls, the common ones as `\n`-style pairs and the rest as `\u00XX`.
    /// Everything else — DEL, U+2028/2029, any non-ASCII — is written as its UTF-8, which JSON
    /// allows and a Swift `String` guarantees valid.
    @inlinable public mutating func string(_ value: String) {
        separate()
        escaped(value)
        needsComma = true
    }

    /// A string value from UTF-8 bytes that did not come from a Swift `String` (a header, a file),
    /// checked first: JSON text must be valid Unicode.
    /// - Throws: ``JSONError`` (`.encoding`) naming the byte offset of the first invalid sequence;
    ///   nothing is written then.
    @inlinable public mutating func string(utf8 bytes: UnsafeRawBufferPointer) throws(JSONError) {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput:
                separate()
                escaped(bytes)
                needsComma = true
                return
            case .error:
                throw JSONError(.encoding, "string is not valid UTF-8 (at byte \(offset) of \(bytes.count))")
            }
        }
    }

    @inlinable mutating func escaped(_ value: String) {
        var value = value
        value.withUTF8 { escaped(UnsafeRawBufferPointer($0)) }
    }

    /// Quotes `utf8`, copying runs that need no escape in one write each.
    @inlinable mutating func escaped(_ utf8: UnsafeRawBufferPointer) {
        byte(UInt8(ascii: "\""))
        var run = 0
        for index in 0..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if run < index { write(UnsafeRawBufferPointer(rebasing: utf8[run..<index])) }
            escape(byte)
            run = index + 1
        }
        if run < utf8.count { write(UnsafeRawBufferPointer(rebasing: utf8[run...])) }
        byte(UInt8(ascii: "\""))
    }

    @inlinable mutating func escape(_ byte: UInt8) {
        let backslash = UInt8(ascii: "\\")
        let short: UInt8? = switch byte {
        case UInt8(ascii: "\""): UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): backslash
        case 0x08: UInt8(ascii: "b")
        case 0x0C: UInt8(ascii: "f")
        case 0x0A: UInt8(ascii: "n")
        case 0x0D: UInt8(ascii: "r")
        case 0x09: UInt8(ascii: "t")
        default: nil
        }
        if let short {
            var pair = (backslash, short)
            withUnsafeBytes(of: &pair) { write($0) }
            return
        }
        // Any other C0 control: \u00XX, with upper-case hex as Jansson writes it.
        let high = UInt8(ascii: "0") + (byte >> 4), low = byte & 15
        var sequence = (backslash, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), high,
                        low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "A") + (low - 10))
        withUnsafeBytes(of: &sequence) { write($0) }
    }
}
