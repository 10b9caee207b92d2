// SPDX-License-Identifier: Apache-2.0
import COpenSSL
import Foundation
import TokenGateCrypto

/// The logic of `tokengate certs --check` and `tokengate certs --rotate` (issue 7), apart from
/// the flag parsing in `CertsCommand`.
///
/// Both exist to avoid the classic webhook outage, "x509: certificate signed by unknown
/// authority" after a renewal: `--rotate` issues a new serving certificate from the *existing*
/// CA, so the webhooks' caBundle never changes; `--check` tells in advance (for a cron job or CI)
/// when the serving certificate or the CA is about to expire, or no longer fits together.
enum CertsMaintenance {
    static let caKeyFileName = "ca.key"

    /// What `--check` found. `problems` empty means the files are fine for `warnDays` more days.
    struct CheckResult: Sendable {
        var subject: String
        var subjectAlternativeNames: [String]
        var daysLeft: Int
        var caDaysLeft: Int
        var problems: [String]

        var isHealthy: Bool { problems.isEmpty }

        var report: String {
            var lines = [
                "serving certificate: \(subject)",
                "  names: \(subjectAlternativeNames.joined(separator: ", "))",
                "  expires in \(daysLeft) days; CA expires in \(caDaysLeft) days",
            ]
            lines += problems.map { "problem: \($0)" }
            lines.append(isHealthy ? "OK" : "NOT OK")
            return lines.joined(separator: "\n")
        }
    }

    /// Checks `tls.crt` (and `tls.key`, `ca.crt`) in `directory`: expiry within `warnDays`, the
    /// CA signature the API server will verify, the key pair, and -- when `service` and
    /// `namespace` are given -- the `<service>.<namespace>.svc` name the API server connects to.
    static func check(directory: String, service: String?, namespace: String?, warnDays: Int,
                      now: Int = Int(Date().timeIntervalSince1970)) throws -> CheckResult {
        let serving = try X509Certificate(pem: read(directory, "tls.crt"))
        let cas = try X509Certificate.chain(pem: read(directory, "ca.crt"))
        guard !cas.isEmpty else { throw X509Error("\(directory)/ca.crt holds no PEM certificate") }
        var problems: [String] = []

        let daysLeft = days(until: serving.notAfterEpochSeconds, now: now)
        if daysLeft < 0 {
            problems.append("tls.crt expired \(-daysLeft) days ago: run `tokengate certs --rotate`")
        } else if daysLeft < warnDays {
            problems.append("tls.crt expires in \(daysLeft) days (less than \(warnDays)): run `tokengate certs --rotate`")
        }
        let signer = cas.first { serving.isSigned(by: $0) }
        if signer == nil {
            problems.append("tls.crt is not signed by any CA in ca.crt: the API server would refuse it (x509: certificate signed by unknown authority)")
        }
        let caDaysLeft = days(until: (signer ?? cas[0]).notAfterEpochSeconds, now: now)
        if caDaysLeft < warnDays {
            problems.append("the CA expires in \(caDaysLeft) days: create a new CA and add it to ca.crt before switching (certs/README.md, \"New CA\")")
        }
        if let keyPEM = FileManager.default.contents(atPath: directory + "/tls.key"),
           !serving.matches(key: try X509Key(pem: Array(keyPEM))) {
            problems.append("tls.key is not the key of tls.crt: the server would refuse to load the pair")
        }
        if let service, let namespace {
            let host = "\(service).\(namespace).svc"
            if !serving.matches(host: host) {
                problems.append("tls.crt does not name \(host), the host the API server connects to: regenerate for namespace \(namespace)")
            }
        }
        return CheckResult(subject: serving.subject, subjectAlternativeNames: subjectAlternativeNames(of: serving),
                           daysLeft: daysLeft, caDaysLeft: caDaysLeft, problems: problems)
    }

