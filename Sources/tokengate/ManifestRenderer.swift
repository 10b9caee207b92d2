// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// Fills the overlay templates (``ManifestTemplates``, generated from `manifests/`) for one
/// namespace, image and CA, so `tokengate manifests` prints exactly what `kubectl kustomize`
/// of that overlay would print after changing its `namespace:` -- a test compares the two.
///
/// The templates are kustomize's output, so every occurrence of the overlays' namespace is a
/// namespace reference (object namespaces, the webhooks' service, the namespaceSelector that
/// keeps TokenGate's own namespace out, the ClusterRoleBinding subjects, the certificate's DNS
/// names, cert-manager's `inject-ca-from`). Plain placeholder substitution is therefore enough;
/// the inputs are validated first so that no value can break out of its YAML scalar.
struct ManifestRenderer: Sendable {
    enum Overlay: String, CaseIterable, Sendable {
        case selfSigned = "self-signed"
        case certManager = "cert-manager"

        /// The overlay's objects; with `reviewPage`, plus manifests/components/review-page
        /// (`--review-listen` on the pod's loopback and the reviewers' port-forward Role).
        func template(reviewPage: Bool) -> String {
            switch (self, reviewPage) {
            case (.selfSigned, false): ManifestTemplates.selfSigned
            case (.certManager, false): ManifestTemplates.certManager
            case (.selfSigned, true): ManifestTemplates.selfSignedReviewPage
            case (.certManager, true): ManifestTemplates.certManagerReviewPage
            }
        }
    }

    /// PEM files for the self-signed overlay's Secret `tokengate-tls` (the files
    /// `tokengate certs` writes).
    struct TLSSecret: Sendable {
        var caCertificate: [UInt8]
        var certificate: [UInt8]
        var privateKey: [UInt8]
    }

    static let secretName = "tokengate-tls"
    static let serviceName = "tokengate"

    var namespace: String
    var overlay: Overlay
    var image: String
    /// PEM CA certificate(s) for `caBundle`; required for the self-signed overlay.
    var caBundle: [UInt8]?
    /// When set, the Secret (with the private key) is part of the output.
    var tlsSecret: TLSSecret?
    /// Whether the opt-in review page component is added.
    var reviewPage = false

    func render() throws(ManifestError) -> String {
        try Self.validateNamespace(namespace)
        try Self.validateImage(image)
        var text = overlay.template(reviewPage: reviewPage)
        switch overlay {
        case .selfSigned:
            guard let caBundle else {
                throw ManifestError("the self-signed overlay needs the CA certificate: pass --ca certs/ca.crt")
            }
            try Self.validateCertificatePEM(caBundle, what: "the CA file")
            if let tlsSecret {
                try Self.validateCertificatePEM(tlsSecret.certificate, what: "tls.crt")
                guard String(decoding: tlsSecret.privateKey, as: UTF8.self).contains("PRIVATE KEY-----") else {
                    throw ManifestError("tls.key is not a PEM private key; pass the files `tokengate certs` wrote")
                }
            }
            text = text.replacingAll("{{caBundle}}", with: Base64.encode(caBundle))
            text = replaceSecretDocument(in: text)
        case .certManager:
            if tlsSecret != nil || caBundle != nil {
                throw ManifestError(
                    "the cert-manager overlay takes no --ca or --with-secret: cert-manager writes the Secret "
                        + "\(Self.secretName) and injects the CA itself")
            }
        }
        text = text.replacingAll("{{image}}", with: image)
        text = text.replacingAll("{{namespace}}", with: namespace)
        if text.contains("{{") {
            throw ManifestError("internal error: a placeholder was left unfilled; regenerate ManifestTemplates.swift")
        }
        return header() + text + (text.hasSuffix("\n") ? "" : "\n")
    }

    /// The Secret document when asked for, otherwise nothing (the header says how to create it).
    private func replaceSecretDocument(in text: String) -> String {
        var documents = text.splitOnDocumentSeparators()
        guard let index = documents.firstIndex(of: "# {{tls-secret}}") else { return text }
        if let secret = tlsSecret {
            documents[index] = secretDocument(secret)
        } else {
            documents.remove(at: index)
        }
        return documents.joined(separator: "\n---\n")
    }

