// SPDX-License-Identifier: Apache-2.0

/// Asks the subject token's cluster whether the token and its pod are still real (k8s-api.md
/// §7.5 step 5): TokenReview with `spec.audiences = [broker audience]`, then a GET of the pod
/// comparing UIDs. This is what catches a deleted pod or ServiceAccount, which a signature
/// check cannot. The Pod GET also runs alone, after a JWKS check, for `verify: jwks` with
/// `checkPod: true`.
struct ClusterConfirmation: Sendable {
    let audience: String
    let reviewer: any TokenReviewer
    let pods: any PodLookup
    let cache: TokenReviewCache

    /// TokenReview (cached ≤ 10 s) and its checks.
    /// - Returns: whether the answer came from the cache (for the audit record).
    func review(token: String, digest: TokenDigest, claims: SubjectClaims, cluster: ClusterSettings) async throws(ExchangeError) -> Bool {
        let review: (status: TokenReviewStatus, cached: Bool)
        do {
            review = try await cache.review(token: token, digest: digest, audiences: [audience], cluster: cluster,
                                            tokenExpiry: claims.effectiveExpiry, reviewer: reviewer)
        } catch {
            throw .unavailable(error)
        }
        try check(review.status, claims: claims)
        return review.cached
    }

    /// The TokenReview answer for this token if the cache has it, unchecked; nil on a miss. The
    /// exchange's synchronous path takes it before checking the signature (a miss sends the
    /// request down the waiting path, which reviews), and ``check(_:claims:)``s it after.
    func cachedStatus(digest: TokenDigest, cluster: ClusterSettings) -> TokenReviewStatus? {
        cache.cachedReview(digest: digest, audiences: [audience], cluster: cluster)
    }

    /// The Pod GET: the pod named in the token must exist with the token's UID and run as its
    /// ServiceAccount. Returns nil when the cluster says not to check or the token has no pod.
    func pod(claims: SubjectClaims, cluster: ClusterSettings) async throws(ExchangeError) -> LivePod? {
        guard cluster.checkPod, let podClaim = claims.pod else { return nil }
        let pod: LivePod?
        do {
            pod = try await pods.pod(namespace: claims.namespace, name: podClaim.name, cluster: cluster)
        } catch {
            throw .unavailable(error)
        }
        guard let pod else {
            throw .subject("pod_not_found", "the pod named in subject_token no longer exists")
        }
        guard pod.uid == podClaim.uid else {
            throw .subject("pod_uid_mismatch", "the pod named in subject_token was replaced (its UID differs); use the new pod's token",
                           detail: "token pod uid \(podClaim.uid ?? "-"), live pod uid \(pod.uid)")
        }
        if let account = pod.serviceAccountName, account != claims.serviceAccount.name {
            throw .subject("pod_serviceaccount_mismatch", "the pod named in subject_token runs as a different ServiceAccount")
        }
        return pod
    }

    /// The review must say yes, for our audience, for the same ServiceAccount and pod.
    func check(_ status: TokenReviewStatus, claims: SubjectClaims) throws(ExchangeError) {
        guard status.authenticated else {
            throw .subject("tokenreview_rejected",
                           "the cluster no longer accepts subject_token (its pod or ServiceAccount may have been deleted)",
                           detail: status.error)
        }
        // An authenticator that is not audience-aware answers with no audiences, meaning "valid
        // for the API server": not good enough for a token that must be meant for the broker.
        guard status.audiences.contains(audience) else {
            throw .subject("tokenreview_audience", "the cluster does not confirm subject_token for this broker's audience",
                           detail: "status.audiences \(status.audiences)")
        }
        guard status.username == claims.subject else {
            throw .subject("tokenreview_mismatch", "the cluster's view of subject_token differs from its claims",
                           detail: "username \(status.username ?? "-") vs sub \(claims.subject)")
        }
        if let uid = status.uid, uid != claims.serviceAccount.uid {
            throw .subject("tokenreview_mismatch", "the cluster's view of subject_token differs from its claims",
                           detail: "ServiceAccount uid \(uid) vs claim \(claims.serviceAccount.uid ?? "-")")
        }
        if let pod = claims.pod, status.podUID != pod.uid {
            throw .subject("tokenreview_mismatch", "the cluster's view of subject_token differs from its claims",
                           detail: "pod-uid \(status.podUID ?? "(none)") vs claim \(pod.uid ?? "-")")
        }
        if claims.pod == nil, status.podUID != nil {
            throw .subject("tokenreview_mismatch", "the cluster's view of subject_token differs from its claims",
                           detail: "review names pod \(status.podName ?? "?") but the token has no pod claim")
        }
        if let jti = claims.tokenID, let credential = status.credentialID, credential != "JTI=" + jti {
            throw .subject("tokenreview_mismatch", "the cluster's view of subject_token differs from its claims",
                           detail: "credential-id \(credential) vs jti \(jti)")
        }
    }
}
