// SPDX-License-Identifier: Apache-2.0

/// A CA and a serving certificate for TokenGate's Service, as `tokengate certs` writes them.
///
/// The serving certificate names every form the API server or a person may use to reach the
/// Service: `NAME`, `NAME.NS`, `NAME.NS.svc` (the one KAS puts in SNI and verifies),
/// `NAME.NS.svc.cluster.local`, plus `localhost` and `127.0.0.1` for local runs and tests.
public struct DevelopmentCertificates: Sendable {
    public let caCertificate: X509Certificate
    public let servingCertificate: X509Certificate
    public let servingKey: X509Key
    /// The CA's private key: `tokengate certs` writes it as `ca.key` (0600) so that
    /// `--rotate` can later issue a new serving certificate from the same CA.
    public let caKey: X509Key

    /// File names inside the output directory, the same keys a `kubernetes.io/tls` Secret uses.
    public static let caFileName = "ca.crt"
    public static let certificateFileName = "tls.crt"
    public static let keyFileName = "tls.key"

    /// DNS SANs for a Service `service` in `namespace`, plus localhost.
    public static func dnsNames(service: String, namespace: String) -> [String] {
        [service, "\(service).\(namespace)", "\(service).\(namespace).svc", "\(service).\(namespace).svc.cluster.local", "localhost"]
    }

    /// Generates a new CA (P-256, `caValidityDays`) and a serving certificate signed by it.
    public static func generate(
        service: String, namespace: String, caValidityDays: Int = 3650, servingValidityDays: Int = 365
    ) throws -> DevelopmentCertificates {
        try validateLabel(service, what: "service name")
        try validateLabel(namespace, what: "namespace")
        let caKey = try X509Key.generateP256()
        let ca = try X509Issuer.issue(
            X509CertificateRequest(commonName: "tokengate-ca \(service).\(namespace)", role: .certificateAuthority, validityDays: caValidityDays),
            key: caKey)
        let key = try X509Key.generateP256()
        let serving = try X509Issuer.issue(
            X509CertificateRequest(
                commonName: "\(service).\(namespace).svc",
                dnsNames: dnsNames(service: service, namespace: namespace),
                ipAddresses: ["127.0.0.1"], role: .server, validityDays: servingValidityDays),
            key: key, issuer: (ca, caKey))
        return DevelopmentCertificates(caCertificate: ca, servingCertificate: serving, servingKey: key, caKey: caKey)
    }

    /// Writes `ca.crt` and `tls.crt` (mode 0644) and `tls.key` (mode 0600) into `directory`.
    /// Each file is replaced atomically; a server polling them may briefly see a new certificate
    /// with the old key, which its reloader rejects (key mismatch) until the key follows.
    public func write(to directory: String) throws {
        try X509FileWriter.write(try caCertificate.pem(), to: directory + "/" + Self.caFileName, mode: 0o644)
        try X509FileWriter.write(try servingCertificate.pem(), to: directory + "/" + Self.certificateFileName, mode: 0o644)
        try X509FileWriter.write(try servingKey.pem(), to: directory + "/" + Self.keyFileName, mode: 0o600)
    }

    /// Service and namespace names are DNS labels (RFC 1123); anything else would make SANs that
    /// Go's verifier can never match, so refuse it up front.
    static func validateLabel(_ value: String, what: String) throws {
        let allowed = value.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d }
        guard !value.isEmpty, value.utf8.count <= 63, allowed, value.first != "-", value.last != "-" else {
            throw X509Error("\(what) '\(value)' is not a DNS label: use 1-63 lower-case letters, digits and '-', starting and ending with a letter or digit")
        }
    }
}
