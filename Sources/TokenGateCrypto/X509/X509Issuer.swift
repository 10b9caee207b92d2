// SPDX-License-Identifier: Apache-2.0
import COpenSSL
import COpenSSLShims

/// Builds and signs certificates with OpenSSL.
public enum X509Issuer {
    /// Issues a certificate for `key` as described by `request`, signed by `issuer` (a CA
    /// certificate and its key) or self-signed when `issuer` is nil.
    ///
    /// Serials are 128 random bits (positive), validity starts five minutes in the past to
    /// tolerate clock skew between the machine that generated the files and the API server.
    public static func issue(
        _ request: X509CertificateRequest, key: X509Key, issuer: (certificate: X509Certificate, key: X509Key)? = nil
    ) throws -> X509Certificate {
        guard request.validityDays > 0 else { throw X509Error("validity must be at least one day (got \(request.validityDays))") }
        guard let cert = X509_new() else { throw X509Error.openSSL("cannot allocate a certificate") }
        let certificate = X509Certificate(adopting: cert)

        guard X509_set_version(cert, 2) == 1 else { throw X509Error.openSSL("cannot set the certificate version") }
        try setRandomSerial(cert)
        guard X509_gmtime_adj(X509_getm_notBefore(cert), -300) != nil,
            X509_time_adj_ex(X509_getm_notAfter(cert), Int32(request.validityDays), 0, nil) != nil
        else { throw X509Error.openSSL("cannot set the validity period") }
        guard X509_set_pubkey(cert, key.pointer) == 1 else { throw X509Error.openSSL("cannot set the public key") }

        guard let subject = X509_NAME_new() else { throw X509Error.openSSL("cannot allocate a name") }
        defer { X509_NAME_free(subject) }
        let added = request.commonName.withCString { cn in
            X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, cn, -1, -1, 0)
        }
        guard added == 1, X509_set_subject_name(cert, subject) == 1 else {
            throw X509Error.openSSL("cannot set the subject CN=\(request.commonName)")
        }
        let issuerCert = issuer?.certificate.pointer ?? cert
        guard X509_set_issuer_name(cert, X509_get_subject_name(issuerCert)) == 1 else {
            throw X509Error.openSSL("cannot set the issuer name")
        }

        for (nid, value) in extensions(for: request) {
            guard tg_x509_add_ext(cert, issuerCert, nid, value) == 1 else {
                throw X509Error.openSSL("cannot add the certificate extension \(value)")
            }
        }
        let signingKey = issuer?.key.pointer ?? key.pointer
        guard X509_sign(cert, signingKey, EVP_sha256()) > 0 else { throw X509Error.openSSL("cannot sign the certificate") }
        return certificate
    }

    private static func extensions(for request: X509CertificateRequest) -> [(Int32, String)] {
        var list: [(Int32, String)] = []
        switch request.role {
        case .certificateAuthority:
            list.append((NID_basic_constraints, "critical,CA:TRUE,pathlen:0"))
            list.append((NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"))
        case .server:
            list.append((NID_basic_constraints, "critical,CA:FALSE"))
            list.append((NID_key_usage, "critical,digitalSignature"))
            list.append((NID_ext_key_usage, "serverAuth"))
        case .client:
            list.append((NID_basic_constraints, "critical,CA:FALSE"))
            list.append((NID_key_usage, "critical,digitalSignature"))
            list.append((NID_ext_key_usage, "clientAuth"))
        }
        list.append((NID_subject_key_identifier, "hash"))
        if request.role != .certificateAuthority {
            list.append((NID_authority_key_identifier, "keyid:always"))
        }
        if let san = request.subjectAltName {
            list.append((NID_subject_alt_name, san))
        }
        return list
    }

    private static func setRandomSerial(_ cert: OpaquePointer) throws {
        guard let bn = BN_new() else { throw X509Error.openSSL("cannot allocate a serial number") }
        defer { BN_free(bn) }
        // 127 bits with the top bit clear keeps the DER INTEGER positive and at most 16 bytes (RFC 5280 §4.1.2.2).
        guard BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1,
            BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nil
        else { throw X509Error.openSSL("cannot set a random serial number") }
    }
}
