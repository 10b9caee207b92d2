// SPDX-License-Identifier: Apache-2.0
import COpenSSL

/// SHA-256 on OpenSSL: key IDs, token-hash cache keys, audit fingerprints.
public enum SHA256 {
    public static func hash(_ data: [UInt8]) -> [UInt8] {
        data.withUnsafeBytes { input in
            var digest = [UInt8](repeating: 0, count: 32)
            digest.withUnsafeMutableBytes { hash(input, into: $0) }
            return digest
        }
    }

    public static func hash(_ text: String) -> [UInt8] { hash(Array(text.utf8)) }

    /// Hashes `input` into the first 32 bytes of `digest`, allocating nothing (the TokenReview
    /// cache hashes every request's token this way). Uses the digest fetched once per process.
    public static func hash(_ input: UnsafeRawBufferPointer, into digest: UnsafeMutableRawBufferPointer) {
        precondition(digest.count >= 32, "a SHA-256 digest needs 32 bytes")
        var length: UInt32 = 0
        let ok = EVP_Digest(input.baseAddress, input.count, digest.baseAddress?.assumingMemoryBound(to: UInt8.self), &length,
                            FetchedDigest.sha256.pointer, nil)
        // EVP_Digest with SHA-256 fails only if the default provider is missing, which breaks
        // every other part of TokenGate too; a zero digest would be dangerous, so stop here.
        precondition(ok == 1 && length == 32, "OpenSSL SHA-256 is unavailable")
    }
}
