// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// Signs JWTs with one private key, its kid and the algorithm the key type dictates.
public struct JWSSigner: Sendable {
    public let key: PrivateKey
    public let algorithm: JWSAlgorithm
    /// base64url(SHA-256(DER SPKI)) of the public half, as published in the JWKS.
    public let keyID: String

    public init(key: PrivateKey) throws(KeyError) {
        self.key = key
        self.algorithm = JWSAlgorithm.forKey(key.type)
        self.keyID = try key.publicKey().keyID
    }

    /// Builds `header.payload.signature`. The header is `{"alg", "typ", "kid"}`; `typ` is
    /// omitted when nil. `payload` is serialized by Jansson, as it always was.
    public func sign(payload: JSON, type: String?) throws(KeyError) -> String {
        let json = payload.serialized()
        let compact = try json.withUnsafeBytes { json in Result { () throws(KeyError) in try sign(payloadJSON: json, type: type) } }.get()
        return String(decoding: compact, as: UTF8.self)
    }

    /// Builds `header.payload.signature` in one buffer: `claims` writes the payload object with a
    /// ``JSONWriter`` (one pass, no tree), header and payload are base64url-encoded straight into
    /// the token's bytes, and the signature is computed over those bytes in place.
    public func sign(type: String?, claims: (inout JSONWriter<[UInt8]>) -> Void) throws(KeyError) -> [UInt8] {
        var writer = JSONWriter(into: [UInt8]())
        writer.sink.reserveCapacity(640)
        claims(&writer)
        return try writer.sink.withUnsafeBytes { json in Result { () throws(KeyError) in try sign(payloadJSON: json, type: type) } }.get()
    }

    private func sign(payloadJSON: UnsafeRawBufferPointer, type: String?) throws(KeyError) -> [UInt8] {
        var header = JSONWriter(into: [UInt8]())
        header.sink.reserveCapacity(128)
        header.object { w in
            w.key("alg"); w.string(algorithm.rawValue)
            if let type { w.key("typ"); w.string(type) }
            w.key("kid"); w.string(keyID)
        }
        var token: [UInt8] = []
        token.reserveCapacity((header.sink.count + payloadJSON.count) * 4 / 3 + 100)
        header.sink.withUnsafeBytes { Base64.encodeURL($0, into: &token) }
        token.append(UInt8(ascii: "."))
        Base64.encodeURL(payloadJSON, into: &token)
        let signature = try token.withUnsafeBytes { input in Result { () throws(KeyError) in try key.signSHA256(input) } }.get()
        token.append(UInt8(ascii: "."))
        if algorithm == .es256 {
            var raw: [UInt8] = []
            raw.reserveCapacity(64)
            try ECDSASignature.appendRaw(fromOwnDER: signature, to: &raw)
            raw.withUnsafeBytes { Base64.encodeURL($0, into: &token) }
        } else {
            signature.withUnsafeBytes { Base64.encodeURL($0, into: &token) }
        }
        return token
    }
}
