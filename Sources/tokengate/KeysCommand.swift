// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import TokenGateBroker
import TokenGateCrypto
import TokenGateJSON

/// `tokengate keys`: the broker's signing keys.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create and publish the token broker's signing keys.",
        discussion: """
            The broker signs the tokens it issues with the first key in broker.signingKeys and \
            publishes every listed key at GET /keys. To rotate: generate a new key, list it first, \
            keep the old file listed (or remove it: a removed key stays published until the tokens \
            it signed have expired).
            """,
        subcommands: [Generate.self, PublishedKeys.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Write a new private signing key as PKCS #8 PEM (mode 0600) and print its kid.",
            discussion: """
                ES256 (EC P-256) is the default: small, fast tokens. RS256 suits relying parties that \
                accept only RSA (a Kubernetes API server's --oidc-signing-algs defaults to RS256). \
                The kid printed is base64url(SHA-256(DER SubjectPublicKeyInfo)), as Kubernetes computes it.

                Example:
                  tokengate keys generate --alg ES256 --out /etc/tokengate/signing/current.pem
                """)

        @Option(name: .customLong("alg"), help: "ES256 or RS256.")
        var algorithm: String = "ES256"

        @Option(help: "RSA key size for RS256: 2048, 3072 or 4096.")
        var bits: Int = 3072

        @Option(help: "File to write the private key to.")
        var out: String

        @Flag(help: "Overwrite an existing file.")
        var force = false

        func validate() throws {
            guard JWSAlgorithm(rawValue: algorithm) != nil else {
                throw ValidationError("--alg must be ES256 or RS256 (HMAC and none are never used)")
            }
            guard [2048, 3072, 4096].contains(bits) else { throw ValidationError("--bits must be 2048, 3072 or 4096") }
        }

        func run() throws {
            let key = try PrivateKey.generate(JWSAlgorithm(rawValue: algorithm) == .rs256 ? .rsa(bits: bits) : .ecP256)
            try SecretFile.write(try key.pemPKCS8(), to: out, overwrite: force)
            print(try key.publicKey().keyID)
        }
    }

    struct PublishedKeys: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "jwks",
            abstract: "Print the JWKS the broker publishes at GET /keys.",
            discussion: """
                Reads broker.signingKeys from --config, or the PEM files given with --key. A relying \
                party needs only this document (or the broker's /keys URL) to verify issued tokens.
                """)

        @Option(help: "TokenGate config file with a broker: section.")
        var config: String?

        @Option(name: .customLong("key"), help: "PEM private key file (repeatable); the first is the signing key.")
        var keys: [String] = []

        func validate() throws {
            guard (config == nil) != keys.isEmpty else { throw ValidationError("give either --config or --key") }
        }

        func run() throws {
            let paths = try config.map { try BrokerConfigFile.load($0).signingKeyFiles } ?? keys
            let set = try SigningKeyFiles.keySet(paths)
            print(String(decoding: try set.jwks().prettySerialized(), as: UTF8.self))
        }
    }
}

/// Writing private key material: created 0600, refused if present unless overwriting.
enum SecretFile {
    static func write(_ bytes: [UInt8], to path: String, overwrite: Bool) throws {
        let flags = O_WRONLY | O_CREAT | O_TRUNC | (overwrite ? 0 : O_EXCL)
        let fd = open(path, flags, 0o600)
        guard fd >= 0 else {
            let reason = errno == EEXIST ? "it exists (pass --force to overwrite)" : String(cString: strerror(errno))
            throw BrokerCLIError("cannot write \(path): \(reason)")
        }
        defer { close(fd) }
        _ = fchmod(fd, 0o600)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw BrokerCLIError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }
}

/// Reads the broker section of a config file with errors a person can act on.
enum BrokerConfigFile {
    static func load(_ path: String) throws -> BrokerSettings {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw BrokerCLIError("cannot read config \(path): \(error.localizedDescription)")
        }
        do {
            return try BrokerSettings.parse(yaml: text)
        } catch {
            throw BrokerCLIError("config \(path): \(error)")
        }
    }
}

/// A run-time failure of a broker command: printed as `Error: <message>` without the usage
/// text, because the command line was fine and something it pointed at was not.
struct BrokerCLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
