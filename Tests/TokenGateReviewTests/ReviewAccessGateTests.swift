import Foundation
import NIOHTTP1
import Synchronization
import Testing
import TokenGateKubeClient
@testable import TokenGateReview

/// Answers in place of the Kubernetes API server's TokenReview and SubjectAccessReview (a stand-in:
/// the gate's decisions are pure functions of those two answers and the clock).
final class ScriptedReviewer: ReviewAccessReviewer {
    enum Answer<T: Sendable>: Sendable { case value(T), failure(KubeClientError) }
    let tokens: [String: Answer<TokenReviewResult>]
    let access: [String: Answer<SubjectAccessReviewResult>]
    let calls = Mutex<[String]>([])

    init(tokens: [String: Answer<TokenReviewResult>], access: [String: Answer<SubjectAccessReviewResult>] = [:]) {
        self.tokens = tokens
        self.access = access
    }

    func authenticate(_ token: String) async throws -> TokenReviewResult {
        calls.withLock { $0.append("TokenReview") }
        switch tokens[token] {
        case .value(let result): return result
        case .failure(let error): throw error
        case nil: return TokenReviewResult(authenticated: false, error: "invalid bearer token")
        }
    }

    func authorize(_ user: TokenReviewResult, _ attributes: ResourceAttributes) async throws -> SubjectAccessReviewResult {
        calls.withLock { $0.append("SubjectAccessReview \(user.username ?? "") \(attributes)") }
        switch access[user.username ?? ""] {
        case .value(let result): return result
        case .failure(let error): throw error
        case nil: return SubjectAccessReviewResult(allowed: false)
        }
    }
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    let instant = Mutex(ContinuousClock.now)
    func advance(by duration: Duration) { instant.withLock { $0 = $0.advanced(by: duration) } }
    var now: @Sendable () -> ContinuousClock.Instant { { [self] in instant.withLock { $0 } } }
}

@Suite struct ReviewAccessGateTests {
    let permission = ResourceAttributes(verb: "get", group: "tokengate.io", resource: "auditreviews")
    static let alice = TokenReviewResult(authenticated: true, username: "alice", uid: "u-a", groups: ["reviewers"])
    static let bob = TokenReviewResult(authenticated: true, username: "bob", uid: "u-b", groups: ["developers"])

    func gate(_ reviewer: ScriptedReviewer, clock: ManualClock = ManualClock()) -> ReviewAccessGate {
        ReviewAccessGate(reviewer: reviewer, permission: permission, now: clock.now)
    }

    @Test func aMissingOrMalformedHeaderIsUnauthenticatedWithoutAskingTheAPIServer() async {
        let reviewer = ScriptedReviewer(tokens: ["t-alice": .value(Self.alice)])
        let gate = gate(reviewer)
        for header in [nil, "", "Basic YWxpY2U6cHc=", "Bearer", "Bearer    "] as [String?] {
            let decision = await gate.decide(authorization: header)
            guard case .unauthenticated = decision else { Issue.record("\(String(describing: header)) gave \(decision)"); continue }
            #expect(decision.response?.status == .unauthorized)
            #expect(decision.response?.headers["www-authenticate"].first?.hasPrefix("Bearer") == true)
        }
        #expect(reviewer.calls.withLock { $0 }.isEmpty)
    }

    @Test func aTokenTokenReviewRejectsIs401WithTheAPIServersReason() async {
        let gate = gate(ScriptedReviewer(tokens: ["expired": .value(TokenReviewResult(authenticated: false, error: "token has expired"))]))
        let decision = await gate.decide(authorization: "Bearer expired")
        #expect(decision == .unauthenticated(reason: "TokenReview did not authenticate the token (token has expired)"))
        #expect(decision.response?.status == .unauthorized)
    }

    @Test func anAuthenticatedUserWithoutThePermissionIs403NamingBoth() async throws {
        let reviewer = ScriptedReviewer(tokens: ["t-bob": .value(Self.bob)])
        let decision = await gate(reviewer).decide(authorization: "bearer t-bob")
        #expect(decision == .forbidden(user: "bob", permission: "get on auditreviews.tokengate.io", reason: nil))
        let response = try #require(decision.response)
        #expect(response.status == .forbidden)
        let text = String(buffer: response.body)
        #expect(text.contains("bob"))
        #expect(text.contains("get on auditreviews.tokengate.io"))
        #expect(reviewer.calls.withLock { $0 } == ["TokenReview", "SubjectAccessReview bob get on auditreviews.tokengate.io"])
    }

