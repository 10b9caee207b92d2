// SPDX-License-Identifier: Apache-2.0
import Foundation
import Synchronization
import TokenGateCrypto
import TokenGateKubeClient

/// Decides whether a request to the review page may be served, when the page is not reached
/// through `kubectl port-forward`: the bearer token must be authenticated by TokenReview, and
/// SubjectAccessReview must allow that user ``permission`` (with the user's groups, uid and extra).
///
/// A yes is remembered for ``cacheTTL`` (10 s by default), keyed by the SHA-256 of the token,
/// never the token, so one page view with its stylesheet and CSV links is one pair of reviews. A
/// no is not remembered: a permission just granted works on the next request. At most
/// ``maxCachedTokens`` answers are kept; beyond that, expired ones go first, then all of them.
public final class ReviewAccessGate: Sendable {
    public let permission: ResourceAttributes
    public let cacheTTL: Duration
    public let maxCachedTokens: Int
    private let reviewer: any ReviewAccessReviewer
    private let now: @Sendable () -> ContinuousClock.Instant
    private let allowed = Mutex<[[UInt8]: (user: String, until: ContinuousClock.Instant)]>([:])

    public init(reviewer: any ReviewAccessReviewer, permission: ResourceAttributes, cacheTTL: Duration = .seconds(10),
                maxCachedTokens: Int = 1024, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.reviewer = reviewer
        self.permission = permission
        self.cacheTTL = cacheTTL
        self.maxCachedTokens = max(1, maxCachedTokens)
        self.now = now
    }

    /// The decision for a request whose `Authorization` header is `authorization` (nil when absent).
    public func decide(authorization: String?) async -> ReviewAccessDecision {
        guard let token = Self.bearerToken(authorization) else {
            return .unauthenticated(reason: authorization == nil ? "no Authorization header" : "the Authorization header is not `Bearer <token>`")
        }
        let key = SHA256.hash(token)
        let instant = now()
        if let hit = allowed.withLock({ $0[key] }), instant < hit.until { return .allowed(user: hit.user) }

        let user: TokenReviewResult
        do {
            user = try await reviewer.authenticate(token)
        } catch {
            return .unavailable(reason: "TokenReview failed: \(error)")
        }
        guard user.authenticated, let username = user.username, !username.isEmpty else {
            return .unauthenticated(reason: "TokenReview did not authenticate the token" + (user.error.map { " (\($0))" } ?? ""))
        }
        let answer: SubjectAccessReviewResult
        do {
            answer = try await reviewer.authorize(user, permission)
        } catch {
            return .unavailable(reason: "SubjectAccessReview failed: \(error)")
        }
        guard answer.allowed, !answer.denied else {
            if answer.reason?.isEmpty ?? true, let evaluationError = answer.evaluationError, !evaluationError.isEmpty {
                return .unavailable(reason: "SubjectAccessReview could not decide: \(evaluationError)")
            }
            return .forbidden(user: username, permission: permission.description, reason: answer.reason)
        }
        remember(key, user: username, at: instant)
        return .allowed(user: username)
    }

    /// Number of remembered answers (expired ones included until pruned), for tests.
    public var cachedCount: Int { allowed.withLock { $0.count } }

    /// The remembered keys (token hashes), for tests.
    var cachedKeys: [[UInt8]] { allowed.withLock { Array($0.keys) } }

    private func remember(_ key: [UInt8], user: String, at instant: ContinuousClock.Instant) {
        allowed.withLock { cache in
            if cache.count >= maxCachedTokens {
                cache = cache.filter { instant < $0.value.until }
                if cache.count >= maxCachedTokens { cache.removeAll() }
            }
            cache[key] = (user, instant.advanced(by: cacheTTL))
        }
    }

    /// The token of `Bearer <token>` (scheme case-insensitive, RFC 7235), or nil.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
