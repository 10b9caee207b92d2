// SPDX-License-Identifier: Apache-2.0
import Synchronization
import Testing
@testable import TokenGateBroker

/// A TokenReviewer that answers only when the test opens its gate, and counts what it was asked:
/// a stand-in for the API server's TokenReview, not Kubernetes.
private actor GatedReviewer: TokenReviewer {
    private(set) var calls = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var open = false
    private let answer: Result<TokenReviewStatus, UpstreamUnavailable>

    init(answer: Result<TokenReviewStatus, UpstreamUnavailable>) { self.answer = answer }

    func review(token: String, audiences: [String], cluster: ClusterSettings) async throws(UpstreamUnavailable) -> TokenReviewStatus {
        calls += 1
        if !open { await withCheckedContinuation { waiting.append($0) } }
        return try answer.get()
    }

    func release() {
        open = true
        for continuation in waiting { continuation.resume() }
        waiting.removeAll()
    }
}

private final class StartedCount: Sendable {
    let value = Atomic<Int>(0)
}

@Suite("TokenReview: exchanges that miss together share one review")
struct TokenReviewCoalescingTests {
    static let cluster = ClusterSettings(name: "prod", issuer: "https://kubernetes.default.svc.cluster.local",
                                         verification: .tokenReview, apiServer: "https://10.0.0.1:6443")

    /// Starts `count` reviews of one token at once, opens the gate once all have been started
    /// (whether a late one joins the review in flight or finds its cached answer, it asks nothing).
    private static func burst(_ count: Int, cache: TokenReviewCache, reviewer: GatedReviewer)
        async -> [Result<(status: TokenReviewStatus, cached: Bool), UpstreamUnavailable>]
    {
        let started = StartedCount()
        return await withTaskGroup(of: Result<(status: TokenReviewStatus, cached: Bool), UpstreamUnavailable>.self) { group in
            for _ in 0..<count {
                group.addTask {
                    started.value.add(1, ordering: .relaxed)
                    do throws(UpstreamUnavailable) {
                        return .success(try await cache.review(token: "t0ken", audiences: ["https://tokengate/token"], cluster: cluster,
                                                               tokenExpiry: 2_000_000_000, reviewer: reviewer))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            while true {
                let asked = await reviewer.calls
                if started.value.load(ordering: .relaxed) == count, asked > 0 { break }
                await Task.yield()
            }
            await reviewer.release()
            var results: [Result<(status: TokenReviewStatus, cached: Bool), UpstreamUnavailable>] = []
            for await result in group { results.append(result) }
            return results
        }
    }

    @Test("twenty concurrent misses cost one TokenReview; only the exchange that asked says it was not cached")
    func positiveAnswerShared() async throws {
        let answer = TokenReviewStatus(authenticated: true, audiences: ["https://tokengate/token"], username: "system:serviceaccount:payments:api")
        let reviewer = GatedReviewer(answer: .success(answer))
        let cache = TokenReviewCache(lifetimeSeconds: 10, clock: BrokerClock { 1_000_000_000 })
        let results = await Self.burst(20, cache: cache, reviewer: reviewer)
        #expect(await reviewer.calls == 1)
        let answers = try results.map { try $0.get() }
        #expect(answers.allSatisfy { $0.status == answer })
        #expect(answers.filter { !$0.cached }.count == 1)
        #expect(cache.count == 1)
    }

    @Test("a failed review is shared by those waiting for it, is not cached, and the next exchange asks again")
    func failureSharedNotCached() async throws {
        let reviewer = GatedReviewer(answer: .failure(UpstreamUnavailable(.tokenReview, cluster: "prod", "connection refused")))
        let cache = TokenReviewCache(lifetimeSeconds: 10, clock: BrokerClock { 1_000_000_000 })
        let results = await Self.burst(8, cache: cache, reviewer: reviewer)
        #expect(results.allSatisfy { if case .failure = $0 { true } else { false } })
        let asked = await reviewer.calls
        #expect(asked >= 1 && asked <= 8)
        #expect(cache.count == 0)
        await #expect(throws: UpstreamUnavailable.self) {
            _ = try await cache.review(token: "t0ken", audiences: ["https://tokengate/token"], cluster: Self.cluster,
                                       tokenExpiry: 2_000_000_000, reviewer: reviewer)
        }
        #expect(await reviewer.calls == asked + 1)
    }
}
