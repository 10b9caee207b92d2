// SPDX-License-Identifier: Apache-2.0
import COpenSSL
import TokenGateJSON

/// A public verification key (RSA ≥ 2048 bits or EC P-256).
///
/// Built from DER or PEM `SubjectPublicKeyInfo`, from JWK members (``init(rsaModulus:exponent:)``,
/// ``init(p256X:y:)``), or from a ``PrivateKey``. Its ``keyID`` is the Kubernetes one:
/// base64url(SHA-256(DER SPKI)), so kids computed here match the API server's JWKS.
public struct PublicKey: Sendable {
    let key: EVPKey
    public let type: KeyType
    /// DER `SubjectPublicKeyInfo`; kept because the kid and the PEM form are both derived from it.
    public let derSPKI: [UInt8]
    /// A verification context made once with the key, copied per signature (``DigestTemplate``).
    let verifier: DigestTemplate?

    init(_ key: EVPKey) throws(KeyError) {
        self.key = key
        self.type = try key.keyType()
        self.derSPKI = try key.publicKeyDER()
        self.verifier = DigestTemplate(key: key, .verify)
    }

    /// Reads DER `SubjectPublicKeyInfo`.
    public init(der: [UInt8]) throws(KeyError) {
        let pointer: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
        guard let pointer else { throw KeyError.openSSL(.malformed, "not a DER SubjectPublicKeyInfo") }
        try self.init(EVPKey(adopting: pointer))
    }

    /// Reads PEM `-----BEGIN PUBLIC KEY-----`.
    public init(pem: [UInt8]) throws(KeyError) {
        let pointer: OpaquePointer? = try MemoryBIO.withReadable(pem) { bio throws(KeyError) in
            // OpenSSL 3 also tries to take the public key out of an encrypted private key, and
            // without a callback asks for its passphrase on the terminal; returning 0 refuses.
            PEM_read_bio_PUBKEY(bio, nil, { _, _, _, _ in 0 }, nil)
        }
        guard let pointer else { throw KeyError.openSSL(.malformed, "not a PEM public key (expected -----BEGIN PUBLIC KEY-----)") }
        try self.init(EVPKey(adopting: pointer))
    }

    /// The key as PEM `-----BEGIN PUBLIC KEY-----`.
    public func pem() throws(KeyError) -> [UInt8] {
        try MemoryBIO.collect { bio in PEM_write_bio_PUBKEY(bio, key.pointer) == 1 }
    }

    /// base64url(SHA-256(DER SPKI)) without padding: the `kid` Kubernetes computes
    /// (`keyIDFromPublicKey`), deterministic so any party can recompute it from the key alone.
    public var keyID: String { Base64.encodeURL(SHA256.hash(derSPKI)) }

    /// Verifies a SHA-256 signature made by ``PrivateKey/signSHA256(_:)`` (PKCS1-v1_5 for RSA,
    /// DER ECDSA for EC). Returns false for any bad signature; never throws on client input.
    public func verifySHA256(signature: [UInt8], message: [UInt8]) -> Bool {
        signature.withUnsafeBytes { signature in
            message.withUnsafeBytes { message in verifySHA256(signature: signature, message: message) }
        }
    }

    /// ``verifySHA256(signature:message:)-([UInt8],_)`` on bytes in place (a token's signing input).
    public func verifySHA256(signature: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer) -> Bool {
        defer { ERR_clear_error() }
        let sig = signature.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let input = message.baseAddress?.assumingMemoryBound(to: UInt8.self)
        if let verdict = verifier?.withCopy({ EVP_DigestVerify($0, sig, signature.count, input, message.count) == 1 }) {
            return verdict
        }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, FetchedDigest.sha256.pointer, nil, key.pointer) == 1 else { return false }
        return EVP_DigestVerify(context, sig, signature.count, input, message.count) == 1
    }
}
