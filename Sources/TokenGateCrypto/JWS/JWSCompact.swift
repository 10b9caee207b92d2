// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// A JWS in compact serialization, parsed but **not yet verified**.
///
/// Parsing is where most token attacks are stopped, so it is strict (RFC 8725 §3, k8s-api.md §7.4):
/// the size is bounded before anything is decoded; exactly three base64url segments without
/// padding; header and payload are JSON objects with duplicate keys refused (two parsers that
/// disagree on which duplicate wins is a known bypass); `alg` must name an algorithm TokenGate
/// implements, so `none` and HMAC are refused here; `crit` is refused because TokenGate
/// implements no extensions; `kid` is kept only as an opaque, length-bounded lookup string.
/// `jku`, `x5u`, `x5c` and `jwk` are never read: keys come only from configuration.
public struct JWSCompact: Sendable {
    /// The default size bound: Kubernetes tokens are about 1 KiB; 16 KiB leaves room for any
    /// sensible issuer while keeping a hostile megabyte out of the decoder.
    public static let defaultMaximumSize = 16 * 1024
    /// `kid` longer than this is refused; Kubernetes kids are 43 characters.
    public static let maximumKeyIDLength = 256

    /// The protected header (a JSON object).
    public let header: JSONNode
    /// The payload (a JSON object: JWT claims).
    public let payload: JSONNode
    /// The header's `alg`, already known to be one TokenGate implements.
    public let algorithm: JWSAlgorithm
    /// The header's `kid`, if any: an untrusted lookup key, never a path or URL.
    public let keyID: String?
    /// ASCII `base64url(header) "." base64url(payload)`: the bytes the signature covers.
    public let signingInput: [UInt8]
    /// The decoded signature (raw `r || s` for ES256).
    public let signature: [UInt8]

    /// Parses a compact JWS.
    /// - Throws: ``JWSError`` with `tooLarge`, `malformed`, `algorithmNotAllowed` or `unsupportedCritical`.
    public init(parsing token: some StringProtocol, maximumSize: Int = defaultMaximumSize) throws(JWSError) {
        let bytes = Array(token.utf8)
        guard bytes.count <= maximumSize else {
            throw JWSError(.tooLarge, "token is \(bytes.count) bytes; at most \(maximumSize) are accepted")
        }
        let segments = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard segments.count == 3 else {
            throw JWSError(.malformed, "token is not a compact JWS (expected three dot-separated segments, found \(segments.count))")
        }
        let headerBytes = try Self.decodeSegment(segments[0], name: "header")
        let header = try Self.parseObject(headerBytes, name: "header")
        self.algorithm = try Self.algorithm(in: header)
        if header["crit"] != nil {
            throw JWSError(.unsupportedCritical, "token header has \"crit\"; TokenGate implements no JWS extensions")
        }
        if let kid = header["kid"] {
            guard let text = kid.string, !text.isEmpty, text.utf8.count <= Self.maximumKeyIDLength else {
                throw JWSError(.malformed, "token header \"kid\" must be a non-empty string of at most \(Self.maximumKeyIDLength) bytes")
            }
            self.keyID = text
        } else {
            self.keyID = nil
        }
        self.header = header
        self.payload = try Self.parseObject(try Self.decodeSegment(segments[1], name: "payload"), name: "payload")
        self.signature = try Self.decodeSegment(segments[2], name: "signature")
        guard !signature.isEmpty else { throw JWSError(.malformed, "token has an empty signature") }
        self.signingInput = Array(bytes[..<segments[1].endIndex])
    }

    private static func decodeSegment(_ segment: ArraySlice<UInt8>, name: String) throws(JWSError) -> [UInt8] {
        guard !segment.isEmpty || name == "signature" else { throw JWSError(.malformed, "token \(name) segment is empty") }
        for byte in segment {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                continue
            default:
                throw JWSError(.malformed, "token \(name) is not unpadded base64url")
            }
        }
        let decoded: [UInt8]
        do {
            decoded = try Base64.decodeURL(String(decoding: segment, as: UTF8.self))
        } catch {
            throw JWSError(.malformed, "token \(name) is not valid base64url")
        }
        // The last character of a segment may carry unused low bits; text that sets them decodes
        // to the same bytes, so one signature would stand for up to 16 token strings, each a
        // different key for the TokenReview cache and a different token in the audit trail.
        // RFC 4648 §3.5 lets a decoder refuse such text; every JWS encoder writes zeros there.
        guard Base64.encodeURL(decoded).utf8.elementsEqual(segment) else {
            throw JWSError(.malformed, "token \(name) is not canonical base64url (unused bits are set)")
        }
        return decoded
    }

    private static func parseObject(_ bytes: [UInt8], name: String) throws(JWSError) -> JSONNode {
        let document: JSONDocument
        do {
            document = try JSONDocument.parse(bytes, limits: JSONLimits(maxDepth: 16))
        } catch {
            let reason = (error as? JSONError)?.code == .duplicateKey ? "has a duplicate member" : "is not valid JSON"
            throw JWSError(.malformed, "token \(name) \(reason)")
        }
        guard document.rootNode.isObject else { throw JWSError(.malformed, "token \(name) is not a JSON object") }
        return document.rootNode
    }

    private static func algorithm(in header: JSONNode) throws(JWSError) -> JWSAlgorithm {
        guard let name = header["alg"]?.string else {
            throw JWSError(.malformed, "token header has no \"alg\" string")
        }
        if let algorithm = JWSAlgorithm(rawValue: name) { return algorithm }
        if name.lowercased() == "none" {
            throw JWSError(.algorithmNotAllowed, "unsigned tokens (alg \"none\") are never accepted")
        }
        if name.hasPrefix("HS") {
            throw JWSError(.algorithmNotAllowed, "HMAC-signed tokens (alg \"\(name.prefix(8))\") are never accepted")
        }
        let shown = name.utf8.count <= 16 ? name : String(name.prefix(16)) + "…"
        throw JWSError(.algorithmNotAllowed, "token alg \"\(shown)\" is not supported; RS256 and ES256 are")
    }
}
