// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import TokenGateCrypto

/// Encrypted PEM private keys are refused by every loader, and no loader asks for a passphrase.
/// Found by the `pem` fuzz target: `X509Key(pem:)` (the serving key, loaded again on every
/// certificate reload) and `PublicKey(pem:)` passed no passphrase callback, so OpenSSL prompted
/// "Enter PEM pass phrase:" on the terminal or, without one, on standard error while reading
/// standard input.
@Suite("Encrypted PEM keys")
struct EncryptedKeyTests {
    /// The fuzz seed `Tests/Fuzz/Corpus/pem/ec-encrypted.pem`: PKCS #8, passphrase `fuzz`.
    static func encryptedKey() throws -> [UInt8] {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/Corpus/pem/ec-encrypted.pem")
        return [UInt8](try Data(contentsOf: file))
    }

    /// Runs `body` with the passphrase waiting on standard input and standard error captured, and
    /// returns what was written there. Without a terminal (as under CI) OpenSSL's own prompt goes
    /// to standard error and reads standard input, so a loader that prompts shows up here.
    static func capturingPrompt(_ body: () -> Void) throws -> String {
        var input: [Int32] = [0, 0]
        try #require(pipe(&input) == 0)
        _ = "fuzz\n".withCString { write(input[1], $0, 5) }
        close(input[1])
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("prompt-\(UUID().uuidString)")
        let errorFD = open(errorFile.path, O_CREAT | O_RDWR | O_TRUNC, 0o600)
        try #require(errorFD >= 0)
        defer { unlink(errorFile.path) }
        let savedInput = dup(0), savedError = dup(2)
        dup2(input[0], 0)
        dup2(errorFD, 2)
        body()
        dup2(savedInput, 0)
        dup2(savedError, 2)
        for fd in [input[0], errorFD, savedInput, savedError] { close(fd) }
        return String(decoding: try Data(contentsOf: errorFile), as: UTF8.self)
    }

    @Test("the serving-certificate key loader refuses an encrypted key without prompting")
    func servingKey() throws {
        let pem = try Self.encryptedKey()
        var loaded = false
        let prompt = try Self.capturingPrompt { loaded = (try? X509Key(pem: pem)) != nil }
        #expect(!loaded)
        #expect(!prompt.contains("pass phrase"), "\(prompt)")
    }

    @Test("the signing key loader refuses an encrypted key without prompting")
    func signingKey() throws {
        let pem = try Self.encryptedKey()
        var loaded = false
        let prompt = try Self.capturingPrompt { loaded = (try? PrivateKey(pem: pem)) != nil }
        #expect(!loaded)
        #expect(!prompt.contains("pass phrase"), "\(prompt)")
    }

    @Test("the public key loader reads no passphrase for an encrypted private key")
    func publicKey() throws {
        let pem = try Self.encryptedKey()
        var loaded = false
        let prompt = try Self.capturingPrompt { loaded = (try? PublicKey(pem: pem)) != nil }
        #expect(!loaded)
        #expect(!prompt.contains("pass phrase"), "\(prompt)")
    }
}
