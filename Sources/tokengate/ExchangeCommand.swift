// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import TokenGateBroker
import TokenGateCrypto
import TokenGateJSON

/// `tokengate exchange`: a pod's (or a person's) RFC 8693 client — `--url` posts to a running
/// broker over HTTPS; `--offline` runs the broker's exchange in-process.
struct ExchangeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exchange",
        abstract: "Exchange a pod's ServiceAccount token for a broker token (RFC 8693).",
        discussion: """
            --url posts the token request to a running broker's token endpoint over HTTPS (TLS 1.2+, \
            verified against --cacert or the system CAs) and prints the RFC 8693 response JSON on \
            stdout; it exits 0 only when a token was issued, else prints the error on stderr and \
            exits 1 (3 when the broker could not be reached).

            Example (in a pod):
              tokengate exchange --url https://tokengate.tokengate-system.svc/token \\
                --cacert /etc/tokengate/ca.crt --token-file /var/run/secrets/tokengate/token \\
                --audience https://ledger.example.com

            --offline runs the broker's exchange in this process with the config's policy and \
            signing keys, verifying the subject token against each cluster's JWKS only (no \
            TokenReview, no Pod GET: --verify jwks). Clusters need jwksFile (or a reachable key \
            source) for this. It prints the RFC 8693 response JSON on stdout and the audit record \
            on stderr, and exits 0 only when a token was issued. Use it to test a policy, or to \
            mint tokens where the broker's API access is not available.

            Example:
              tokengate exchange --offline --verify jwks --config tokengate.yaml \\
                --token-file /var/run/secrets/tokengate/token --audience https://ledger.example.com
            """)

    @Flag(help: "Run the exchange in this process instead of calling a broker.")
    var offline = false

    @Option(help: "Token endpoint of a running broker, e.g. https://tokengate.tokengate-system.svc/token.")
    var url: String?

    @Option(help: "PEM CA bundle the broker's certificate must chain to (default: the system CAs).")
    var cacert: String?

    @Option(help: "Seconds to wait for the broker's answer.")
    var timeoutSeconds: Double = 10

    @Option(help: "TokenGate config file with a broker: section (--offline).")
    var config: String?

    @Option(help: "File holding the subject token (the pod's projected ServiceAccount token).")
    var tokenFile: String

    @Option(name: .customLong("audience"), help: "Audience of the requested token (repeatable).")
    var audiences: [String]

    @Option(help: "Space-separated scopes to request.")
    var scope: String?

    @Option(help: "Requested lifetime in seconds (policy and the subject token's expiry may shorten it).")
    var expiresIn: Int?

    @Option(help: "How to check the subject token. Offline, only jwks is possible.")
    var verify: String = "jwks"

    func validate() throws {
        guard !audiences.isEmpty else { throw ValidationError("give at least one --audience") }
        if url != nil {
            guard !offline else { throw ValidationError("give --url (a running broker) or --offline (in-process), not both") }
            guard timeoutSeconds > 0 else { throw ValidationError("--timeout-seconds must be more than 0") }
            return
        }
        guard offline else {
            throw ValidationError("say where to exchange: --url https://BROKER/token, or --offline --config FILE (see --help)")
        }
        guard config != nil else { throw ValidationError("--offline needs --config FILE with a broker: section") }
        guard verify == "jwks" else {
            throw ValidationError("--offline cannot reach a cluster's API server for TokenReview; use --verify jwks")
        }
    }

    func run() async throws {
        let subjectToken = try readSubjectToken()
        if let url {
            try await exchangeOnline(url: url, subjectToken: subjectToken)
            return
        }
        var settings = try BrokerConfigFile.load(config ?? "")
        for index in settings.clusters.indices {
            // Offline there is no API server: the signature is all that can be checked.
            settings.clusters[index].verification = .jwks
            settings.clusters[index].checkPod = false
        }
        let keys = try SigningKeyFiles.keySet(settings.signingKeyFiles)
        let offlineCluster = OfflineCluster()
        let exchange = TokenExchange(settings: settings, signingKeys: keys, fetcher: offlineCluster,
                                     reviewer: offlineCluster, pods: offlineCluster)
        let outcome = await exchange.exchange(form: FormEncoding.encode(requestForm(subjectToken: subjectToken)), clientAddress: "offline")
        FileHandle.standardError.write(Data(outcome.audit.json().serialized() + [0x0A]))
        print(String(decoding: outcome.body, as: UTF8.self))
        if outcome.status != 200 { throw ExitCode(1) }
    }
}

extension ExchangeCommand {
    /// The subject token, read fresh: the kubelet rewrites the file as it rotates the token.
    func readSubjectToken() throws -> String {
        do {
            return try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw BrokerCLIError("cannot read token file \(tokenFile): \(error.localizedDescription)")
        }
    }

    /// The RFC 8693 form fields of this request.
    func requestForm(subjectToken: String) -> [(String, String)] {
        var form: [(String, String)] = [
            ("grant_type", ExchangeRequest.grantType), ("subject_token", subjectToken),
            ("subject_token_type", ExchangeRequest.jwtTokenType),
        ]
        form += audiences.map { ("audience", $0) }
        if let scope { form.append(("scope", scope)) }
        if let expiresIn { form.append(("expires_in", String(expiresIn))) }
        return form
    }
}

/// Offline stand-in for the cluster connections: JWKS files work (they are read by the broker
/// itself); anything that would need the network reports that it is unavailable offline.
struct OfflineCluster: JWKSFetcher, TokenReviewer, PodLookup {
    func fetch(url: String, for cluster: ClusterSettings) async throws(UpstreamUnavailable) -> [UInt8] {
        throw UpstreamUnavailable(.jwks, cluster: cluster.name, "offline: cannot fetch \(url); configure jwksFile for this cluster")
    }

    func review(token: String, audiences: [String], cluster: ClusterSettings) async throws(UpstreamUnavailable) -> TokenReviewStatus {
        throw UpstreamUnavailable(.tokenReview, cluster: cluster.name, "offline: no API server")
    }

    func pod(namespace: String, name: String, cluster: ClusterSettings) async throws(UpstreamUnavailable) -> LivePod? {
        throw UpstreamUnavailable(.pod, cluster: cluster.name, "offline: no API server")
    }
}

/// `application/x-www-form-urlencoded` encoding for the offline request.
enum FormEncoding {
    static func encode(_ pairs: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = []
        for (index, (name, value)) in pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            append(name, to: &out)
            out.append(UInt8(ascii: "="))
            append(value, to: &out)
        }
        return out
    }

    private static func append(_ text: String, to out: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
    }
}
