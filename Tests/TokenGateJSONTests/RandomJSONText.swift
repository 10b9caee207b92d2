// SPDX-License-Identifier: Apache-2.0

/// Random JSON texts, written byte by byte rather than by any serializer under test: varied
/// whitespace, every escape, surrogate pairs (and now and then a lone one), non-ASCII, numbers of
/// every form, keys from a small pool so duplicates happen, and objects big enough (> 16 keys) for
/// the view's sorted duplicate check. Mostly valid; the invalid ones are as useful.
struct RandomJSONText {
    var random: SeededGenerator
    private var out: [UInt8] = []

    init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    mutating func document(maxDepth: Int) -> [UInt8] {
        out = []
        space()
        value(depth: maxDepth)
        space()
        return out
    }

    private mutating func emit(_ text: String) { out.append(contentsOf: text.utf8) }

    private mutating func space() {
        let count = random.chance(1, in: 3) ? Int.random(in: 1...3, using: &random) : 0
        for _ in 0..<count { out.append(random.pick([0x20, 0x0A, 0x0D, 0x09])) }
    }

    private mutating func value(depth: Int) {
        let roll = Int.random(in: 0..<10, using: &random)
        switch roll {
        case 0..<2 where depth > 0: array(depth: depth - 1)
        case 2..<4 where depth > 0: object(depth: depth - 1)
        case 4, 5: string(key: false)
        case 6, 7: number()
        default: emit(random.pick(["true", "false", "null"]))
        }
    }

    private mutating func array(depth: Int) {
        out.append(UInt8(ascii: "["))
        space()
        for index in 0..<Int.random(in: 0...5, using: &random) {
            if index > 0 { out.append(UInt8(ascii: ",")); space() }
            value(depth: depth)
            space()
        }
        out.append(UInt8(ascii: "]"))
    }

    private mutating func object(depth: Int) {
        out.append(UInt8(ascii: "{"))
        space()
        let large = random.chance(1, in: 8)
        let count = large ? Int.random(in: 17...40, using: &random) : Int.random(in: 0...5, using: &random)
        for index in 0..<count {
            if index > 0 { out.append(UInt8(ascii: ",")); space() }
            if large && !random.chance(1, in: 60) {
                emit("\"k\(index)\"")  // distinct, unless the 1-in-60 pool key repeats one
            } else {
                string(key: true)
            }
            space()
            out.append(UInt8(ascii: ":"))
            space()
            value(depth: depth)
            space()
        }
        out.append(UInt8(ascii: "}"))
    }

    private static let keyPool = ["a", "b", "k1", "k7", "\\u0061", "é", "\\u00e9", "name", ""]
    private static let pieces = [
        "a", "Z", "0", " ", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0000", "\\u001F",
        "\\u00e9", "\\u20AC", "\\uFFFF", "\\uD83D\\uDE00", "\\udbff\\udfff", "é", "✓", "😀", "\u{2028}", "\u{10FFFF}",
        "\u{7F}", "e\u{301}",
    ]
    private static let rarePieces = ["\\uD800", "\\uDC00", "\u{1}", "\t", "\\x", "\\u12G4"]

    private mutating func string(key: Bool) {
        out.append(UInt8(ascii: "\""))
        if key && random.chance(3, in: 4) {
            emit(random.pick(Self.keyPool))
        } else {
            for _ in 0..<Int.random(in: 0...8, using: &random) {
                emit(random.chance(1, in: 150) ? random.pick(Self.rarePieces) : random.pick(Self.pieces))
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private mutating func number() {
        switch Int.random(in: 0..<6, using: &random) {
        case 0: emit(String(Int64.random(in: .min ... .max, using: &random)))
        case 1: emit(String(Int.random(in: -1000...1000, using: &random)))
        case 2: emit(String(Double(bitPattern: random.next())).replacingNaN())
        case 3: emit("\(Int.random(in: -99...99, using: &random)).\(Int.random(in: 0...999, using: &random))e\(Int.random(in: -330...330, using: &random))")
        case 4: emit(random.pick(["9007199254740993", "-9223372036854775808", "9223372036854775807", "-0", "-0.0", "1E2", "0.1"]))
        default: emit(random.pick(JSONEdgeCases.numbers))
        }
    }
}

private extension String {
    /// Swift prints non-finite doubles as "nan"/"inf", which are not JSON; keep them as a test of
    /// refusal now and then, but mostly turn them into a number.
    func replacingNaN() -> String { contains("n") ? (hasPrefix("-") ? "-1.5e300" : "nan") : self }
}
