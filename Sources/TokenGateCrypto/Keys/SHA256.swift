// SPDX-License-Identifier: Apache-2.0
import COpenSSL

/// SHA-256 on OpenSSL: key IDs, token-hash cache keys, audit fingerprints.
public enum SHA256 {
    public static func hash(_ data: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = data.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &digest, &length, EVP_sha256(), nil)
        }
        // EVP_Digest with SHA-256 fails only if the default provider is missing, which breaks
        // every other part of TokenGate too; a zero digest would be dangerous, so stop here.
        precondition(ok == 1 && length == 32, "OpenSSL SHA-256 is unavailable")
        return digest
    }

    public static func hash(_ text: String) -> [UInt8] { hash(Array(text.utf8)) }
}
