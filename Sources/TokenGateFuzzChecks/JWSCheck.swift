// SPDX-License-Identifier: Apache-2.0
import TokenGateCrypto
import TokenGateJSON

/// `jws`: compact JWS parsing and verification, and JWKS parsing: what the broker does with a
/// subject token and with a cluster's published keys. Each input is tried as both.
///
/// Invariants for a parsed token: exactly three segments, the signing input is the first two as
/// sent, `alg` is one TokenGate implements and matches the header, `kid` is bounded, `crit` is
/// absent. Verification against the fixed keys never traps, never succeeds with a key of the
/// other type, and succeeds only for a signature segment that is the canonical encoding of the
/// signature (otherwise one signature would stand for several token strings). ES256 signatures
/// survive the raw/DER conversion unchanged. An accepted JWKS holds 1–64 keys and re-reads
/// identically from its own serialization.
enum JWSCheck {
    static let target = "jws"

    static func check(_ bytes: UnsafeRawBufferPointer) throws(FuzzCheckFailure) {
        try checkJWKS(Array(bytes))
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        let token: JWSCompact
        do {
            token = try JWSCompact(parsing: text)
        } catch {
            try require(!error.message.isEmpty, target, "a refusal without a message")
            return
        }
        let segments = text.split(separator: ".", omittingEmptySubsequences: false)
        try require(segments.count == 3, target, "accepted \(segments.count) segments")
        try require(token.signingInput == Array((segments[0] + "." + segments[1]).utf8), target, "the signing input is not the first two segments")
        try require(token.header["alg"]?.string == token.algorithm.rawValue, target, "alg differs from the header")
        try require(token.header["crit"] == nil, target, "accepted crit")
        try require(!token.signature.isEmpty, target, "accepted an empty signature")
        if let kid = token.keyID {
            try require(!kid.isEmpty && kid.utf8.count <= JWSCompact.maximumKeyIDLength, target, "kid of \(kid.utf8.count) bytes")
        }
        try checkVerification(token, signatureSegment: String(segments[2]))
        if token.algorithm == .es256, token.signature.count == 64, let der = ECDSASignature.derFromRaw(token.signature) {
            let raw = try? ECDSASignature.rawFromDER(der)
            try require(raw == token.signature, target, "ES256 raw → DER → raw changed the signature")
        }
    }

    private static func checkVerification(_ token: JWSCompact, signatureSegment: String) throws(FuzzCheckFailure) {
        let allowed: Set<JWSAlgorithm> = [.rs256, .es256]
        var verified = false
        for jwk in FuzzVerificationKeys.set.keys {
            do {
                try token.verify(with: jwk.key, allowed: allowed)
                try require(token.algorithm == jwk.algorithm, target, "verified \(token.algorithm) with a \(jwk.key.type) key")
                verified = true
            } catch let failure as FuzzCheckFailure {
                throw failure
            } catch {
                if token.algorithm != jwk.algorithm {
                    try require((error as? JWSError)?.code == .algorithmNotAllowed, target, "a key of the other type was tried: \(error)")
                }
            }
        }
        let candidates = FuzzVerificationKeys.set.candidates(keyID: token.keyID, algorithm: token.algorithm)
        try require(candidates.allSatisfy { JWSAlgorithm.forKey($0.type) == token.algorithm }, target, "a candidate of the wrong type")
        if verified {
            try require(Base64.encodeURL(token.signature) == signatureSegment, target,
                        "a signature verified from a non-canonical encoding \(shown(signatureSegment)) (canonical: \(Base64.encodeURL(token.signature)))")
        }
    }

    private static func checkJWKS(_ bytes: [UInt8]) throws(FuzzCheckFailure) {
        let set: JWKSet
        do {
            set = try JWKSet(parsing: bytes)
        } catch {
            try require(!error.message.isEmpty, target, "a JWKS refusal without a message")
            return
        }
        try require((1...JWKSet.maximumKeys).contains(set.keys.count), target, "accepted a JWKS of \(set.keys.count) keys")
        let again: JWKSet
        do {
            again = try JWKSet(parsing: set.json().serialized())
        } catch {
            throw FuzzCheckFailure(target, "an accepted JWKS does not re-read from its own JSON: \(error)")
        }
        try require(again.keys.map(\.keyID) == set.keys.map(\.keyID), target, "kids changed on re-reading")
        try require(again.keys.map(\.algorithm) == set.keys.map(\.algorithm), target, "algorithms changed on re-reading")
        try require(again.keys.map(\.key.derSPKI) == set.keys.map(\.key.derSPKI), target, "keys changed on re-reading")
        for jwk in set.keys {
            let found = set.candidates(keyID: jwk.keyID, algorithm: jwk.algorithm)
            try require(found.contains { $0.derSPKI == jwk.key.derSPKI }, target, "a key is not a candidate for its own kid")
        }
    }
}
