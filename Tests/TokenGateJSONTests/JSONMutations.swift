// SPDX-License-Identifier: Apache-2.0

/// Broken (and sometimes still valid) variants of a valid text, deterministic for a seed.
enum JSONMutations {
    /// Bytes a flip writes: JSON's own punctuation, digits, escapes' letters, control bytes and
    /// bytes that break UTF-8.
    static let interesting: [UInt8] = Array(#"{}[]:,"\/-+.0159eEtfnu "#.utf8) + [0x00, 0x01, 0x09, 0x0A, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xE2, 0xED, 0xF0, 0xFF]

    /// Prefixes ending every `step` bytes (a cut body).
    static func truncations(_ bytes: [UInt8], step: Int) -> [[UInt8]] {
        stride(from: 0, to: bytes.count, by: max(step, 1)).map { Array(bytes.prefix($0)) }
    }

    /// One byte replaced, inserted or removed at a random place, `count` times.
    static func edits(_ bytes: [UInt8], count: Int, random: inout SeededGenerator) -> [[UInt8]] {
        guard !bytes.isEmpty else { return [] }
        return (0..<count).map { _ in
            var copy = bytes
            let index = Int.random(in: 0..<copy.count, using: &random)
            let byte = random.chance(2, in: 3) ? random.pick(interesting) : UInt8.random(in: 0...255, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0: copy.insert(byte, at: index)
            case 1: copy.remove(at: index)
            default: copy[index] = byte
            }
            return copy
        }
    }

    /// Offsets of every object's first key (the `"` after `{`), found outside strings.
    static func firstKeyOffsets(_ bytes: [UInt8]) -> [Int] {
        var found: [Int] = []
        var inString = false, escaped = false, afterBrace = false
        for (index, byte) in bytes.enumerated() {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                if afterBrace { found.append(index) }
                inString = true
                afterBrace = false
            case UInt8(ascii: "{"): afterBrace = true
            case 0x20, 0x0A, 0x0D, 0x09: break
            default: afterBrace = false
            }
        }
        return found
    }

    /// `{"k":…` becomes `{"k":0,"k":…` — or, `escaped`, `{"\u006B":0,"k":…`, the same key to
    /// any reader that unescapes before comparing.
    static func duplicatingKey(_ bytes: [UInt8], at offset: Int, escaped: Bool) -> [UInt8] {
        var end = offset + 1
        while end < bytes.count, bytes[end] != UInt8(ascii: "\"") { end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1 }
        var key = Array(bytes[offset...min(end, bytes.count - 1)])
        if escaped, key.count > 2, key[1] < 0x80, key[1] != UInt8(ascii: "\\") {
            let hex = String(key[1], radix: 16)
            key.replaceSubrange(1...1, with: Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8))
        }
        var copy = bytes
        copy.insert(contentsOf: key + Array(":0,".utf8), at: offset)
        return copy
    }
}
