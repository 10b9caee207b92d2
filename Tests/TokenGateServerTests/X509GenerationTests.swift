// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateCrypto
#if canImport(Glibc)
import Glibc
#endif

@Suite("X.509 generation on OpenSSL")
struct X509GenerationTests {
    @Test("the serving certificate names the Service in every form, localhost and 127.0.0.1")
    func servingCertificateSANs() throws {
        let set = try DevelopmentCertificates.generate(service: "tg", namespace: "sys")
        let cert = set.servingCertificate
        for host in ["tg", "tg.sys", "tg.sys.svc", "tg.sys.svc.cluster.local", "localhost"] {
            #expect(cert.matches(host: host), "missing SAN \(host)")
        }
        #expect(cert.matches(ipAddress: "127.0.0.1"))
        #expect(!cert.matches(host: "tg.other.svc"))
        #expect(cert.matches(key: set.servingKey))
        #expect(cert.isSigned(by: set.caCertificate))
        #expect(!set.caCertificate.isSigned(by: cert))
    }

    @Test("serials are random and validity is about what was asked for")
    func serialsAndValidity() throws {
        let a = try DevelopmentCertificates.generate(service: "tg", namespace: "sys", servingValidityDays: 30)
        let b = try DevelopmentCertificates.generate(service: "tg", namespace: "sys", servingValidityDays: 30)
        #expect(a.servingCertificate.serialNumberHex != b.servingCertificate.serialNumberHex)
        #expect(a.servingCertificate.serialNumberHex.count >= 20)
        let notAfter = try #require(a.servingCertificate.notAfterEpochSeconds)
        let expected = Int(time(nil)) + 30 * 86400
        #expect(abs(notAfter - expected) < 120)
    }

    @Test("PEM round-trips and files get 0644 / 0600")
    func pemFiles() throws {
        let directory = try TestCertificateDirectory()
        var info = stat()
        #expect(stat(directory.key, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(stat(directory.cert, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o644)
        let cert = try X509Certificate(pem: try directory.bytes(directory.cert))
        let key = try X509Key(pem: try directory.bytes(directory.key))
        #expect(cert.matches(key: key))
        #expect(cert.serialNumberHex == directory.certificates.servingCertificate.serialNumberHex)
    }

    @Test("names that cannot be DNS labels are refused with a hint")
    func badNames() {
        #expect(throws: X509Error.self) { try DevelopmentCertificates.generate(service: "Bad_Name", namespace: "ns") }
        #expect(throws: X509Error.self) { try DevelopmentCertificates.generate(service: "ok", namespace: "-ns") }
    }

    @Test("garbage PEM is an error, not a crash")
    func garbagePEM() {
        #expect(throws: X509Error.self) { try X509Certificate(pem: Array("not a certificate".utf8)) }
        #expect(throws: X509Error.self) { try X509Key(pem: Array("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".utf8)) }
    }
}
