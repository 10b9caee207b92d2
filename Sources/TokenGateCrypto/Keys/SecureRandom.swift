// SPDX-License-Identifier: Apache-2.0
import COpenSSL

/// Random bytes from OpenSSL's DRBG (seeded from the kernel): token IDs (`jti`) and nonces.
public enum SecureRandom {
    public static func bytes(_ count: Int) throws(KeyError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard count == 0 || RAND_bytes(&out, Int32(count)) == 1 else {
            throw KeyError.openSSL(.internalFailure, "the random generator failed")
        }
        return out
    }
}
