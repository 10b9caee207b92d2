// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation

/// `tokengate manifests`: ready-to-apply YAML for one namespace, with the webhooks' caBundle
/// filled in from a CA file -- the same objects `kubectl kustomize manifests/overlays/<overlay>`
/// builds, available from the binary alone (no kustomize, no checkout of the repository).
struct ManifestsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifests",
        abstract: "Print Kubernetes manifests for TokenGate, ready for kubectl apply.",
        discussion: """
            Renders the kustomize overlay manifests/overlays/<overlay> for one namespace. With the \
            self-signed overlay, the CA certificate (--ca) becomes the caBundle of both webhook \
            configurations, so nothing is base64-encoded by hand. Generate the certificates for the \
            same namespace first:

              tokengate certs --service tokengate --namespace NS --out certs
              tokengate manifests --namespace NS --with-secret | kubectl apply -f -

            Without --with-secret the Secret tokengate-tls (serving certificate and private key) is \
            left out, so the output can be committed; the output's first lines say how to create it. \
            With --overlay cert-manager, cert-manager issues the certificate and injects the CA. \
            --review-page adds manifests/components/review-page: the read-only review page on each \
            pod's loopback (--review-listen=127.0.0.1:8090), reached with `kubectl port-forward`, and \
            the Role tokengate-reviewer that allows exactly that, bound to the group tokengate-reviewers.
            """)

    @Option(help: "Namespace TokenGate runs in; every namespaced object, the webhooks' service reference and their self-exclusion follow it.")
    var namespace = "tokengate-system"

    @Option(help: "self-signed (CA and certificate from --ca and its directory) or cert-manager.")
    var overlay: ManifestRenderer.Overlay = .selfSigned

    @Option(help: "PEM CA certificate(s) for caBundle (self-signed overlay). Default: certs/ca.crt. Several concatenated CAs are kept, which is how a CA is rotated without an outage.")
    var ca: String?

    @Flag(help: "Include the Secret tokengate-tls built from the CA's directory (ca.crt, tls.crt, tls.key). The output then holds a private key: do not commit it.")
    var withSecret = false

    @Option(help: "Container image of the TokenGate server.")
    var image = "tokengate:dev"

    @Flag(name: .customLong("review-page"), help: "Add the review page on each pod's loopback and the port-forward Role for the group tokengate-reviewers (manifests/components/review-page).")
    var reviewPage = false

    func run() throws {
        let renderer: ManifestRenderer
        switch overlay {
        case .certManager:
            if ca != nil || withSecret {
                throw ValidationError("--ca and --with-secret are for the self-signed overlay; cert-manager writes the Secret and injects the CA itself")
            }
            renderer = ManifestRenderer(namespace: namespace, overlay: .certManager, image: image, reviewPage: reviewPage)
        case .selfSigned:
            let caPath = ca ?? "certs/ca.crt"
            let caBundle = try Self.read(caPath, hint: "generate it with `tokengate certs --service tokengate --namespace \(namespace) --out certs`, or pass --ca")
            var secret: ManifestRenderer.TLSSecret?
            if withSecret {
                let directory = (caPath as NSString).deletingLastPathComponent
                let file = { (name: String) in directory.isEmpty ? name : directory + "/" + name }
                secret = ManifestRenderer.TLSSecret(
                    caCertificate: caBundle,
                    certificate: try Self.read(file("tls.crt"), hint: "--with-secret reads tls.crt next to the CA file"),
                    privateKey: try Self.read(file("tls.key"), hint: "--with-secret reads tls.key next to the CA file"))
            }
            renderer = ManifestRenderer(
                namespace: namespace, overlay: .selfSigned, image: image, caBundle: caBundle, tlsSecret: secret,
                reviewPage: reviewPage)
        }
        // A ManifestError prints as "Error: <what to change>" and exits 1.
        print(try renderer.render(), terminator: "")
    }

    private static func read(_ path: String, hint: String) throws(ManifestError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ManifestError("cannot read \(path): \(hint)")
        }
        return Array(data)
    }
}

extension ManifestRenderer.Overlay: ExpressibleByArgument {}