    @Test func anExplicitDenialWinsOverAllowed() async {
        let reviewer = ScriptedReviewer(
            tokens: ["t-alice": .value(Self.alice)],
            access: ["alice": .value(SubjectAccessReviewResult(allowed: true, denied: true, reason: "webhook denied"))])
        let decision = await gate(reviewer).decide(authorization: "Bearer t-alice")
        #expect(decision == .forbidden(user: "alice", permission: "get on auditreviews.tokengate.io", reason: "webhook denied"))
    }

    @Test func anAllowedUserIsServedAndTheAnswerIsReusedUntilItExpires() async {
        let reviewer = ScriptedReviewer(tokens: ["t-alice": .value(Self.alice)], access: ["alice": .value(SubjectAccessReviewResult(allowed: true))])
        let clock = ManualClock()
        let gate = gate(reviewer, clock: clock)
        #expect(await gate.decide(authorization: "Bearer t-alice") == .allowed(user: "alice"))
        #expect(await gate.decide(authorization: "Bearer t-alice") == .allowed(user: "alice"))
        clock.advance(by: .seconds(9))
        #expect(await gate.decide(authorization: "Bearer t-alice") == .allowed(user: "alice"))
        #expect(reviewer.calls.withLock { $0.count } == 2, "three requests within 10 s: one TokenReview and one SubjectAccessReview")
        clock.advance(by: .seconds(1))
        #expect(await gate.decide(authorization: "Bearer t-alice") == .allowed(user: "alice"))
        #expect(reviewer.calls.withLock { $0.count } == 4, "after 10 s both reviews are asked again")
        #expect(ReviewAccessDecision.allowed(user: "alice").response == nil, "allowed: the page is served")
    }

    @Test func refusalsAreNotRemembered() async {
        let reviewer = ScriptedReviewer(tokens: ["t-bob": .value(Self.bob)])
        let gate = gate(reviewer)
        _ = await gate.decide(authorization: "Bearer t-bob")
        _ = await gate.decide(authorization: "Bearer t-bob")
        #expect(reviewer.calls.withLock { $0.count } == 4)
        #expect(gate.cachedCount == 0)
    }

    @Test func theCacheIsKeyedByTheTokensHashNotTheToken() async {
        let reviewer = ScriptedReviewer(tokens: ["t-alice": .value(Self.alice)], access: ["alice": .value(SubjectAccessReviewResult(allowed: true))])
        let gate = gate(reviewer)
        _ = await gate.decide(authorization: "Bearer t-alice")
        #expect(gate.cachedKeys.map(\.count) == [32])
        #expect(!gate.cachedKeys.contains(Array("t-alice".utf8)))
    }

    @Test func noAnswerFromTheAPIServerIs503() async throws {
        let unreachable = ScriptedReviewer(tokens: ["t-alice": .failure(.unavailable("connect timed out after 2 s"))])
        let first = await gate(unreachable).decide(authorization: "Bearer t-alice")
        #expect(first == .unavailable(reason: "TokenReview failed: connect timed out after 2 s"))
        #expect(first.response?.status == .serviceUnavailable)

        let sarDown = ScriptedReviewer(tokens: ["t-alice": .value(Self.alice)], access: ["alice": .failure(.unavailable("503 from the API server"))])
        let second = await gate(sarDown).decide(authorization: "Bearer t-alice")
        #expect(second == .unavailable(reason: "SubjectAccessReview failed: 503 from the API server"))

        let undecided = ScriptedReviewer(
            tokens: ["t-alice": .value(Self.alice)], access: ["alice": .value(SubjectAccessReviewResult(allowed: false, evaluationError: "webhook timed out"))])
        let third = await gate(undecided).decide(authorization: "Bearer t-alice")
        #expect(third == .unavailable(reason: "SubjectAccessReview could not decide: webhook timed out"))
    }

    @Test func theCacheStaysBounded() async {
        let tokens = Dictionary(uniqueKeysWithValues: (0..<5).map { ("t-\($0)", ScriptedReviewer.Answer.value(Self.alice)) })
        let reviewer = ScriptedReviewer(tokens: tokens, access: ["alice": .value(SubjectAccessReviewResult(allowed: true))])
        let gate = ReviewAccessGate(reviewer: reviewer, permission: permission, maxCachedTokens: 3, now: ManualClock().now)
        for index in 0..<5 { _ = await gate.decide(authorization: "Bearer t-\(index)") }
        #expect(gate.cachedCount <= 3)
        #expect(gate.cachedCount >= 1)
    }
}
