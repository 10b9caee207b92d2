// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// Random ``JSON`` values for the writer's property tests: strings drawn from every C0 control,
/// the characters JSON escapes, DEL, U+2028/2029, noncharacters, astral scalars and combining
/// marks; integers at the Int64 edges; finite doubles of any bit pattern; nesting with distinct
/// keys per object (Jansson, the oracle, would merge duplicates) and no NUL in keys (Jansson
/// cannot hold one; the writer writes it as `\u0000` all the same).
struct RandomJSONValue {
    var random: SeededGenerator
    /// Whether doubles are generated (Jansson prints them differently, so byte-for-byte
    /// comparisons leave them out).
    var doubles = true

    init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    private static let scalars: [ClosedRange<UInt32>] = [
        0x00...0x1F, 0x22...0x22, 0x5C...0x5C, 0x2F...0x2F, 0x20...0x7E, 0x7F...0x7F, 0x80...0x7FF,
        0x2028...0x2029, 0x0300...0x036F, 0xFFFE...0xFFFF, 0x1F600...0x1F64F, 0x10FFFF...0x10FFFF, 0xE000...0xF8FF,
    ]

    mutating func string(key: Bool = false) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...12, using: &random) {
            let range = random.pick(Self.scalars)
            if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &random)), !(key && scalar == "\u{0}") {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    mutating func value(depth: Int) -> JSON {
        switch Int.random(in: 0..<(depth > 0 ? 9 : 6), using: &random) {
        case 0: return .null
        case 1: return .bool(random.chance(1, in: 2))
        case 2: return .int(random.pick([Int64.min, .max, 0, -1, 1 << 53, -(1 << 53) - 1, Int64.random(in: .min ... .max, using: &random)]))
        case 3 where doubles:
            let number = Double(bitPattern: random.next())
            return .double(number.isFinite ? number : -0.0)
        case 3, 4, 5: return .string(string())
        case 6: return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in value(depth: depth - 1) })
        default:
            var seen = Set<[UInt8]>()
            var members: [(String, JSON)] = []
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                let name = string(key: true)
                if seen.insert(Array(name.utf8)).inserted { members.append((name, value(depth: depth - 1))) }
            }
            return .object(members)
        }
    }
}
