// SPDX-License-Identifier: Apache-2.0

/// Small lookups in UTF-8 source text: lines, columns and indentation, counted the way libyaml
/// counts them (columns in Unicode scalars; `\n`, `\r\n` and `\r` end a line).
enum SourceText {
    /// The 1-based line and column of the byte at `offset`.
    static func position(ofByte offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> SourcePosition {
        var line = 1
        var column = 1
        var index = 0
        let end = min(offset, bytes.count)
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte == UInt8(ascii: "\r") {
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") {
                    index += 1
                }
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            index += 1
        }
        return SourcePosition(line: line, column: column)
    }

    /// The byte offset of the `characterIndex`-th Unicode scalar (libyaml's `mark.index`).
    static func byteOffset(ofCharacterIndex characterIndex: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var seen = -1
        for (offset, byte) in bytes.enumerated() where byte & 0xC0 != 0x80 {
            seen += 1
            if seen == characterIndex { return offset }
        }
        return nil
    }

    /// The ASCII character at a libyaml character index, or nil for anything else.
    static func character(atCharacterIndex characterIndex: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Character? {
        guard let offset = byteOffset(ofCharacterIndex: characterIndex, in: bytes), bytes[offset] < 0x80 else {
            return nil
        }
        return Character(Unicode.Scalar(bytes[offset]))
    }

    /// Byte offset where 1-based `line` starts, or nil past the end.
    static func lineStart(_ line: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        if line == 1 { return 0 }
        var current = 1
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if byte == UInt8(ascii: "\r"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") {
                    index += 1
                }
                current += 1
                if current == line { return index + 1 }
            }
            index += 1
        }
        return nil
    }

    /// Leading spaces of the first line after `headerLine` that holds anything but spaces: where
    /// libyaml finds a block scalar's content indentation when no indicator gives it.
    static func firstContentIndent(after headerLine: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard var index = lineStart(headerLine + 1, in: bytes) else { return nil }
        var spaces = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "):
                spaces += 1
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                spaces = 0
            default:
                return spaces
            }
            index += 1
        }
        return nil
    }

    /// The explicit indentation indicator of a block scalar header (`|2`, `>-4`), if any.
    static func indentationIndicator(atCharacterIndex characterIndex: Int, in bytes: UnsafeBufferPointer<UInt8>)
        -> Int?
    {
        guard var offset = byteOffset(ofCharacterIndex: characterIndex, in: bytes) else { return nil }
        offset += 1  // past `|` or `>`
        for _ in 0..<2 where offset < bytes.count {
            let byte = bytes[offset]
            if byte >= UInt8(ascii: "1") && byte <= UInt8(ascii: "9") { return Int(byte - UInt8(ascii: "0")) }
            guard byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") else { return nil }
            offset += 1
        }
        return nil
    }

    /// Offset of the first byte that is not part of valid UTF-8 (the start of the bad sequence),
    /// or nil when all of it is valid.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}
