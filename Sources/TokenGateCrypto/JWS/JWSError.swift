// SPDX-License-Identifier: Apache-2.0

/// Why a compact JWS was refused.
///
/// The codes are stable (metrics and audit records use them); the messages describe the token
/// problem for the token's sender and never include key material.
public struct JWSError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable, Equatable {
        /// Larger than the configured bound; refused before any decoding.
        case tooLarge = "too_large"
        /// Not three base64url segments, bad base64url, or header/payload not a JSON object.
        case malformed
        /// `alg` is `none`, HMAC, unknown, or not on this issuer's allow-list.
        case algorithmNotAllowed = "algorithm_not_allowed"
        /// A `crit` header names extensions TokenGate does not implement (RFC 7515 §4.1.11).
        case unsupportedCritical = "unsupported_critical_header"
        /// No key in the trusted set has this `kid` (or fits the algorithm when there is no `kid`).
        case unknownKey = "unknown_key"
        /// The signature does not verify with the selected key.
        case badSignature = "bad_signature"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
