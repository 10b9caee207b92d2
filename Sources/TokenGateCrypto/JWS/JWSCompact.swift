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
    /// Header and claims nest no deeper than this.
    static let limits = JSONLimits(maxDepth: 16)

    /// The protected header (a JSON object), read in place.
    public let protectedHeader: JSONView.Value
    /// The payload (a JSON object: JWT claims), read in place.
    public let claims: JSONView.Value
    /// The header's `alg`, already known to be one TokenGate implements.
    public let algorithm: JWSAlgorithm
    /// The header's `kid`, if any: an untrusted lookup key, never a path or URL.
    public let keyID: String?
    /// ASCII `base64url(header) "." base64url(payload)`: the bytes the signature covers.
    public let signingInput: [UInt8]
    /// The decoded signature (raw `r || s` for ES256).
    public let signature: [UInt8]

    /// The protected header as a Jansson tree, read again from its text: for tools and tests that
    /// hold ``JSONNode``s. The exchange reads ``protectedHeader``.
    public var header: JSONNode { Self.document(protectedHeader) }
    /// The payload as a Jansson tree, read again from its text (see ``header``).
    public var payload: JSONNode { Self.document(claims) }

    /// Parses a compact JWS.
    ///
    /// Works on the token's own UTF-8: the segments are found and decoded in place, and header
    /// and claims are read by this thread's simdjson parser (``JSONView/parseOnThisThread(_:limits:)-(UnsafeRawBufferPointer,_)``),
    /// which refuses what Jansson refuses — duplicate members included.
    /// - Throws: ``JWSError`` with `tooLarge`, `malformed`, `algorithmNotAllowed` or `unsupportedCritical`.
    public init(parsing token: some StringProtocol, maximumSize: Int = defaultMaximumSize) throws(JWSError) {
        var text = String(token)
        let parsed = text.withUTF8 { utf8 in
            Result { () throws(JWSError) in try Parts(UnsafeRawBufferPointer(utf8), maximumSize: maximumSize) }
        }
        let parts = try parsed.get()
        self.protectedHeader = parts.header
        self.claims = parts.claims
        self.algorithm = parts.algorithm
        self.keyID = parts.keyID
        self.signingInput = parts.signingInput
        self.signature = parts.signature
    }

    /// The parse proper, over the token's bytes (an initializer of its own so the checks read in
    /// their order, from one buffer, without escaping the `String`'s storage).
    private struct Parts {
        let header: JSONView.Value
        let claims: JSONView.Value
        let algorithm: JWSAlgorithm
        let keyID: String?
        let signingInput: [UInt8]
        let signature: [UInt8]

        init(_ bytes: UnsafeRawBufferPointer, maximumSize: Int) throws(JWSError) {
            guard bytes.count <= maximumSize else {
                throw JWSError(.tooLarge, "token is \(bytes.count) bytes; at most \(maximumSize) are accepted")
            }
            var dots = (0, 0)
            var dotCount = 0
            for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: ".") {
                if dotCount == 0 { dots.0 = index } else if dotCount == 1 { dots.1 = index }
                dotCount += 1
            }
            guard dotCount == 2 else {
                throw JWSError(.malformed, "token is not a compact JWS (expected three dot-separated segments, found \(dotCount + 1))")
            }
            let headerSegment = UnsafeRawBufferPointer(rebasing: bytes[..<dots.0])
            let payloadSegment = UnsafeRawBufferPointer(rebasing: bytes[(dots.0 + 1)..<dots.1])
            let signatureSegment = UnsafeRawBufferPointer(rebasing: bytes[(dots.1 + 1)...])
            let header = try JWSCompact.parseObject(try JWSCompact.decodeSegment(headerSegment, name: "header"), name: "header")
            self.algorithm = try JWSCompact.algorithm(in: header)
            if header["crit"] != nil {
                throw JWSError(.unsupportedCritical, "token header has \"crit\"; TokenGate implements no JWS extensions")
            }
            if let kid = header["kid"] {
                guard let text = kid.string, !text.isEmpty, text.utf8.count <= JWSCompact.maximumKeyIDLength else {
                    throw JWSError(.malformed, "token header \"kid\" must be a non-empty string of at most \(JWSCompact.maximumKeyIDLength) bytes")
                }
                self.keyID = text
            } else {
                self.keyID = nil
            }
            self.header = header
            self.claims = try JWSCompact.parseObject(try JWSCompact.decodeSegment(payloadSegment, name: "payload"), name: "payload")
            self.signature = try JWSCompact.decodeSegment(signatureSegment, name: "signature")
            guard !signature.isEmpty else { throw JWSError(.malformed, "token has an empty signature") }
            self.signingInput = Array(UnsafeRawBufferPointer(rebasing: bytes[..<dots.1]))
        }
    }

    private static func decodeSegment(_ segment: UnsafeRawBufferPointer, name: String) throws(JWSError) -> [UInt8] {
        guard !segment.isEmpty || name == "signature" else { throw JWSError(.malformed, "token \(name) segment is empty") }
        switch Base64.decodeUnpaddedURL(segment) {
        case .success(let bytes): return bytes
        case .failure(.notInAlphabet): throw JWSError(.malformed, "token \(name) is not unpadded base64url")
        case .failure(.truncated): throw JWSError(.malformed, "token \(name) is not valid base64url")
        case .failure(.nonCanonical): throw JWSError(.malformed, "token \(name) is not canonical base64url (unused bits are set)")
        }
    }

    private static func parseObject(_ bytes: [UInt8], name: String) throws(JWSError) -> JSONView.Value {
        let view: JSONView
        do {
            view = try JSONView.parseOnThisThread(bytes, limits: limits)
        } catch {
            let reason = error.code == .duplicateKey ? "has a duplicate member" : "is not valid JSON"
            throw JWSError(.malformed, "token \(name) \(reason)")
        }
        guard view.root.isObject else { throw JWSError(.malformed, "token \(name) is not a JSON object") }
        return view.root
    }

    private static func algorithm(in header: JSONView.Value) throws(JWSError) -> JWSAlgorithm {
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

    /// A Jansson tree of a value the view already accepted. Jansson accepts everything the view
    /// does (the differential test in TokenGateJSONTests holds them to it), so the fallback to an
    /// empty object is never taken; it is there so that reading a claim can never crash.
    private static func document(_ value: JSONView.Value) -> JSONNode {
        let parsed = value.withSourceBytes { try? JSONDocument.parse($0, limits: limits) }
        return (parsed ?? JSON.object([]).document()).rootNode
    }
}
