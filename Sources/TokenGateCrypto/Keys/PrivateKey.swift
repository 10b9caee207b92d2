// SPDX-License-Identifier: Apache-2.0
import COpenSSL

/// A private signing key (RSA ≥ 2048 bits or EC P-256) held by OpenSSL.
///
/// Created by ``generate(_:)`` or read from PEM (PKCS #8 or the traditional RSA/EC forms). The
/// key never leaves OpenSSL except through ``pemPKCS8()``, which `tokengate keys generate` writes
/// to a file with mode 0600.
public struct PrivateKey: Sendable {
    let key: EVPKey
    /// RSA or EC P-256; checked when the key is built, so every other method can rely on it.
    public let type: KeyType
    /// A signing context made once with the key, copied per signature (``DigestTemplate``).
    let signer: DigestTemplate?

    init(_ key: EVPKey) throws(KeyError) {
        self.key = key
        self.type = try key.keyType()
        self.signer = DigestTemplate(key: key, .sign)
    }

    /// What to generate.
    public enum Generation: Sendable, Equatable {
        case ecP256
        case rsa(bits: Int)
    }

    /// Generates a fresh key with OpenSSL's default (system-seeded) random generator.
    public static func generate(_ kind: Generation) throws(KeyError) -> PrivateKey {
        let algorithm: String
        switch kind {
        case .ecP256: algorithm = "EC"
        case .rsa(let bits):
            guard bits == 2048 || bits == 3072 || bits == 4096 else {
                throw KeyError(.unsupported, "RSA key size \(bits) is not offered; use 2048, 3072 or 4096")
            }
            algorithm = "RSA"
        }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, algorithm, nil) else {
            throw KeyError.openSSL(.internalFailure, "cannot create a \(algorithm) key generator")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else {
            throw KeyError.openSSL(.internalFailure, "cannot initialise \(algorithm) key generation")
        }
        switch kind {
        case .ecP256:
            guard EVP_PKEY_CTX_set_group_name(context, "P-256") == 1 else {
                throw KeyError.openSSL(.internalFailure, "cannot select curve P-256")
            }
        case .rsa(let bits):
            guard EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) == 1 else {
                throw KeyError.openSSL(.internalFailure, "cannot set RSA key size \(bits)")
            }
        }
        var generated: OpaquePointer?
        guard EVP_PKEY_generate(context, &generated) == 1, let generated else {
            throw KeyError.openSSL(.internalFailure, "\(algorithm) key generation failed")
        }
        return try PrivateKey(EVPKey(adopting: generated))
    }

    /// Reads a PEM private key. Encrypted PEM is refused rather than prompting on a terminal.
    public init(pem: [UInt8]) throws(KeyError) {
        let pointer: OpaquePointer? = try MemoryBIO.withReadable(pem) { bio throws(KeyError) in
            // A passphrase callback that returns 0 makes OpenSSL fail instead of reading the TTY.
            PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
        }
        guard let pointer else {
            throw KeyError.openSSL(.malformed, "not an unencrypted PEM private key (expected -----BEGIN PRIVATE KEY-----)")
        }
        let key = EVPKey(adopting: pointer)
        try self.init(key)
        // A key file carries its public half next to the private one, and OpenSSL reads both as
        // they are: a damaged file would sign tokens that the JWKS made from it never verifies.
        guard key.isPairwiseConsistent() else {
            throw KeyError.openSSL(.malformed, "the private key does not match the public key stored with it; the key file is damaged")
        }
    }

    public init(pem: String) throws(KeyError) {
        try self.init(pem: Array(pem.utf8))
    }

    /// The key as unencrypted PKCS #8 PEM (`-----BEGIN PRIVATE KEY-----`).
    public func pemPKCS8() throws(KeyError) -> [UInt8] {
        try MemoryBIO.collect { bio in
            PEM_write_bio_PrivateKey(bio, key.pointer, nil, nil, 0, nil, nil) == 1
        }
    }

    /// The public half, as a separate key object that holds no private material.
    public func publicKey() throws(KeyError) -> PublicKey {
        try PublicKey(der: key.publicKeyDER())
    }

    /// Signs `message` with SHA-256: RSASSA-PKCS1-v1_5 for RSA, DER-encoded ECDSA for EC.
    /// JWS callers convert the ECDSA form with ``ECDSASignature``.
    public func signSHA256(_ message: [UInt8]) throws(KeyError) -> [UInt8] {
        try message.withUnsafeBytes { input in Result { () throws(KeyError) in try signSHA256(input) } }.get()
    }

    /// ``signSHA256(_:)-([UInt8])`` of bytes in place (a JWS signing input being assembled).
    public func signSHA256(_ message: UnsafeRawBufferPointer) throws(KeyError) -> [UInt8] {
        let data = message.baseAddress?.assumingMemoryBound(to: UInt8.self)
        // EVP_PKEY_get_size is the largest signature the key makes (DER ECDSA varies in length).
        let capacity = Int(EVP_PKEY_get_size(key.pointer))
        guard capacity > 0 else { throw KeyError.openSSL(.internalFailure, "cannot size a signature") }
        func sign(_ context: OpaquePointer) -> [UInt8]? {
            var failed = false
            let signature = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                var length = capacity
                failed = EVP_DigestSign(context, buffer.baseAddress, &length, data, message.count) != 1
                initialized = failed ? 0 : min(length, capacity)
            }
            return failed ? nil : signature
        }
        if let made = signer?.withCopy(sign) {
            guard let made else { throw KeyError.openSSL(.internalFailure, "signing failed") }
            return made
        }
        guard let context = EVP_MD_CTX_new() else { throw KeyError.openSSL(.internalFailure, "cannot allocate a digest context") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, FetchedDigest.sha256.pointer, nil, key.pointer) == 1 else {
            throw KeyError.openSSL(.internalFailure, "cannot initialise signing")
        }
        guard let made = sign(context) else { throw KeyError.openSSL(.internalFailure, "signing failed") }
        return made
    }
}
