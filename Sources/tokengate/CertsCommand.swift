// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import TokenGateCrypto
#if canImport(Glibc)
import Glibc
#endif

/// `tokengate certs`: a development CA and a serving certificate for the webhook's Service;
/// `--rotate` renews the serving certificate from the same CA, `--check` says when to.
struct CertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs",
        abstract: "Generate, check or rotate the CA and serving certificate of the webhook Service (P-256, OpenSSL).",
        discussion: """
            Without --check or --rotate: writes ca.crt, ca.key (0600), tls.crt and tls.key (0600) \
            into --out. The serving certificate's SANs are NAME, NAME.NS, NAME.NS.svc (what the API \
            server verifies), NAME.NS.svc.cluster.local, localhost and 127.0.0.1. Put ca.crt, \
            base64-encoded, in the webhook configuration's clientConfig.caBundle, and tls.crt/tls.key \
            in a kubernetes.io/tls Secret. ca.key never goes into the cluster or into git \
            (certs/.gitignore); keep it for --rotate.

            --rotate: replaces tls.crt and tls.key with a new serving certificate signed by the \
            existing CA (ca.crt + ca.key), so the caBundle in the cluster stays valid and the renewal \
            causes no outage. --service and --namespace default to the names in the current tls.crt.

            --check: prints the serving certificate's names and the days left for it and for the CA, \
            and exits 1 when either expires within --warn-days, when tls.crt is not signed by ca.crt, \
            when tls.key does not belong to tls.crt, or (with --service and --namespace) when tls.crt \
            does not name NAME.NS.svc. Meant for a cron job or CI.
            """)

    @Option(help: ArgumentHelp("Name of the Kubernetes Service in front of TokenGate (required to generate).", valueName: "name"))
    var service: String?

    @Option(help: ArgumentHelp("Namespace of that Service (required to generate).", valueName: "namespace"))
    var namespace: String?

    @Option(help: ArgumentHelp("Directory holding ca.crt, ca.key, tls.crt and tls.key (created if missing; generating replaces existing files).", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("Validity of the serving certificate in days (generate and --rotate).", valueName: "days"))
    var days: Int = 365

    @Option(name: .customLong("ca-days"), help: ArgumentHelp("Validity of the CA certificate in days.", valueName: "days"))
    var caDays: Int = 3650

    @Flag(help: "Check tls.crt, tls.key and ca.crt in --out (names, expiry, CA signature, key pair); exit 1 on a problem.")
    var check = false

    @Flag(help: "Replace tls.crt and tls.key in --out with a new serving certificate from the existing CA (ca.crt + ca.key); caBundle stays valid.")
    var rotate = false

    @Option(name: .customLong("ca-key"), help: ArgumentHelp("CA private key for --rotate (default: <out>/ca.key).", valueName: "file"))
    var caKey: String?

    @Option(name: .customLong("warn-days"), help: ArgumentHelp("--check fails when the serving certificate or the CA expires within this many days.", valueName: "days"))
    var warnDays: Int = 30

    func validate() throws {
        guard days > 0, caDays > 0 else { throw ValidationError("--days and --ca-days must be at least 1") }
        guard warnDays >= 0 else { throw ValidationError("--warn-days must be 0 or more") }
        guard !(check && rotate) else { throw ValidationError("use --check or --rotate, not both: rotate first, then check") }
        if !check && !rotate && (service == nil || namespace == nil) {
            throw ValidationError("generating certificates needs --service and --namespace (the Service the API server calls)")
        }
        guard caKey == nil || rotate else { throw ValidationError("--ca-key is only used with --rotate") }
    }

    func run() throws {
        if check {
            let result = try CertsMaintenance.check(directory: out, service: service, namespace: namespace, warnDays: warnDays)
            print(result.report)
            if !result.isHealthy { throw ExitCode(1) }
            return
        }
        if rotate {
            let names = try rotationNames()
            let certificate = try CertsMaintenance.rotate(
                directory: out, service: names.service, namespace: names.namespace, validityDays: days, caKeyPath: caKey)
            print("wrote \(out)/tls.crt and \(out)/tls.key (0600), serial \(certificate.serialNumberHex), valid \(days) days; ca.crt unchanged")
            print("serving certificate for \(names.service).\(names.namespace).svc; apply it (kubectl apply -k ...) and TokenGate reloads it without a restart")
            return
        }
        guard let service, let namespace else { return }  // validate() requires both
        if mkdir(out, 0o755) != 0 && errno != EEXIST {
            throw ValidationError("cannot create --out directory \(out): \(String(cString: strerror(errno)))")
        }
        let certificates = try DevelopmentCertificates.generate(
            service: service, namespace: namespace, caValidityDays: caDays, servingValidityDays: days)
        try X509FileWriter.write(try certificates.caKey.pem(), to: "\(out)/\(CertsMaintenance.caKeyFileName)", mode: 0o600)
        try certificates.write(to: out)
        let names = DevelopmentCertificates.dnsNames(service: service, namespace: namespace) + ["127.0.0.1"]
        print("wrote \(out)/ca.crt, \(out)/tls.crt, \(out)/tls.key (0600) and \(out)/ca.key (0600; keep it for --rotate, never commit or deploy it)")
        print("serving certificate: serial \(certificates.servingCertificate.serialNumberHex), SANs \(names.joined(separator: ", ")), valid \(days) days")
    }

    /// --service/--namespace, or the ones the current tls.crt was issued for (its CN is
    /// `NAME.NS.svc`), so `tokengate certs --rotate --out certs` needs nothing else.
    private func rotationNames() throws -> (service: String, namespace: String) {
        if let service, let namespace { return (service, namespace) }
        let current = try? CertsMaintenance.servingName(directory: out)
        guard let service = service ?? current?.service, let namespace = namespace ?? current?.namespace else {
            throw ValidationError("--rotate could not read NAME.NS.svc from \(out)/tls.crt; pass --service and --namespace")
        }
        return (service, namespace)
    }
}
