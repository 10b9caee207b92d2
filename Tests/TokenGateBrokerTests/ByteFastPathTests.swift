// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateBroker

/// Checks that read a request's bytes where they used to read its `Character`s must answer as
/// the `Character` versions do, non-ASCII and CR LF included.
@Suite("Byte fast paths agree with the Character paths")
struct ByteFastPathTests {
    static let texts = ["", "payments", "payments-api", "payments-api-6d9f7c8b5", "a.b-c", "é", "paymentsé", "pay\r\nments",
                        "pay\rments", "x\u{301}", "日本", "*", "?", "a*b"]
    static let patterns = ["*", "?", "payments", "payments-*", "pay*ts", "*-api", "p?yments", "é", "?\u{301}", "*\r\n*",
                           "pay\r\nments", "**", "日?", ""]

    @Test("a glob matches on bytes exactly when it matches on characters")
    func globs() {
        func characterMatch(_ pattern: [Character], _ input: [Character]) -> Bool {
            // The reference: the same two-pointer algorithm over Characters.
            var p = 0, t = 0, starPattern = -1, starText = 0
            while t < input.count {
                if p < pattern.count, pattern[p] == "?" || pattern[p] == input[t] { p += 1; t += 1 }
                else if p < pattern.count, pattern[p] == "*" { starPattern = p; starText = t; p += 1 }
                else if starPattern >= 0 { p = starPattern + 1; starText += 1; t = starText }
                else { return false }
            }
            while p < pattern.count, pattern[p] == "*" { p += 1 }
            return p == pattern.count
        }
        for pattern in Self.patterns {
            for text in Self.texts {
                #expect(Glob(pattern).matches(text) == characterMatch(Array(pattern), Array(text)), "\(pattern.debugDescription) ~ \(text.debugDescription)")
            }
        }
    }

    @Test("the newline check on scalars is Character.isNewline")
    func newlines() {
        let samples = ["https://ledger.example.com", "a\nb", "a\rb", "a\r\nb", "a\u{0B}b", "a\u{0C}b", "a\u{85}b", "a\u{2028}b",
                       "a\u{2029}b", "\n\u{301}", "é", "日本", ""]
        for text in samples {
            #expect(ExchangeRequest.containsNewline(text) == text.contains(where: { $0.isNewline }), "\(text.debugDescription)")
        }
    }
}
