// SPDX-License-Identifier: Apache-2.0

/// The JWS algorithms TokenGate signs and verifies with.
///
/// Deliberately closed: `none` and every HMAC (`HS*`) algorithm have no case, so they cannot be
/// allowed by configuration or chosen by a token (RFC 8725 §3.1–3.2; the classic attack signs
/// HS256 with the issuer's RSA *public* key as the secret).
public enum JWSAlgorithm: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case rs256 = "RS256"
    case es256 = "ES256"

    public var description: String { rawValue }

    /// The one algorithm a key of `type` is used with (one key, one algorithm: RFC 8725 §3.1).
    public static func forKey(_ type: KeyType) -> JWSAlgorithm {
        switch type {
        case .rsa: .rs256
        case .ecP256: .es256
        }
    }

    /// Whether a key of `type` may verify or make signatures of this algorithm.
    public func fits(_ type: KeyType) -> Bool { Self.forKey(type) == self }
}
