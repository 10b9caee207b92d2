// SPDX-License-Identifier: Apache-2.0

/// The protocol versions, ciphers and groups every TokenGate TLS context uses, server or client.
///
/// TLS 1.2 is the floor (Go's default client minimum, and what KAS speaks); TLS 1.3 is preferred
/// by OpenSSL when both sides have it. The TLS 1.2 list is AEAD-only with forward secrecy
/// (ECDHE + AES-GCM / ChaCha20-Poly1305), which excludes RC4, 3DES, CBC-SHA1, NULL and export
/// suites by construction; compression and renegotiation are switched off by option.
enum TLSPolicy {
    static let tls12Ciphers = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    static let tls13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

    static let groups = "X25519:P-256:P-384"

    /// Sent in session tickets/IDs; OpenSSL refuses to resume sessions when client
    /// verification is on and no context is set.
    static let sessionIDContext = Array("tokengate".utf8)
}
