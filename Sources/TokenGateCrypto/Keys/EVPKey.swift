// SPDX-License-Identifier: Apache-2.0
import COpenSSL

/// Owns one OpenSSL `EVP_PKEY` and frees it with the last reference.
///
/// OpenSSL 3 documents `EVP_PKEY` as safe for concurrent read-only use (sign and verify each make
/// their own `EVP_MD_CTX`); nothing mutates a key after it is built, hence `@unchecked Sendable`.
final class EVPKey: @unchecked Sendable {
    let pointer: OpaquePointer

    init(adopting pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_free(pointer)
    }

    /// What kind of key this is, or an error for kinds TokenGate does not use.
    func keyType() throws(KeyError) -> KeyType {
        switch EVP_PKEY_get_base_id(pointer) {
        case EVP_PKEY_RSA:
            let bits = Int(EVP_PKEY_get_bits(pointer))
            guard bits >= 2048 else {
                throw KeyError(.unsupported, "RSA key has \(bits) bits; TokenGate requires at least 2048 (RFC 8725 §3.2)")
            }
            return .rsa(bits: bits)
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_group_name(pointer, &name, name.count, &length) == 1 else {
                throw KeyError.openSSL(.malformed, "EC key has no named curve")
            }
            let curve = String(decoding: name.prefix(length).map(UInt8.init(bitPattern:)), as: UTF8.self)
            guard curve == "prime256v1" || curve == "P-256" else {
                throw KeyError(.unsupported, "EC key is on curve \(curve); TokenGate uses P-256 (ES256) only")
            }
            return .ecP256
        default:
            throw KeyError(.unsupported, "key is neither RSA nor EC P-256; generate one with `tokengate keys generate`")
        }
    }

    /// Whether the private and public halves belong together (`EVP_PKEY_pairwise_check`: for EC
    /// the stored point is the private scalar times the generator; for RSA the factors, exponents and
    /// modulus agree). Cheap: no primality tests.
    func isPairwiseConsistent() -> Bool {
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, pointer, nil) else { return false }
        defer {
            EVP_PKEY_CTX_free(context)
            ERR_clear_error()
        }
        return EVP_PKEY_pairwise_check(context) == 1
    }

    /// DER `SubjectPublicKeyInfo` of the public half.
    func publicKeyDER() throws(KeyError) -> [UInt8] {
        let length = i2d_PUBKEY(pointer, nil)
        guard length > 0 else { throw KeyError.openSSL(.internalFailure, "cannot encode the public key as DER") }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_PUBKEY(pointer, &cursor)
        }
        guard written == length else { throw KeyError.openSSL(.internalFailure, "cannot encode the public key as DER") }
        return der
    }

    /// Reads a big-number parameter (RSA `n`/`e`, EC `qx`/`qy`) as unsigned big-endian bytes.
    /// - Parameter width: left-pads to this many bytes (EC coordinates); nil for minimal length.
    func bigNumber(_ name: String, width: Int? = nil) throws(KeyError) -> [UInt8] {
        var bn: OpaquePointer?
        guard EVP_PKEY_get_bn_param(pointer, name, &bn) == 1, let bn else {
            throw KeyError.openSSL(.internalFailure, "cannot read key parameter \(name)")
        }
        defer { BN_free(bn) }
        let size = width ?? Int((BN_num_bits(bn) + 7) / 8)
        var bytes = [UInt8](repeating: 0, count: max(size, 1))
        guard BN_bn2binpad(bn, &bytes, Int32(bytes.count)) == Int32(bytes.count) else {
            throw KeyError.openSSL(.internalFailure, "key parameter \(name) does not fit in \(bytes.count) bytes")
        }
        return bytes
    }
}

/// Memory BIO helpers: OpenSSL's PEM functions read and write BIOs, TokenGate deals in bytes.
enum MemoryBIO {
    static func withReadable<T>(_ bytes: [UInt8], _ body: (OpaquePointer) throws(KeyError) -> T) throws(KeyError) -> T {
        let bio: OpaquePointer? = bytes.withUnsafeBytes { BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }
        guard let bio else { throw KeyError.openSSL(.internalFailure, "cannot allocate a memory BIO") }
        defer { BIO_free(bio) }
        return try body(bio)
    }

    static func collect(_ write: (OpaquePointer) -> Bool) throws(KeyError) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw KeyError.openSSL(.internalFailure, "cannot allocate a memory BIO") }
        defer { BIO_free(bio) }
        guard write(bio) else { throw KeyError.openSSL(.internalFailure, "cannot write PEM") }
        let pending = Int(BIO_ctrl_pending(bio))
        var out = [UInt8](repeating: 0, count: pending)
        let read = out.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32(pending)) }
        guard read == pending else { throw KeyError.openSSL(.internalFailure, "cannot read PEM back from memory") }
        return out
    }
}
