// SPDX-License-Identifier: Apache-2.0
import TokenGateCrypto

/// `pem`: PEM loading, as for signing keys (`PrivateKey`, `PublicKey`) and for the serving
/// certificate and key (`X509Certificate`, `X509Key`).
///
/// Each input is offered to every loader. Invariants: a refusal is a thrown error, never a trap;
/// whatever loads writes itself back as PEM that loads to the same key or certificate; a loaded
/// private key signs, and its public half verifies that signature and no other message; the
/// readers of a loaded certificate (serial, subject, expiry, name and key matching) never trap.
enum PEMCheck {
    static let target = "pem"
    static let message = Array("tokengate fuzz".utf8)

    static func check(_ bytes: UnsafeRawBufferPointer) throws(FuzzCheckFailure) {
        let pem = Array(bytes)
        try checkSigningKey(pem)
        if let key = try? PublicKey(pem: pem) {
            let again = try? PublicKey(pem: key.pem())
            try require(again?.derSPKI == key.derSPKI, target, "a public key does not survive its own PEM")
        }
        try checkServingPair(pem)
    }

    private static func checkSigningKey(_ pem: [UInt8]) throws(FuzzCheckFailure) {
        guard let key = try? PrivateKey(pem: pem) else { return }
        guard let publicKey = try? key.publicKey() else {
            throw FuzzCheckFailure(target, "a loaded private key has no public half")
        }
        let again = try? PrivateKey(pem: key.pemPKCS8()).publicKey()
        try require(again?.derSPKI == publicKey.derSPKI, target, "a private key does not survive its own PKCS #8 PEM")
        guard let signature = try? key.signSHA256(message) else {
            throw FuzzCheckFailure(target, "a loaded \(key.type) key cannot sign")
        }
        try require(publicKey.verifySHA256(signature: signature, message: message), target, "a signature does not verify")
        try require(!publicKey.verifySHA256(signature: signature, message: message + [0]), target, "a signature verifies another message")
    }

    private static func checkServingPair(_ pem: [UInt8]) throws(FuzzCheckFailure) {
        let certificates = (try? X509Certificate.chain(pem: pem)) ?? []
        let key = try? X509Key(pem: pem)
        if let key {
            let again = try? X509Key(pem: key.pem())
            let same = (try? again?.pem()) == (try? key.pem())
            try require(again != nil && same, target, "a serving key does not survive its own PEM")
        }
        for certificate in certificates {
            guard let encoded = try? certificate.pem(), let back = try? X509Certificate.chain(pem: encoded), back.count == 1 else {
                throw FuzzCheckFailure(target, "a certificate does not survive its own PEM")
            }
            try require((try? back[0].pem()) == encoded, target, "a certificate changes through its own PEM")
            _ = (certificate.serialNumberHex, certificate.notAfterEpochSeconds, certificate.subject)
            _ = (certificate.matches(host: "tokengate.tokengate.svc"), certificate.matches(ipAddress: "127.0.0.1"))
            if let key { _ = certificate.matches(key: key) }
            _ = certificate.isSigned(by: certificate)
        }
    }
}