    /// Issues a new serving certificate and key from the CA in `directory` (`ca.crt` and
    /// `ca.key`, or `caKeyPath`) and replaces `tls.crt` and `tls.key`; `ca.crt` is untouched, so
    /// the caBundle in the cluster stays valid. Returns the new certificate.
    @discardableResult
    static func rotate(directory: String, service: String, namespace: String, validityDays: Int,
                       caKeyPath: String? = nil) throws -> X509Certificate {
        let keyPath = caKeyPath ?? directory + "/" + caKeyFileName
        guard let caKeyPEM = FileManager.default.contents(atPath: keyPath) else {
            throw X509Error("cannot read the CA key \(keyPath): --rotate signs with the existing CA. Without its key, "
                            + "make a new CA with `tokengate certs` and roll it out as certs/README.md (\"New CA\") describes")
        }
        let caKey = try X509Key(pem: Array(caKeyPEM))
        let cas = try X509Certificate.chain(pem: read(directory, "ca.crt"))
        guard let ca = cas.first(where: { $0.matches(key: caKey) }) else {
            throw X509Error("\(keyPath) is not the key of any CA in \(directory)/ca.crt")
        }
        let key = try X509Key.generateP256()
        let certificate = try X509Issuer.issue(
            X509CertificateRequest(
                commonName: "\(service).\(namespace).svc",
                dnsNames: DevelopmentCertificates.dnsNames(service: service, namespace: namespace),
                ipAddresses: ["127.0.0.1"], role: .server, validityDays: validityDays),
            key: key, issuer: (ca, caKey))
        // Key first: a server that polls the files may see the new key with the old certificate
        // for a moment; its reloader refuses a mismatched pair and keeps serving the old one.
        try X509FileWriter.write(try key.pem(), to: directory + "/tls.key", mode: 0o600)
        try X509FileWriter.write(try certificate.pem(), to: directory + "/tls.crt", mode: 0o644)
        return certificate
    }

    /// The Service and namespace the serving certificate in `directory` was issued for, read
    /// from its CN `NAME.NS.svc` (what `tokengate certs` and `--rotate` write).
    static func servingName(directory: String) throws -> (service: String, namespace: String)? {
        let serving = try X509Certificate(pem: read(directory, "tls.crt"))
        // X509_NAME_oneline form: `/CN=tokengate.ns.svc` (possibly after other attributes).
        guard let range = serving.subject.range(of: "CN=") else { return nil }
        let commonName = serving.subject[range.upperBound...].prefix { $0 != "/" }
        let labels = commonName.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count == 3, labels[2] == "svc", !labels[0].isEmpty, !labels[1].isEmpty else { return nil }
        return (String(labels[0]), String(labels[1]))
    }

    // MARK: - Helpers

    private static func read(_ directory: String, _ name: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
            throw X509Error("cannot read \(directory)/\(name): generate the files with `tokengate certs --service NAME --namespace NS --out \(directory)`")
        }
        return Array(data)
    }

    /// Whole days from `now` to `epoch` (negative once past), rounding towards the past.
    private static func days(until epoch: Int?, now: Int) -> Int {
        guard let epoch else { return -1 }
        let seconds = epoch - now
        return seconds >= 0 ? seconds / 86_400 : -((-seconds + 86_399) / 86_400)
    }

    /// The SAN extension as OpenSSL prints it ("DNS:tokengate", "IP Address:127.0.0.1").
    private static func subjectAlternativeNames(of certificate: X509Certificate) -> [String] {
        let index = X509_get_ext_by_NID(certificate.pointer, NID_subject_alt_name, -1)
        guard index >= 0, let ext = X509_get_ext(certificate.pointer, index), let bio = BIO_new(BIO_s_mem()) else {
            return []
        }
        defer { BIO_free(bio) }
        guard X509V3_EXT_print(bio, ext, 0, 0) == 1 else { return [] }
        var text: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let read = buffer.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32($0.count)) }
            if read <= 0 { break }
            text += buffer[0..<Int(read)]
        }
        return String(decoding: text, as: UTF8.self).split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
    }
}
