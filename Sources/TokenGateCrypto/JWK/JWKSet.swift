// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// A JSON Web Key Set: the verification keys of one issuer.
///
/// Parsing keeps every usable key and records (but does not fail on) keys of kinds TokenGate does
/// not verify with, because issuers publish mixed sets. A set with no usable key at all is an
/// error, so a cache never replaces a working set with an empty one.
public struct JWKSet: Sendable {
    /// At most this many keys are read; real issuers publish a handful.
    public static let maximumKeys = 64

    public let keys: [JWK]
    /// Why some members were skipped ("JWK kty oct is not supported …"), for logs.
    public let skipped: [String]

    public init(keys: [JWK]) {
        self.keys = keys
        self.skipped = []
    }

    /// Parses `{"keys":[…]}`.
    /// - Throws: ``KeyError`` when the document is not a JWKS or holds no usable key.
    public init(parsing bytes: [UInt8]) throws(KeyError) {
        let document: JSONView
        do {
            document = try JSONView.parseOnThisThread(bytes, errorsAsDocument: true)
        } catch {
            throw KeyError(.malformed, "JWKS is not valid JSON: \(error)")
        }
        guard let array = document.root["keys"], array.isArray else {
            throw KeyError(.malformed, "JWKS has no \"keys\" array")
        }
        guard array.count <= Self.maximumKeys else {
            throw KeyError(.malformed, "JWKS has \(array.count) keys; at most \(Self.maximumKeys) are read")
        }
        var keys: [JWK] = []
        var skipped: [String] = []
        for (index, element) in array.elements.enumerated() {
            do {
                keys.append(try JWK(parsing: element))
            } catch where error.code == .unsupported {
                skipped.append("key \(index): \(error.message)")
            }
        }
        guard !keys.isEmpty else {
            let why = skipped.isEmpty ? "it is empty" : skipped.joined(separator: "; ")
            throw KeyError(.malformed, "JWKS has no usable RSA or EC P-256 signing key (\(why))")
        }
        self.keys = keys
        self.skipped = skipped
    }

    /// The keys a token with `keyID` and `algorithm` may be verified with: the key with that kid
    /// when the token names one, otherwise every key of the algorithm (API servers always send a
    /// kid; the fallback serves issuers with a single key and no kid).
    public func candidates(keyID: String?, algorithm: JWSAlgorithm) -> [PublicKey] {
        keys.lazy.filter { ($0.keyID == keyID || keyID == nil) && $0.algorithm == algorithm }.map(\.key).reduce(into: []) { $0.append($1) }
    }

    /// Whether any key has this kid (used to decide whether an unknown kid warrants a refetch).
    public func contains(keyID: String) -> Bool { keys.contains { $0.keyID == keyID } }

    /// `{"keys":[…]}` as JSON.
    public func json() throws(KeyError) -> JSON {
        var members: [JSON] = []
        for key in keys { members.append(try key.json()) }
        return .object([("keys", .array(members))])
    }
}
