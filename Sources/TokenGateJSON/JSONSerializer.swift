// SPDX-License-Identifier: Apache-2.0
import CJansson

enum JSONSerializer {
    /// JSON_REAL_PRECISION(17): a function-like macro, which Swift cannot import.
    static let realPrecision17 = (17 & 0x1F) << 11
    static let compactFlags = Int(JSON_COMPACT) | Int(JSON_ENCODE_ANY) | realPrecision17

    /// Serializes compactly into a right-sized byte array (Jansson measures first, then writes).
    static func dump(_ value: UnsafePointer<json_t>, flags: Int = compactFlags) -> [UInt8] {
        let size = json_dumpb(value, nil, 0, flags)
        guard size > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            let written = buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: size) {
                json_dumpb(value, $0, size, flags)
            }
            initialized = min(written, size)
        }
    }

    /// Human-readable serialization with two-space indent, for CLI output.
    static func dumpPretty(_ value: UnsafePointer<json_t>) -> [UInt8] {
        dump(value, flags: 2 /* JSON_INDENT(2) */ | Int(JSON_ENCODE_ANY) | realPrecision17)
    }
}

extension JSONNode {
    /// Indented serialization for people (two spaces).
    public func prettySerialized() -> [UInt8] { JSONSerializer.dumpPretty(raw) }
}
