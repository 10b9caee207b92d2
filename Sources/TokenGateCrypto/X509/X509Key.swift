// SPDX-License-Identifier: Apache-2.0
import COpenSSL
import COpenSSLShims

/// A private key for certificates (P-256), owning an OpenSSL `EVP_PKEY`.
///
/// P-256 because every Kubernetes component and Go's TLS stack accept it, it is fast to sign
/// with, and keys are small; RSA would add nothing for a webhook serving certificate.
public final class X509Key: @unchecked Sendable {
    // @unchecked: the EVP_PKEY is never mutated after creation; OpenSSL allows concurrent
    // read-only use (signing, encoding) of one key.
    package let pointer: OpaquePointer

    package init(adopting pointer: OpaquePointer) { self.pointer = pointer }

    deinit { EVP_PKEY_free(pointer) }

    /// A new random P-256 key.
    public static func generateP256() throws -> X509Key {
        guard let key = tg_ec_p256_generate() else { throw X509Error.openSSL("cannot generate a P-256 key") }
        return X509Key(adopting: key)
    }

    /// Reads a PEM private key (PKCS#8 `PRIVATE KEY`, or the traditional `EC PRIVATE KEY` / `RSA PRIVATE KEY`).
    /// Encrypted PEM is refused: with no passphrase callback OpenSSL would ask for one on the
    /// terminal, or read it from standard input, in the middle of `serve` or a certificate reload.
    public convenience init(pem: [UInt8]) throws {
        let key = try X509MemoryBIO.reading(pem) { bio -> OpaquePointer in
            // A passphrase callback that returns 0 makes OpenSSL fail instead of prompting.
            guard let key = PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil) else {
                throw X509Error.openSSL("not a PEM private key")
            }
            return key
        }
        self.init(adopting: key)
    }

    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), unencrypted: Kubernetes TLS Secrets hold it this way.
    public func pem() throws -> [UInt8] {
        try X509MemoryBIO.writing({ PEM_write_bio_PrivateKey($0, pointer, nil, nil, 0, nil, nil) == 1 }, what: "the private key")
    }
}
