// SPDX-License-Identifier: Apache-2.0

/// What a new certificate should say: names, role and lifetime.
public struct X509CertificateRequest: Sendable {
    public enum Role: Sendable {
        /// A CA that signs the others (`basicConstraints CA:TRUE`, keyCertSign).
        case certificateAuthority
        /// A TLS server certificate (`extendedKeyUsage serverAuth`).
        case server
        /// A TLS client certificate (`extendedKeyUsage clientAuth`), e.g. for `--client-ca` tests.
        case client
    }

    public var commonName: String
    public var dnsNames: [String]
    public var ipAddresses: [String]
    public var role: Role
    public var validityDays: Int

    public init(commonName: String, dnsNames: [String] = [], ipAddresses: [String] = [], role: Role, validityDays: Int) {
        self.commonName = commonName
        self.dnsNames = dnsNames
        self.ipAddresses = ipAddresses
        self.role = role
        self.validityDays = validityDays
    }

    /// The subjectAltName extension in OpenSSL config syntax, or nil when there are no names.
    var subjectAltName: String? {
        let names = dnsNames.map { "DNS:\($0)" } + ipAddresses.map { "IP:\($0)" }
        return names.isEmpty ? nil : names.joined(separator: ",")
    }
}
