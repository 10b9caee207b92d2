// SPDX-License-Identifier: Apache-2.0
import COpenSSL
import COpenSSLShims

/// One X.509 certificate, owning an OpenSSL `X509`.
public final class X509Certificate: @unchecked Sendable {
    // @unchecked: the X509 is never mutated once built or parsed; reading and encoding it from
    // several threads is safe in OpenSSL 3.
    package let pointer: OpaquePointer

    package init(adopting pointer: OpaquePointer) { self.pointer = pointer }

    deinit { X509_free(pointer) }

    /// Reads the first certificate of a PEM text.
    public convenience init(pem: [UInt8]) throws {
        guard let first = try X509Certificate.chain(pem: pem).first else {
            throw X509Error("no PEM certificate found (expected a -----BEGIN CERTIFICATE----- block)")
        }
        self.init(adopting: X509_dup(first.pointer))
    }

    /// Reads every certificate in a PEM text, in order (leaf first for a serving chain).
    public static func chain(pem: [UInt8]) throws -> [X509Certificate] {
        try X509MemoryBIO.reading(pem) { bio in
            var certificates: [X509Certificate] = []
            while let cert = PEM_read_bio_X509(bio, nil, nil, nil) {
                certificates.append(X509Certificate(adopting: cert))
            }
            // Reading stops with a "no start line" error at the end of the text: expected, not a failure.
            ERR_clear_error()
            return certificates
        }
    }

    /// PEM encoding (`-----BEGIN CERTIFICATE-----`).
    public func pem() throws -> [UInt8] {
        try X509MemoryBIO.writing({ PEM_write_bio_X509($0, pointer) == 1 }, what: "the certificate")
    }

    /// The serial number as upper-case hex without separators (what `openssl x509 -serial` prints).
    public var serialNumberHex: String {
        guard let bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(pointer), nil) else { return "" }
        defer { BN_free(bn) }
        guard let hex = BN_bn2hex(bn) else { return "" }
        defer { tg_openssl_free(hex) }
        return String(cString: hex)
    }

    /// The end of the validity period, in seconds since the Unix epoch.
    public var notAfterEpochSeconds: Int? {
        var ok: Int32 = 0
        let seconds = tg_x509_not_after_epoch(pointer, &ok)
        return ok == 1 ? Int(seconds) : nil
    }

    /// The subject in OpenSSL's one-line form (`CN = tokengate.ns.svc`).
    public var subject: String {
        guard let name = X509_get_subject_name(pointer) else { return "" }
        var buffer = [CChar](repeating: 0, count: 512)
        X509_NAME_oneline(name, &buffer, Int32(buffer.count))
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether a TLS client connecting to `host` would accept this certificate's names (DNS SANs).
    public func matches(host: String) -> Bool {
        X509_check_host(pointer, host, host.utf8.count, 0, nil) == 1
    }

    /// Whether the certificate carries `address` as an IP SAN.
    public func matches(ipAddress address: String) -> Bool {
        X509_check_ip_asc(pointer, address, 0) == 1
    }

    /// Whether `key` is the private half of this certificate's public key.
    public func matches(key: X509Key) -> Bool {
        X509_check_private_key(pointer, key.pointer) == 1
    }

    /// Whether `issuer`'s key produced this certificate's signature.
    public func isSigned(by issuer: X509Certificate) -> Bool {
        guard let publicKey = X509_get0_pubkey(issuer.pointer) else { return false }
        let ok = X509_verify(pointer, publicKey) == 1
        ERR_clear_error()
        return ok
    }
}
