// SPDX-License-Identifier: Apache-2.0
import COpenSSL

/// An `EVP_MD_CTX` set up once for one key, SHA-256 and one direction (sign or verify), and
/// copied for every signature.
///
/// On OpenSSL 3, `EVP_DigestSignInit`/`EVP_DigestVerifyInit` fetch the signature algorithm and
/// the digest from the provider store (a locked lookup) and build a provider context each call;
/// `EVP_MD_CTX_copy_ex` of a ready context only duplicates it. With `EVP_MD_CTX_FLAG_FINALISE` on
/// the copy, the final step also skips the duplicate OpenSSL otherwise makes to keep a context
/// reusable. Measured on the project's machine (CPU time, 900-byte message): ES256 sign 17.3 →
/// 14.8 µs, RS256 verify 15.6 → 13.3 µs.
///
/// The template itself is only read (copied from), which OpenSSL allows from several threads at
/// once; nothing changes it after `init`, hence `@unchecked Sendable`.
final class DigestTemplate: @unchecked Sendable {
    enum Direction { case sign, verify }

    private let context: OpaquePointer

    /// Nil when OpenSSL cannot set the key up this way; callers then initialise per call.
    init?(key: EVPKey, _ direction: Direction) {
        guard let context = EVP_MD_CTX_new() else { return nil }
        let ready = switch direction {
        case .sign: EVP_DigestSignInit(context, nil, FetchedDigest.sha256.pointer, nil, key.pointer) == 1
        case .verify: EVP_DigestVerifyInit(context, nil, FetchedDigest.sha256.pointer, nil, key.pointer) == 1
        }
        guard ready else {
            EVP_MD_CTX_free(context)
            ERR_clear_error()
            return nil
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Calls `body` with a fresh copy, good for one `EVP_DigestSign` or `EVP_DigestVerify`; nil
    /// when the copy cannot be made.
    func withCopy<R>(_ body: (OpaquePointer) -> R) -> R? {
        guard let copy = EVP_MD_CTX_new() else { return nil }
        defer { EVP_MD_CTX_free(copy) }
        guard EVP_MD_CTX_copy_ex(copy, context) == 1 else {
            ERR_clear_error()
            return nil
        }
        EVP_MD_CTX_set_flags(copy, EVP_MD_CTX_FLAG_FINALISE)
        return body(copy)
    }
}

/// Digests fetched from the default provider once per process.
///
/// `EVP_sha256()` on OpenSSL 3 returns a legacy method that every use resolves again with an
/// implicit fetch; a fetched `EVP_MD` is resolved already.
enum FetchedDigest {
    final class Algorithm: @unchecked Sendable {
        let pointer: OpaquePointer

        init(_ name: String, fallback: () -> OpaquePointer) {
            // Without the default provider every other OpenSSL call fails as well; the legacy
            // method then keeps this one working as it did before.
            pointer = EVP_MD_fetch(nil, name, nil) ?? fallback()
        }
    }

    /// Never freed: it lives as long as the process.
    static let sha256 = Algorithm("SHA2-256") { EVP_sha256() }
}
