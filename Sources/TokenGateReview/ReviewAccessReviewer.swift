// SPDX-License-Identifier: Apache-2.0
import TokenGateKubeClient

/// Who answers the review page's two questions about a caller: TokenReview (who is this?) and
/// SubjectAccessReview (may they look?). ``KubeClient`` in production; tests give their own answers.
public protocol ReviewAccessReviewer: Sendable {
    /// TokenReview of `token` for the API server's own audiences; throws ``KubeClientError`` when there is no answer.
    func authenticate(_ token: String) async throws -> TokenReviewResult
    /// SubjectAccessReview of `user` for `attributes`; throws ``KubeClientError`` when there is no answer.
    func authorize(_ user: TokenReviewResult, _ attributes: ResourceAttributes) async throws -> SubjectAccessReviewResult
}

extension KubeClient: ReviewAccessReviewer {
    public func authenticate(_ token: String) async throws -> TokenReviewResult {
        // No audiences: the API server checks the token against its own (a `kubectl` or
        // `kubectl create token` token), which is what a person presents to the page.
        try await reviewToken(token, audiences: [])
    }

    public func authorize(_ user: TokenReviewResult, _ attributes: ResourceAttributes) async throws -> SubjectAccessReviewResult {
        try await reviewAccess(user: user, attributes: attributes)
    }
}
