// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// One public JSON Web Key (RFC 7517/7518): RSA (`n`, `e`) or EC P-256 (`crv`, `x`, `y`).
///
/// Only public signing keys are read. A JWK that carries private members (`d`, `p`, …) is refused
/// rather than silently trimmed: publishing a private key is an incident the operator must see.
public struct JWK: Sendable {
    /// The `kid` to match tokens against. When the JWK has none, the Kubernetes-style kid
    /// (base64url(SHA-256(DER SPKI))) is used, which is what an API server would have published.
    public let keyID: String
    /// The algorithm this key verifies: the `alg` member when present (and consistent with the key),
    /// otherwise the one its type implies.
    public let algorithm: JWSAlgorithm
    public let key: PublicKey

    public init(key: PublicKey, keyID: String? = nil) {
        self.key = key
        self.keyID = keyID ?? key.keyID
        self.algorithm = JWSAlgorithm.forKey(key.type)
    }

    /// Reads one member of a JWKS `keys` array from a Jansson tree (tools and tests): the node's
    /// text is read again as a view and checked by ``init(parsing:)-(JSONView.Value)``.
    public init(parsing node: JSONNode) throws(KeyError) {
        let view: JSONView
        do {
            view = try JSONView.parseOnThisThread(node.serialized())
        } catch {
            throw KeyError(.malformed, "JWK is not a JSON object")
        }
        try self.init(parsing: view.root)
    }

    /// Reads one member of a JWKS `keys` array.
    /// - Throws: ``KeyError`` `unsupported` for key kinds TokenGate does not verify with (callers
    ///   skip those), `malformed` for broken keys.
    public init(parsing node: JSONView.Value) throws(KeyError) {
        guard node.isObject else { throw KeyError(.malformed, "JWK is not a JSON object") }
        for member in ["d", "p", "q", "dp", "dq", "qi", "k"] where node[member] != nil {
            throw KeyError(.malformed, "JWK contains private key material (\"\(member)\"); publish public keys only")
        }
        if let use = node["use"], use.string != "sig" {
            throw KeyError(.unsupported, "JWK \"use\" is not \"sig\"")
        }
        let key: PublicKey
        switch node["kty"]?.string {
        case "RSA":
            key = try PublicKey(rsaModulus: try Self.bytes(node, "n"), exponent: try Self.bytes(node, "e"))
        case "EC":
            guard node["crv"]?.string == "P-256" else {
                throw KeyError(.unsupported, "EC JWK curve \(node["crv"]?.string ?? "(missing)") is not supported; P-256 is")
            }
            key = try PublicKey(p256X: try Self.bytes(node, "x"), y: try Self.bytes(node, "y"))
        case let other:
            throw KeyError(.unsupported, "JWK kty \(other ?? "(missing)") is not supported; RSA and EC are")
        }
        let implied = JWSAlgorithm.forKey(key.type)
        if let alg = node["alg"] {
            guard let name = alg.string, JWSAlgorithm(rawValue: name) == implied else {
                throw KeyError(.unsupported, "JWK alg \(alg.string ?? "(not a string)") does not fit a \(key.type) key")
            }
        }
        if let kid = node["kid"] {
            guard let text = kid.string, !text.isEmpty else { throw KeyError(.malformed, "JWK kid is not a non-empty string") }
            self.keyID = text
        } else {
            self.keyID = key.keyID
        }
        self.key = key
        self.algorithm = implied
    }

    /// The JWK as JSON, with members in the order Kubernetes publishes them.
    public func json() throws(KeyError) -> JSON {
        var members: [(String, JSON)] = [("use", "sig")]
        switch key.type {
        case .rsa:
            let (n, e) = try key.rsaComponents()
            members += [("kty", "RSA"), ("kid", .string(keyID)), ("alg", .string(algorithm.rawValue)),
                        ("n", .string(Base64.encodeURL(n))), ("e", .string(Base64.encodeURL(e)))]
        case .ecP256:
            let (x, y) = try key.p256Coordinates()
            members += [("kty", "EC"), ("kid", .string(keyID)), ("alg", .string(algorithm.rawValue)), ("crv", "P-256"),
                        ("x", .string(Base64.encodeURL(x))), ("y", .string(Base64.encodeURL(y)))]
        }
        return .object(members)
    }

    private static func bytes(_ node: JSONView.Value, _ member: String) throws(KeyError) -> [UInt8] {
        guard let text = node[member]?.string, !text.isEmpty, text.utf8.count <= 2048 else {
            throw KeyError(.malformed, "JWK member \"\(member)\" is missing or not a base64url string")
        }
        do {
            return try Base64.decodeURL(text)
        } catch {
            throw KeyError(.malformed, "JWK member \"\(member)\" is not base64url")
        }
    }
}
