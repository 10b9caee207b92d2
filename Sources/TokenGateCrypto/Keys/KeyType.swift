// SPDX-License-Identifier: Apache-2.0

/// The key kinds TokenGate signs and verifies with. Each maps to exactly one JWS algorithm
/// (RFC 8725 §3.1: one key, one algorithm), so a token can never pick how its key is used.
public enum KeyType: Sendable, Equatable, CustomStringConvertible {
    case rsa(bits: Int)
    case ecP256

    public var description: String {
        switch self {
        case .rsa(let bits): "RSA-\(bits)"
        case .ecP256: "EC P-256"
        }
    }
}
