// SPDX-License-Identifier: Apache-2.0

/// The PEM bytes a server TLS context is built from; also what the reloader compares to decide
/// whether anything changed.
public struct TLSServerMaterial: Sendable, Equatable {
    /// Leaf certificate first, then any intermediates.
    public var certificateChainPEM: [UInt8]
    public var privateKeyPEM: [UInt8]
    /// When set, clients must present a certificate signed by one of these CAs (`--client-ca`).
    public var clientCAPEM: [UInt8]?

    public init(certificateChainPEM: [UInt8], privateKeyPEM: [UInt8], clientCAPEM: [UInt8]? = nil) {
        self.certificateChainPEM = certificateChainPEM
        self.privateKeyPEM = privateKeyPEM
        self.clientCAPEM = clientCAPEM
    }
}
