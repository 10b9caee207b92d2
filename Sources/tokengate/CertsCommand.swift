// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import TokenGateCrypto
#if canImport(Glibc)
import Glibc
#endif

/// `tokengate certs`: a development CA and a serving certificate for the webhook's Service.
struct CertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs",
        abstract: "Generate a CA and a serving certificate for the webhook Service (P-256, OpenSSL).",
        discussion: """
            Writes ca.crt, tls.crt and tls.key (mode 0600) into --out. The serving certificate's \
            SANs are NAME, NAME.NS, NAME.NS.svc (what the API server verifies), \
            NAME.NS.svc.cluster.local, localhost and 127.0.0.1. Put ca.crt, base64-encoded, in the \
            webhook configuration's clientConfig.caBundle, and tls.crt/tls.key in a kubernetes.io/tls Secret.
            """)

    @Option(help: ArgumentHelp("Name of the Kubernetes Service in front of TokenGate.", valueName: "name"))
    var service: String

    @Option(help: ArgumentHelp("Namespace of that Service.", valueName: "namespace"))
    var namespace: String

    @Option(help: ArgumentHelp("Directory to write ca.crt, tls.crt and tls.key into (created if missing; existing files are replaced).", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("Validity of the serving certificate in days.", valueName: "days"))
    var days: Int = 365

    @Option(name: .customLong("ca-days"), help: ArgumentHelp("Validity of the CA certificate in days.", valueName: "days"))
    var caDays: Int = 3650

    func validate() throws {
        guard days > 0, caDays > 0 else { throw ValidationError("--days and --ca-days must be at least 1") }
    }

    func run() throws {
        if mkdir(out, 0o755) != 0 && errno != EEXIST {
            throw ValidationError("cannot create --out directory \(out): \(String(cString: strerror(errno)))")
        }
        let certificates = try DevelopmentCertificates.generate(
            service: service, namespace: namespace, caValidityDays: caDays, servingValidityDays: days)
        try certificates.write(to: out)
        let names = DevelopmentCertificates.dnsNames(service: service, namespace: namespace) + ["127.0.0.1"]
        print("wrote \(out)/ca.crt, \(out)/tls.crt, \(out)/tls.key (0600)")
        print("serving certificate: serial \(certificates.servingCertificate.serialNumberHex), SANs \(names.joined(separator: ", ")), valid \(days) days")
    }
}