    private func secretDocument(_ secret: TLSSecret) -> String {
        """
        apiVersion: v1
        data:
          ca.crt: \(Base64.encode(secret.caCertificate))
          tls.crt: \(Base64.encode(secret.certificate))
          tls.key: \(Base64.encode(secret.privateKey))
        kind: Secret
        metadata:
          labels:
            app.kubernetes.io/name: tokengate
            app.kubernetes.io/part-of: tokengate
          name: \(Self.secretName)
          namespace: \(namespace)
        type: kubernetes.io/tls
        """
    }

    private func header() -> String {
        let flag = reviewPage ? " --review-page" : ""
        var lines = [
            "# TokenGate, rendered by `tokengate manifests --namespace \(namespace) --overlay \(overlay.rawValue)\(flag)`",
            "# from manifests/overlays/\(overlay.rawValue) (the comments there say why each setting is what it is).",
        ]
        if reviewPage {
            lines += [
                "# With manifests/components/review-page: the review page on each pod's 127.0.0.1:8090, for reviewers in",
                "# the group tokengate-reviewers: kubectl -n \(namespace) port-forward deploy/tokengate 8090:8090",
            ]
        }
        switch overlay {
        case .selfSigned where tlsSecret == nil:
            lines += [
                "# Not included: the Secret \(Self.secretName) with the serving certificate and key. Create it with",
                "#   kubectl -n \(namespace) create secret generic \(Self.secretName) --type=kubernetes.io/tls \\",
                "#     --from-file=ca.crt=certs/ca.crt --from-file=tls.crt=certs/tls.crt --from-file=tls.key=certs/tls.key",
                "# or render with --with-secret (then never commit this output: it holds the private key).",
            ]
        case .selfSigned:
            lines.append("# Contains the private key of the serving certificate: do not commit this output.")
        case .certManager:
            lines.append("# Needs cert-manager in the cluster; it fills caBundle (inject-ca-from) after you apply.")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - Input checks (each value ends up inside a YAML scalar)

    /// A Kubernetes namespace name: an RFC 1123 DNS label.
    static func validateNamespace(_ namespace: String) throws(ManifestError) {
        let bytes = Array(namespace.utf8)
        let allowed = bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
        guard !bytes.isEmpty, bytes.count <= 63, allowed, bytes.first != 0x2D, bytes.last != 0x2D else {
            throw ManifestError(
                "namespace \"\(namespace)\" is not a valid Kubernetes namespace name: use 1-63 lower-case "
                    + "letters, digits and '-', starting and ending with a letter or digit")
        }
        if namespace == "kube-system" || namespace == "kube-node-lease" {
            throw ManifestError(
                "TokenGate must not run in \(namespace): the webhooks skip that namespace, and TokenGate's own "
                    + "namespace must be one they skip for a different reason. Use a namespace of its own, e.g. tokengate-system")
        }
    }

    /// An image reference: registry/name[:tag][@digest], nothing YAML could misread.
    static func validateImage(_ image: String) throws(ManifestError) {
        let ok = !image.isEmpty && image.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || [UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "/"),
                    UInt8(ascii: ":"), UInt8(ascii: "@")].contains(byte)
        }
        guard ok, image.first != "-" else {
            throw ManifestError("image \"\(image)\" is not an image reference like registry.example.com/tokengate:1.0")
        }
    }

    /// PEM certificates only: catches the common slip of passing tls.key or a DER file.
    static func validateCertificatePEM(_ pem: [UInt8], what: String) throws(ManifestError) {
        let text = String(decoding: pem, as: UTF8.self)
        if text.contains("PRIVATE KEY-----") {
            throw ManifestError("\(what) contains a private key; pass the CA certificate (certs/ca.crt), never a key")
        }
        guard text.contains("-----BEGIN CERTIFICATE-----"), text.contains("-----END CERTIFICATE-----") else {
            throw ManifestError(
                "\(what) is not a PEM certificate (no -----BEGIN CERTIFICATE----- block); "
                    + "generate one with `tokengate certs --service tokengate --namespace NS --out certs`")
        }
    }
}

/// A `tokengate manifests` input problem, worded so the user knows what to change.
struct ManifestError: Error, CustomStringConvertible, Sendable {
    let description: String
    init(_ description: String) { self.description = description }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation needed for this one operation).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }

    /// YAML stream documents, split on kustomize's `---` separator lines.
    func splitOnDocumentSeparators() -> [String] {
        var documents: [String] = []
        var rest = self[...]
        while let range = rest.firstRange(of: "\n---\n") {
            documents.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        documents.append(String(rest))
        return documents
    }
}
