// SPDX-License-Identifier: Apache-2.0
import Logging

/// Builds one JSON log line as bytes, in one pass: `{"key":value,…}` and a newline.
///
/// Strings are escaped as RFC 8259 asks (quote, backslash, and every control character), so a
/// client's bytes in a name or message can never break the line or forge a field. Swift strings
/// are valid UTF-8, so everything else is copied as it is — in runs: the bytes between two that
/// need an escape go into the line with one append, not one at a time.
struct LogLineEncoder {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var first = true

    init() { bytes.reserveCapacity(768) }

    mutating func key(_ key: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        string(key)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func field(_ key: String, string value: String) {
        self.key(key)
        string(value)
    }

    /// A string field whose value is ASCII that needs no escape (a timestamp), copied as is.
    mutating func field(_ key: String, plain value: UnsafeRawBufferPointer) {
        self.key(key)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: value)
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func value(_ value: Logger.Metadata.Value) {
        switch value {
        case .string(let text): string(text)
        case .stringConvertible(let convertible): string(convertible.description)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                self.value(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            bytes.append(UInt8(ascii: "{"))
            for (index, (key, item)) in dictionary.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                string(key)
                bytes.append(UInt8(ascii: ":"))
                self.value(item)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        bytes.append(0x0A)
        return bytes
    }

    private static let hex: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66)

    mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in escaped(UnsafeRawBufferPointer(utf8)) }
    }

    private mutating func escaped(_ utf8: UnsafeRawBufferPointer) {
        bytes.append(UInt8(ascii: "\""))
        var run = 0
        for index in 0..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if run < index { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: utf8[run..<index])) }
            run = index + 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
            case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            default:
                let hex = Self.hex
                let high = withUnsafeBytes(of: hex) { $0[Int(byte >> 4)] }
                let low = withUnsafeBytes(of: hex) { $0[Int(byte & 0xF)] }
                bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "u"))
                bytes.append(UInt8(ascii: "0")); bytes.append(UInt8(ascii: "0"))
                bytes.append(high); bytes.append(low)
            }
        }
        if run < utf8.count { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: utf8[run...])) }
        bytes.append(UInt8(ascii: "\""))
    }
}
