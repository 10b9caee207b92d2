// SPDX-License-Identifier: Apache-2.0
import TokenGateCrypto
#if canImport(Glibc)
import Glibc
#endif

/// A temporary directory with certificates from the same code `tokengate certs` runs.
final class TestCertificateDirectory {
    let path: String
    let certificates: DevelopmentCertificates

    init(service: String = "tokengate", namespace: String = "tokengate-system") throws {
        var template = Array("/tmp/tokengate-test-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw X509Error("mkdtemp failed") }
        path = String(cString: created)
        certificates = try DevelopmentCertificates.generate(service: service, namespace: namespace)
        try certificates.write(to: path)
    }

    var ca: String { path + "/ca.crt" }
    var cert: String { path + "/tls.crt" }
    var key: String { path + "/tls.key" }

    func bytes(_ file: String) throws -> [UInt8] {
        guard let handle = fopen(file, "rb") else { throw X509Error("cannot open \(file)") }
        defer { fclose(handle) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, handle)
            if count == 0 { break }
            out += buffer[0..<count]
        }
        return out
    }

    deinit {
        for name in ["ca.crt", "tls.crt", "tls.key"] { unlink(path + "/" + name) }
        rmdir(path)
    }
}
