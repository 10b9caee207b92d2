// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
@testable import TokenGateAudit

/// Each cluster's last JWKS fetch and TokenReview: stored by both stores in their own table (times
/// only move forward, whatever order replicas write in), and written by the writer at most once
/// per cluster and kind per interval however many checks are noted, off the caller's thread.
@Suite(.serialized) struct ClusterCheckTests {
    static func t(_ seconds: Int64) -> AuditTime { AuditTime(seconds: 1_765_000_000 + seconds) }

    /// The same sequence on any store; `cli` reads the table with the database's own client.
    static func checkFolding(_ store: any AuditStore, cli: (String) throws -> String) throws {
        try store.record([.success(.tokenReview, cluster: "prod", at: t(10)), .success(.jwks, cluster: "prod", at: t(5))])
        try store.record([.failure(.tokenReview, cluster: "prod", reason: "tokenreviews: HTTP 503 from the API server", at: t(20))])
        // A replica whose clock or batch is behind: older times change nothing.
        try store.record([.success(.tokenReview, cluster: "prod", at: t(3)),
                          .failure(.tokenReview, cluster: "prod", reason: "older failure", at: t(15))])
        try store.record([.failure(.jwks, cluster: "edge", reason: "jwks: GET https://edge/openid/v1/jwks answered HTTP 401", at: t(30))])
        let checks = try store.clusterChecks()
        #expect(checks == [
            ClusterCheck(cluster: "edge", kind: .jwks, succeededAt: nil, failedAt: t(30),
                         failure: "jwks: GET https://edge/openid/v1/jwks answered HTTP 401"),
            ClusterCheck(cluster: "prod", kind: .jwks, succeededAt: t(5), failedAt: nil, failure: nil),
            ClusterCheck(cluster: "prod", kind: .tokenReview, succeededAt: t(10), failedAt: t(20),
                         failure: "tokenreviews: HTTP 503 from the API server"),
        ])
        #expect(try cli("SELECT cluster || ' ' || kind || ' ' || coalesce(last_success_us, 0) FROM tokengate_cluster_checks ORDER BY cluster, kind")
            .split(separator: "\n") == ["edge jwks 0", "prod jwks \(t(5).microseconds)", "prod token_review \(t(10).microseconds)"])
        #expect(try store.count() == 0, "checks never become rows of the events table")
    }

    @Test func sqliteKeepsTheLaterTimesPerClusterAndKind() throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteAuditStore(path: dir.file("audit.db"))
        try Self.checkFolding(store) { try run("/usr/bin/sqlite3", [dir.file("audit.db"), $0]) }
    }

    @Test func postgresKeepsTheLaterTimesPerClusterAndKind() throws {
        let server = try PostgresTestServer()
        let store = PostgresAuditStore(dsn: server.dsn)
        defer { store.close() }
        try Self.checkFolding(store) { try server.psql($0) }
    }

    @Test func aLongFailureReasonIsCut() {
        let check = ClusterCheck.failure(.jwks, cluster: "c", reason: String(repeating: "x", count: 5000))
        #expect(check.failure?.count == ClusterCheck.maximumFailureLength + 1)
    }

    func configuration(_ dir: TemporaryDirectory, interval: Double) -> AuditWriterConfiguration {
        var configuration = AuditWriterConfiguration(spoolDirectory: dir.file("spool"))
        configuration.clusterCheckInterval = interval
        configuration.retryMinimum = 0.05
        configuration.retryMaximum = 0.2
        return configuration
    }

    @Test func aBusyBrokerWritesOneRowUpdatePerClusterAndKindPerInterval() async throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteAuditStore(path: dir.file("audit.db"))
        let writer = try AuditWriter(store: store, configuration: configuration(dir, interval: 1))
        let running = Task { await writer.run() }
        // About 2.5 s of TokenReviews for two clusters, as fast as this thread can note them.
        let start = ContinuousClock.now
        var noted = 0
        var last = AuditTime.now()
        while ContinuousClock.now - start < .milliseconds(2500) {
            last = AuditTime.now()
            writer.note(.success(.tokenReview, cluster: noted % 2 == 0 ? "prod" : "edge", at: last))
            noted += 1
            if noted % 1000 == 0 { try await Task.sleep(for: .milliseconds(1)) }
        }
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        let elapsed = Double(seconds) + Double(attoseconds) / 1e18
        let written = writer.metrics.clusterChecks
        // One write at once (the first check wakes the writer), then at most one per interval, each
        // one row per cluster: a handful of row updates, not one per check. On a loaded machine the
        // writer may come later, never more often.
        #expect(noted > 1000)
        #expect(written <= 2 * (UInt64(elapsed) + 1), "\(written) row updates for \(noted) checks in \(elapsed) s")
        let deadline = ContinuousClock.now + .seconds(3)
        while writer.metrics.clusterChecks == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(writer.metrics.clusterChecks >= 1, "checks are stored while the broker runs, not only at shutdown")
        await writer.shutdown()
        await running.value
        // The last interval's checks are written when the writer stops.
        let stored = try store.clusterChecks()
        #expect(stored.count == 2)
        #expect(stored.compactMap(\.succeededAt).max() == last)
        #expect(try store.count() == 0)
    }

    @Test func anIdleWriterStoresTheFirstCheckAtOnce() async throws {
        // The writer sleeps up to a minute when nothing is due; a noted check must wake it.
        let dir = try TemporaryDirectory()
        let store = try SQLiteAuditStore(path: dir.file("audit.db"))
        let writer = try AuditWriter(store: store, configuration: configuration(dir, interval: 5))
        let running = Task { await writer.run() }
        try await Task.sleep(for: .milliseconds(300))
        writer.note(.success(.jwks, cluster: "prod", at: Self.t(1)))
        let deadline = ContinuousClock.now + .seconds(2)
        while try store.clusterChecks().isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(try store.clusterChecks().map(\.succeededAt) == [Self.t(1)])
        await writer.shutdown()
        await running.value
    }

    @Test func checksWaitInMemoryWhileTheStoreIsDownWithoutWakingTheWriter() async throws {
        let dir = try TemporaryDirectory()
        let store = FaultyStore(try SQLiteAuditStore(path: dir.file("audit.db")))
        store.down.store(true, ordering: .relaxed)
        let writer = try AuditWriter(store: store, configuration: configuration(dir, interval: 5))
        let running = Task { await writer.run() }
        writer.note(.failure(.tokenReview, cluster: "prod", reason: "refused", at: Self.t(1)))
        try await Task.sleep(for: .milliseconds(200))
        let before = writer.loopPasses.load(ordering: .relaxed)
        try await Task.sleep(for: .seconds(1))
        let passes = writer.loopPasses.load(ordering: .relaxed) - before
        #expect(passes <= 2, "the writer woke \(passes) times in a second with checks it cannot store yet")
        #expect(try store.inner.clusterChecks().isEmpty)
        store.down.store(false, ordering: .relaxed)
        writer.note(.success(.tokenReview, cluster: "prod", at: Self.t(2)))
        await writer.shutdown()
        await running.value
        #expect(try store.inner.clusterChecks() == [
            ClusterCheck(cluster: "prod", kind: .tokenReview, succeededAt: Self.t(2), failedAt: Self.t(1), failure: "refused"),
        ])
    }
}
