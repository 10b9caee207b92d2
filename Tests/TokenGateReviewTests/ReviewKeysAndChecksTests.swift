// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import TokenGateAudit
@testable import TokenGateReview

/// The overview's "clusters with their last successful JWKS fetch and TokenReview" and "every key
/// rotation with its time", over a real SQLite trail with the broker's ledger beside it.
@Suite("Review overview: cluster checks and key rotations")
struct ReviewKeysAndChecksTests {
    static let issuer = "https://tokengate.example.com"

    var range: ReviewFilter {
        var filter = ReviewFilter()
        filter.since = ReviewTrail.base
        filter.until = ReviewTrail.at(hours: 6)
        return filter
    }

    @Test("each cluster shows its last JWKS fetch and TokenReview, and its last failure")
    func clusterChecks() throws {
        let trail = try ReviewTrail()
        try trail.store.insert([trail.exchange(.granted, hours: 1, pod: "web-1", uid: "u1", cluster: "prod")])
        try trail.store.record([
            .success(.jwks, cluster: "prod", at: ReviewTrail.at(hours: 0.5)),
            .success(.tokenReview, cluster: "prod", at: ReviewTrail.at(hours: 1)),
            .failure(.tokenReview, cluster: "prod", reason: "HTTP 503", at: ReviewTrail.at(hours: 2)),
            // A cluster the broker calls but no exchange in the range names.
            .failure(.jwks, cluster: "edge", reason: "jwks: answered HTTP 401", at: ReviewTrail.at(hours: 3)),
        ])
        let reader = ReviewReader(store: trail.store)
        let clusters = try reader.overview(range).clusters
        #expect(clusters.map(\.name) == ["edge", "prod"])
        #expect(clusters[1].jwks?.succeededAt == ReviewTrail.at(hours: 0.5))
        #expect(clusters[1].tokenReview?.succeededAt == ReviewTrail.at(hours: 1))
        #expect(clusters[1].tokenReview?.failedAt == ReviewTrail.at(hours: 2))
        #expect(clusters[1].lastGranted == ReviewTrail.at(hours: 1), "the exchange evidence stays")
        #expect(clusters[0].jwks?.succeededAt == nil && clusters[0].jwks?.failure == "jwks: answered HTTP 401")
        var onlyEdge = range
        onlyEdge.cluster = "edge"
        #expect(try reader.overview(onlyEdge).clusters.map(\.name) == ["edge"], "the cluster filter applies")

        let html = try ReviewPages(reader: reader).overview(range)
        #expect(html.contains("<td class=\"jwks\">2026-12-01T00:30:00Z</td><td class=\"token-review\">2026-12-01T01:00:00Z</td>"))
        #expect(html.contains("<div class=\"problem\">TokenReview 2026-12-01T02:00:00Z: HTTP 503</div>"),
                "a failure newer than the last success is marked")
        #expect(html.contains("<td class=\"jwks\">none recorded</td>"))
    }

    @Test("a hostile failure reason renders as text")
    func hostileReason() throws {
        let trail = try ReviewTrail()
        try trail.store.record([.failure(.jwks, cluster: "<b>c</b>", reason: ReviewPagesTests.hostile, at: ReviewTrail.at(hours: 1))])
        let html = try ReviewPages(reader: ReviewReader(store: trail.store)).overview(range)
        #expect(!html.contains("<script") && !html.contains("<b>c</b>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    }

    @Test("rotations come from the key history in the order keys were first published")
    func rotationsFromHistory() {
        let t = { (s: Int64) in AuditTime(seconds: 1_765_000_000 + s) }
        let rows: [ReviewReader.HistoryRow] = [
            .init(issuer: "a", keyID: "k3", firstPublished: t(300)),
            .init(issuer: "a", keyID: "k1", firstPublished: nil),  // in the ledger before the history was kept
            .init(issuer: "a", keyID: "k2", firstPublished: t(100)),
            .init(issuer: "b", keyID: "only", firstPublished: t(50)),  // a first key is no rotation
        ]
        #expect(ReviewReader.rotations(rows) == [
            ReviewRotation(issuer: "a", time: t(300), fromKeyID: "k2", toKeyID: "k3"),
            ReviewRotation(issuer: "a", time: t(100), fromKeyID: "k1", toKeyID: "k2"),
        ])
        #expect(ReviewReader.rotations([]).isEmpty)
    }

    @Test("a ledger from before the key history keeps its keys without a time; the next key is a rotation from them")
    func upgradeAndRotation() throws {
        let trail = try ReviewTrail()
        let path = trail.directory + "/audit.db"
        // The ledger table as the previous release created it, with one key.
        try Self.sqlite(path, """
            CREATE TABLE tokengate_published_keys (issuer TEXT NOT NULL, kid TEXT NOT NULL, jwk TEXT NOT NULL,
              publish_until BIGINT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (issuer, kid));
            INSERT INTO tokengate_published_keys VALUES ('\(Self.issuer)', 'old-kid', '{}', 4000000000, 1765000000);
            """)
        let ledger = try SQLitePublishedKeyLedger(path: path)
        let before = AuditTime.now().microseconds
        try ledger.publish(PublishedKeyEntry(issuer: Self.issuer, keyID: "new-kid", jwk: "{}", publishUntil: 4_000_000_100))
        try ledger.publish(PublishedKeyEntry(issuer: Self.issuer, keyID: "old-kid", jwk: "{}", publishUntil: 4_000_000_000))
        let after = AuditTime.now().microseconds
        let first = try #require(Int64(try Self.sqlite(path, "SELECT first_published_us FROM tokengate_published_key_history WHERE kid = 'new-kid'")))
        #expect(first >= before && first <= after, "a new kid's first publication is when it was published")
        #expect(try Self.sqlite(path, "SELECT coalesce(first_published_us, 'null') FROM tokengate_published_key_history WHERE kid = 'old-kid'")
            == "null", "republishing a key never invents its first publication")
        // Later publications do not move a first one.
        try Self.sqlite(path, "UPDATE tokengate_published_key_history SET first_published_us = 1765000500000000 WHERE kid = 'new-kid'")
        try ledger.publish(PublishedKeyEntry(issuer: Self.issuer, keyID: "new-kid", jwk: "{}", publishUntil: 4_000_000_200))
        #expect(try Self.sqlite(path, "SELECT first_published_us FROM tokengate_published_key_history WHERE kid = 'new-kid'") == "1765000500000000")
        // The ledger prunes the old key once its tokens expired; the rotation stays on record.
        #expect(try ledger.prune(expiredAt: 4_000_000_050) == 1)

        let overview = try ReviewReader(store: trail.store).overview(range)
        #expect(overview.rotations == [
            ReviewRotation(issuer: Self.issuer, time: AuditTime(seconds: 1_765_000_500), fromKeyID: "old-kid", toKeyID: "new-kid"),
        ])
        #expect(overview.keys.map(\.keyID) == ["new-kid"])
        #expect(overview.keys.first?.firstPublished == AuditTime(seconds: 1_765_000_500))
        let html = try ReviewPages(reader: ReviewReader(store: trail.store)).overview(range)
        #expect(html.contains("<tr><td>2025-12-06T05:55:00Z</td><td>\(Self.issuer)</td><td class=\"mono\">old-kid</td><td class=\"mono\">new-kid</td></tr>"))
    }

    @discardableResult
    static func sqlite(_ path: String, _ sql: String) throws -> String {
        try PostgresReviewServer.run("/usr/bin/sqlite3", [path, sql])
    }
}
