// SPDX-License-Identifier: Apache-2.0

/// A dependency the broker must ask (a cluster's JWKS or discovery endpoint, its API server)
/// could not answer. The exchange turns this into HTTP 503 `temporarily_unavailable`: the
/// caller's token may be fine, so it should retry, not give up.
///
/// The server's implementations of ``JWKSFetcher``, ``TokenReviewer`` and ``PodLookup`` throw
/// this for timeouts, refused connections, TLS failures and non-success statuses alike. The
/// message goes to logs and audit records only, never to the client.
public struct UpstreamUnavailable: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Service: String, Sendable, Equatable {
        case jwks, discovery, tokenReview = "tokenreview", pod
    }

    public let service: Service
    public let cluster: String
    public let message: String

    public init(_ service: Service, cluster: String, _ message: String) {
        self.service = service
        self.cluster = cluster
        self.message = message
    }

    public var description: String { "\(service.rawValue) for cluster \(cluster) unavailable: \(message)" }
}
