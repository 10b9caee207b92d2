// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1

/// One complete HTTP request as a route handler sees it: head, the whole body, and who sent it.
public struct ServerRequest: Sendable {
    public var head: HTTPRequestHead
    /// The path without the query string: routing ignores `?timeout=10s`, which the API server
    /// always appends to webhook calls.
    public var path: String
    /// The query string without `?`, or nil.
    public var query: String?
    public var body: ByteBuffer
    public var remoteAddress: SocketAddress?

    public init(head: HTTPRequestHead, body: ByteBuffer, remoteAddress: SocketAddress?) {
        self.head = head
        let (path, query) = Self.split(head.uri)
        self.path = path
        self.query = query
        self.body = body
        self.remoteAddress = remoteAddress
    }

    public var method: HTTPMethod { head.method }
    public var headers: HTTPHeaders { head.headers }

    /// Splits a request target into path and query; a fragment (never sent by real clients) is dropped.
    static func split(_ uri: String) -> (path: String, query: String?) {
        // An ASCII target without CR (every real one) splits on its bytes: each byte is then one
        // character, so this finds what the character search below finds, without grapheme breaking.
        let utf8 = uri.utf8
        if utf8.allSatisfy({ $0 < 0x80 && $0 != 0x0D }) {
            let end = utf8.firstIndex(of: UInt8(ascii: "#")) ?? utf8.endIndex
            guard let mark = utf8[..<end].firstIndex(of: UInt8(ascii: "?")) else {
                return (end == utf8.endIndex ? uri : String(uri[..<end]), nil)
            }
            return (String(uri[..<mark]), String(uri[uri.utf8.index(after: mark)..<end]))
        }
        var target = Substring(uri)
        if let hash = target.firstIndex(of: "#") { target = target[..<hash] }
        guard let mark = target.firstIndex(of: "?") else { return (String(target), nil) }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }
}
