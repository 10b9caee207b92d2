// SPDX-License-Identifier: Apache-2.0

/// Hand-picked texts at the edges where two JSON readers are most likely to part ways: number
/// ranges, string escapes and surrogates, UTF-8, literals, structure, whitespace and what may
/// surround a document. Each is also tried nested in an array and as an object's value and key.
enum JSONEdgeCases {
    static let numbers = [
        "0", "-0", "0.0", "-0.0", "1", "-1", "9007199254740991", "9007199254740992", "9007199254740993",
        "-9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "18446744073709551615", "18446744073709551616", "99999999999999999999999",
        "1e400", "-1e400", "1e-400", "-1e-400", "1.7976931348623157e308", "1.7976931348623159e308", "1.8e308",
        "4.9e-324", "2.4e-324", "2.5e-324", "5e-324", "2.2250738585072011e-308", "0e400", "0e-400", "-0e5",
        "1E2", "1e+2", "1E-2", "1.5e0", "0.1", "0.30000000000000004", "1e22", "1e23", "1.0e-7",
        "100000000000000000000e-2", "12345678901234567890e0", "-12345678901234567890.0",
        "123456789012345678901234567890.5", "0.000000000000000000000000000001e30", "-9223372036854775808.0",
        "01", "-01", "00", "1.", "-.5", ".5", "+1", "1e", "1e+", "-", "--1", "1.e2", "0x10", "Infinity", "NaN",
        "-Infinity", "1_000", "1,5", "2.", "1e1.5", "1ee2",
    ]

    static let strings = [
        #""""#, #""a""#, #""\"\\\/\b\f\n\r\t""#, #""\u0041\u00e9\uFFFF\u2028""#, #""\uD83D\uDE00""#, #""\u0000""#,
        #""a\u0000b""#, #""\ud800""#, #""\udbff""#, #""\udc00""#, #""\udfff""#, #""\ud800\u0041""#, #""\ud800\ud800""#,
        #""\udc00\ud800""#, #""\ud83d\\ude00""#, #""\x""#, #""\'""#, #""\a""#, #""\u""#, #""\u12""#, #""\u12G4""#,
        #""\U0041""#, #""\""#, #"""#, #""abc"#, "\"\u{7F}\"", "\"\u{2028}\u{2029}\"", "\"é\"", "\"e\u{301}\"",
        "'a'", #""a"b""#,
    ] + (0..<0x20).map { "\"a\(String(UnicodeScalar(UInt8($0))))b\"" }

    static let literals = ["true", "false", "null", "tru", "nul", "fals", "True", "NULL", "truex", "nullnull", "t", "n"]

    static let structures = [
        "[]", "{}", "[,]", "[1,]", "[,1]", #"{"a"}"#, #"{"a":}"#, #"{"a":1,}"#, "{,}", "{1:2}", #"{"a" 1}"#,
        #"{"a"::1}"#, "[1 2]", "[[]]", "[[[]]", "]", "}", "[}", "{]", "", " ", "\t\n\r ", "\u{0C}1", "\u{0B}1",
        "\u{A0}1", "1 2", "{}{}", "[] ", "[]\u{0}", "\u{0}", "\u{FEFF}1", "\u{FEFF}{}", "{} // c", "/* */ {}",
        "[1]garbage", #"{"a":1}}"#, "[1]]", #"{"":1}"#, #"{"a":{"a":{"a":1}}}"#, #"{"a":1,"b":{"a":2}}"#,
        #"{"a":1,"A":2}"#, #"{"é":1,"e\u0301":2}"#, #"{"\u00e9":1,"é":2}"#, #"{"\u0000":1}"#, #"{"a\u0000b":1}"#,
        #"[{"a":1},{"a":1}]"#, #"{"a":1,"a":1}"#, #"{"a":[],"a":{}}"#,
    ]

    /// Raw NUL bytes right after a number or literal, which Jansson skips (see
    /// `JanssonSkippedNULs`) and the view refuses; and ones both refuse.
    static let nulAfterToken = ["1\u{0}", "[null\u{0}]", "{\"a\":true\u{0},\"b\":-2.5e3\u{0}}", "1\u{0}\u{0}", "\"s\"\u{0}", "[]\u{0}"]

    /// Byte sequences placed inside strings (value and key) and outside them.
    static let utf8: [[UInt8]] = [
        [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xC2], [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0x80, 0x80],
        [0xE0, 0xA0], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],
        [0xEE, 0x80, 0x80], [0xEF, 0xBF, 0xBF], [0xEF, 0xBB, 0xBF], [0xF0, 0x80, 0x80, 0x80],
        [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
        [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFE], [0xFF], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
    ]

    /// Every edge case alone and in three contexts; UTF-8 sequences in strings, keys and bare.
    static func all() -> [(name: String, bytes: [UInt8])] {
        var cases: [(String, [UInt8])] = []
        for text in numbers + strings + literals + structures + nulAfterToken {
            let bytes = Array(text.utf8)
            cases.append(("edge \(text.debugDescription)", bytes))
            cases.append(("edge in array \(text.debugDescription)", Array("[1, ".utf8) + bytes + Array("]".utf8)))
            cases.append(("edge as value \(text.debugDescription)", Array(#"{"k": "#.utf8) + bytes + Array("}".utf8)))
            cases.append(("edge as key \(text.debugDescription)", Array("{".utf8) + bytes + Array(":1}".utf8)))
        }
        for sequence in utf8 {
            cases.append(("utf8 \(sequence) in string", Array("[\"a".utf8) + sequence + Array("b\"]".utf8)))
            cases.append(("utf8 \(sequence) in key", Array("{\"a".utf8) + sequence + Array("\":1}".utf8)))
            cases.append(("utf8 \(sequence) bare", Array("[".utf8) + sequence + Array("]".utf8)))
            cases.append(("utf8 \(sequence) before", sequence + Array("{}".utf8)))
        }
        return cases
    }
}
