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
    /// omitted when nil.
    public func sign(payload: JSON, type: String?) throws(KeyError) -> String {
        var header: [(String, JSON)] = [("alg", .string(algorithm.rawValue))]
        if let type { header.append(("typ", .string(type))) }
        header.append(("kid", .string(keyID)))
        let signingInput = Base64.encodeURL(JSON.object(header).serialized()) + "." + Base64.encodeURL(payload.serialized())
        let input = Array(signingInput.utf8)
        var signature = try key.signSHA256(input)
        if algorithm == .es256 {
            signature = try ECDSASignature.rawFromDER(signature)
        }
        return signingInput + "." + Base64.encodeURL(signature)
    }
}
