// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateHTTP

/// The request target and `Content-Type` are read as bytes when they are ASCII; the answers must
/// be those of the `Character` and Unicode-aware versions.
@Suite("Request target and Content-Type read as bytes")
struct RequestBytesTests {
    /// The reference: the split as it was, over Characters.
    static func characterSplit(_ uri: String) -> (path: String, query: String?) {
        var target = Substring(uri)
        if let hash = target.firstIndex(of: "#") { target = target[..<hash] }
        guard let mark = target.firstIndex(of: "?") else { return (String(target), nil) }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }

    @Test("paths and queries split as the character search splits them")
    func targets() {
        for uri in ["/token", "/mutate?timeout=10s", "/a#frag", "/a?b#c", "/a#b?c", "/?", "?", "#", "", "/a??b", "/é?q=é",
                    "/a#\u{301}?b", "/a\r\n?b", "/a?b=c&d=e#f#g"] {
            let fast = ServerRequest.split(uri), reference = Self.characterSplit(uri)
            #expect(fast.path == reference.path && fast.query == reference.query, "\(uri.debugDescription)")
        }
    }

    @Test("media types match as the lowercased comparison matched them")
    func mediaTypes() {
        let accepted = ["application/x-www-form-urlencoded", "application/json"]
        for header in ["application/x-www-form-urlencoded", "Application/JSON; charset=utf-8", " application/json\t", "application/json ;x=y",
                       "text/plain", "application/jsonx", "", ";", "application/json\u{212A}", "APPLICATION/X-WWW-FORM-URLENCODED;q=1",
                       "\tapplication/json", "application/ json"] {
            let reference = accepted.contains { $0.lowercased() == ContentType.mediaType(of: header) }
            #expect(ContentType.matches(header, anyOf: accepted) == reference, "\(header.debugDescription)")
        }
        #expect(!ContentType.matches(nil, anyOf: accepted))
    }
}
