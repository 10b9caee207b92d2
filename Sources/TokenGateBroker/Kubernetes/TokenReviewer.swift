// SPDX-License-Identifier: Apache-2.0

/// Asks a cluster's API server whether a token is still valid (`POST
/// /apis/authentication.k8s.io/v1/tokenreviews`). The server implements this with
/// TokenGateKubeClient's `KubeClient.reviewToken`, mapping its `unavailable`, `forbidden` and
/// `badResponse` errors to ``UpstreamUnavailable``; the RBAC is `system:auth-delegator`.
///
/// TokenReview is what catches revocation: KAS checks that the ServiceAccount and the bound
/// pod still exist with the UIDs in the token, which a JWKS check cannot see.
public protocol TokenReviewer: Sendable {
    /// - Parameter audiences: sent as `spec.audiences` (the broker's audience); without it a
    ///   custom-audience token fails review.
    /// - Throws: ``UpstreamUnavailable`` when the API server cannot be asked or answers oddly.
    func review(token: String, audiences: [String], cluster: ClusterSettings) async throws(UpstreamUnavailable) -> TokenReviewStatus
}

/// `status` of a TokenReview response (the broker's view of KubeClient's `TokenReviewResult`).
public struct TokenReviewStatus: Sendable, Equatable {
    public var authenticated: Bool
    public var audiences: [String]
    public var username: String?
    public var uid: String?
    public var groups: [String]
    public var extra: [String: [String]]
    public var error: String?

    public init(
        authenticated: Bool, audiences: [String] = [], username: String? = nil, uid: String? = nil, groups: [String] = [],
        extra: [String: [String]] = [:], error: String? = nil
    ) {
        self.authenticated = authenticated
        self.audiences = audiences
        self.username = username
        self.uid = uid
        self.groups = groups
        self.extra = extra
        self.error = error
    }

    /// `authentication.kubernetes.io/pod-uid`, present for pod-bound tokens.
    public var podUID: String? { extra["authentication.kubernetes.io/pod-uid"]?.first }
    public var podName: String? { extra["authentication.kubernetes.io/pod-name"]?.first }
    /// `authentication.kubernetes.io/credential-id` (`JTI=<jti>` for ServiceAccount tokens).
    public var credentialID: String? { extra["authentication.kubernetes.io/credential-id"]?.first }
}
