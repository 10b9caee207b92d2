// SPDX-License-Identifier: Apache-2.0
import TokenGateCrypto

/// Loads the PEM private keys named in `broker.signingKeys`.
///
/// The server calls this at start (fail fast) and on reload (keep the previous set if it fails,
/// e.g. while a Secret update is half written).
public enum SigningKeyFiles {
    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let message: String
        public var description: String { "signing key \(path): \(message)" }
    }

    public static func load(_ paths: [String]) throws(LoadError) -> [PrivateKey] {
        var keys: [PrivateKey] = []
        for path in paths {
            let bytes: [UInt8]
            do {
                bytes = try LocalFiles.contents(of: path)
            } catch {
                throw LoadError(path: path, message: "cannot read: \(error)")
            }
            do {
                keys.append(try PrivateKey(pem: bytes))
            } catch {
                throw LoadError(path: path, message: "\(error.message); create one with `tokengate keys generate --alg ES256 --out \(path)`")
            }
        }
        return keys
    }

    /// Loads the files and builds a ``SigningKeySet`` in one step.
    public static func keySet(_ paths: [String]) throws(LoadError) -> SigningKeySet {
        do {
            return try SigningKeySet(keys: try load(paths))
        } catch let error as LoadError {
            throw error
        } catch {
            throw LoadError(path: paths.first ?? "(none)", message: "\(error)")
        }
    }
}
