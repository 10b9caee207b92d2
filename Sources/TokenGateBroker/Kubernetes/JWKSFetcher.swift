// SPDX-License-Identifier: Apache-2.0

/// Fetches documents over HTTPS for a cluster: discovery and JWKS.
///
/// The server implements this on its OpenSSL TLS client with the cluster's CA and credentials
/// (an in-cluster API server serves `/openid/v1/jwks` only to authenticated ServiceAccounts).
/// The broker decides *what* to fetch (``JWKSLoader``); the fetcher only moves bytes.
public protocol JWKSFetcher: Sendable {
    /// GETs `url` and returns the body of a 200 response.
    /// - Throws: ``UpstreamUnavailable`` for any failure: timeout, connection, TLS, non-200.
    func fetch(url: String, for cluster: ClusterSettings) async throws(UpstreamUnavailable) -> [UInt8]
}

/// Reads JWKS files. Kept apart from ``JWKSFetcher`` so offline use (the CLI, tests) needs no
/// network implementation at all.
public protocol JWKSFileReader: Sendable {
    func read(path: String) throws(UpstreamUnavailable) -> [UInt8]
}
