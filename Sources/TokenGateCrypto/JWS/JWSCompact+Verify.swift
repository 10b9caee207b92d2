// SPDX-License-Identifier: Apache-2.0

extension JWSCompact {
    /// Verifies the signature with `key`, allowing only `allowed` algorithms.
    ///
    /// The algorithm must be on the issuer's allow-list *and* be the one algorithm the key is used
    /// with (RSA → RS256, P-256 → ES256), so a token can never choose how a key is interpreted.
    /// - Throws: ``JWSError`` `algorithmNotAllowed` or `badSignature`.
    public func verify(with key: PublicKey, allowed: Set<JWSAlgorithm>) throws(JWSError) {
        guard allowed.contains(algorithm) else {
            let list = allowed.map(\.rawValue).sorted().joined(separator: ", ")
            throw JWSError(.algorithmNotAllowed, "token alg \(algorithm) is not allowed for this issuer (allowed: \(list))")
        }
        guard algorithm.fits(key.type) else {
            throw JWSError(.algorithmNotAllowed, "token alg \(algorithm) does not match its key (\(key.type))")
        }
        let valid = signingInput.withUnsafeBytes { message in
            signature.withUnsafeBytes { signature in
                switch algorithm {
                case .rs256:
                    key.verifySHA256(signature: signature, message: message)
                case .es256:
                    ECDSASignature.withDER(fromRaw: signature) { der in
                        der.map { key.verifySHA256(signature: $0, message: message) } ?? false
                    }
                }
            }
        }
        guard valid else { throw JWSError(.badSignature, "token signature does not verify") }
    }
}
