// SPDX-License-Identifier: Apache-2.0
import TokenGateCrypto
import TokenGateJSON

/// Turns a cluster's ``JWKSSource`` into a ``JWKSet``: reads the file, fetches the URL, or
/// follows OIDC discovery (`<issuer>/.well-known/openid-configuration` → `jwks_uri`).
///
/// Discovery is checked the way an OIDC client must check it: the document's `issuer` has to equal
/// the configured issuer exactly, and `jwks_uri` has to be https. Anything wrong with what came
/// back is reported as ``UpstreamUnavailable`` so the cache keeps its last good set.
public struct JWKSLoader: Sendable {
    public let fetcher: any JWKSFetcher
    public let files: any JWKSFileReader

    public init(fetcher: any JWKSFetcher, files: any JWKSFileReader) {
        self.fetcher = fetcher
        self.files = files
    }

    /// The largest discovery or JWKS document read; real ones are a few KiB.
    public static let maximumDocumentBytes = 1 << 20

    public func load(for cluster: ClusterSettings) async throws(UpstreamUnavailable) -> JWKSet {
        switch cluster.jwks {
        case .file(let path):
            return try parse(try files.read(path: path), cluster: cluster, origin: path)
        case .url(let url):
            return try parse(try await fetcher.fetch(url: url, for: cluster), cluster: cluster, origin: url)
        case .discovery:
            let url = try await jwksURI(for: cluster)
            return try parse(try await fetcher.fetch(url: url, for: cluster), cluster: cluster, origin: url)
        }
    }

    /// The discovery URL of an issuer (`/.well-known/openid-configuration` appended to the issuer
    /// as a path, per OpenID Connect Discovery §4).
    public static func discoveryURL(issuer: String) -> String {
        BrokerSettings.trimmingSlash(issuer) + "/.well-known/openid-configuration"
    }

    func jwksURI(for cluster: ClusterSettings) async throws(UpstreamUnavailable) -> String {
        let url = Self.discoveryURL(issuer: cluster.issuer)
        let body = try await fetcher.fetch(url: url, for: cluster)
        guard body.count <= Self.maximumDocumentBytes, let document = try? JSONView.parseOnThisThread(body), document.root.isObject else {
            throw UpstreamUnavailable(.discovery, cluster: cluster.name, "\(url) did not return a JSON object")
        }
        let root = document.root
        guard root["issuer"]?.string == cluster.issuer else {
            throw UpstreamUnavailable(.discovery, cluster: cluster.name,
                                      "\(url) names issuer \(root["issuer"]?.string ?? "(none)"), expected \(cluster.issuer)")
        }
        guard let jwksURI = root["jwks_uri"]?.string, jwksURI.hasPrefix("https://") else {
            throw UpstreamUnavailable(.discovery, cluster: cluster.name, "\(url) has no https jwks_uri")
        }
        return jwksURI
    }

    func parse(_ body: [UInt8], cluster: ClusterSettings, origin: String) throws(UpstreamUnavailable) -> JWKSet {
        guard body.count <= Self.maximumDocumentBytes else {
            throw UpstreamUnavailable(.jwks, cluster: cluster.name, "\(origin) is larger than \(Self.maximumDocumentBytes) bytes")
        }
        do {
            return try JWKSet(parsing: body)
        } catch {
            throw UpstreamUnavailable(.jwks, cluster: cluster.name, "\(origin): \(error.message)")
        }
    }
}
