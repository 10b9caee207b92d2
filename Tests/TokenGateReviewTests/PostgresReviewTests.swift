// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import TokenGateAudit
@testable import TokenGateReview

/// The review queries on a REAL PostgreSQL (hack/postgres-test.sh starts one in a temporary
/// directory) give the same answers as on SQLite for the same events.
@Suite(.serialized) struct PostgresReviewTests {
    @Test("PostgreSQL and SQLite answer every review view alike, and PostgreSQL refuses a write")
    func sameAnswersAsSQLite() throws {
        let server = try PostgresReviewServer()
        let trail = try ReviewTrail()
        let events = [
            trail.exchange(.granted, hours: 1.2, pod: "web-1", uid: "u1", issued: "jti-a"),
            trail.exchange(.granted, hours: 1.5, pod: "web-1", uid: "u1", audience: "https://db", issued: "jti-b"),
            trail.exchange(.denied, hours: 2.1, pod: "web-1", uid: "u1", reason: "invalid_target (not allowed): audience x"),
            trail.exchange(.denied, hours: 3.7, pod: "job-9", uid: "u9", namespace: "batch", sa: "runner",
                           reason: "access_denied by policy rule r1: no", subject: "src-3"),
            trail.exchange(.granted, hours: 3.9, pod: "edge-1", uid: "e1", cluster: "edge", subject: "src-2"),
            trail.admission(.patched, hours: 0.5, kind: "Deployment", name: "web", reason: "projected token: 3600s"),
            trail.admission(.allowed, hours: 0.7, kind: "ReplicaSet", name: "web-5d9", reason: "ReplicaSet owned by a controller"),
            trail.admission(.denied, hours: 0.8, kind: "Pod", name: "bad", namespace: "batch", reason: "serviceAccountName is missing"),
            trail.admission(.patched, hours: 2.5, kind: "Deployment", name: "web", reason: "projected token: 600s"),
        ]
        try trail.store.insert(events)
        let postgres = PostgresAuditStore(dsn: server.dsn)
        defer { postgres.close() }
        #expect(try postgres.insert(events) == events.count)
        let checks: [ClusterCheck] = [
            .success(.jwks, cluster: "prod", at: ReviewTrail.at(hours: 1)),
            .failure(.tokenReview, cluster: "edge", reason: "HTTP 503", at: ReviewTrail.at(hours: 2)),
        ]
        try trail.store.record(checks)
        try postgres.record(checks)
        let lite = ReviewReader(store: trail.store), pg = ReviewReader(store: postgres)
        var filter = ReviewFilter()
        filter.since = ReviewTrail.base
        filter.until = ReviewTrail.at(hours: 6)

        let (a, b) = (try lite.overview(filter), try pg.overview(filter))
        #expect(a.exchanges == b.exchanges)
        #expect(a.admissions == b.admissions)
        #expect(a.clusters == b.clusters)
        #expect(b.clusters.map { $0.jwks?.succeededAt } == [nil, ReviewTrail.at(hours: 1)])
        #expect(b.clusters.first?.tokenReview?.failure == "HTTP 503")
        #expect(b.exchanges[1].counts == ["issued": 2])
        #expect(b.keysNote != nil, "no ledger table in this database")
        func byName<T>(_ rows: [T], _ key: (T) -> String) -> [String] { rows.map(key).sorted() }
        let coverage = (try lite.coverage(filter).rows, try pg.coverage(filter).rows)
        #expect(byName(coverage.0) { "\($0.kind)/\($0.name)=\($0.status) \($0.decisions) \($0.reason)" }
            == byName(coverage.1) { "\($0.kind)/\($0.name)=\($0.status) \($0.decisions) \($0.reason)" })
        #expect(coverage.1.count == 3)
        let pods = (try lite.pods(filter).rows, try pg.pods(filter).rows)
        #expect(pods.0 == pods.1)
        let groups = (try lite.denialGroups(filter).rows, try pg.denialGroups(filter).rows)
        #expect(groups.0 == groups.1)
        #expect(try pg.trace("jti-a").sameSource.map(\.id) == (try lite.trace("jti-a").sameSource.map(\.id)))

        #expect(throws: AuditError.self) {
            _ = try postgres.read { _ in ("DELETE FROM \(AuditTables.events)", []) }
        }
        #expect(try postgres.count() == events.count)
    }
}

/// hack/postgres-test.sh's server for one test (the same script TokenGateAuditTests use).
final class PostgresReviewServer {
    let directory: String
    let dsn: String
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path + "/hack/postgres-test.sh"

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/tokengate-review-pg-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw AuditError(.io, "mkdtemp failed") }
        directory = String(cString: made)
        chmod(directory, 0o755)  // PostgreSQL runs as another user when the tests run as root
        dsn = try Self.run("/bin/bash", [Self.script, "start", directory + "/pg"])
    }

    deinit {
        _ = try? Self.run("/bin/bash", [Self.script, "destroy", directory + "/pg"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// posix_spawn + waitpid, output to files: a child that starts a daemon (pg_ctl) must not be
    /// left unreaped or hold a pipe open (see TokenGateAuditTests' TestSupport).
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let out = NSTemporaryDirectory() + "/tokengate-review-run-\(UUID().uuidString)"
        defer { unlink(out + ".out"); unlink(out + ".err") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, out + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard rc == 0 else { throw AuditError(.io, "cannot run \(executable): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: out + ".out", encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: out + ".err", encoding: .utf8)) ?? ""
        guard status & 0x7F == 0, (status >> 8) & 0xFF == 0 else {
            throw AuditError(.io, "\(executable) \(arguments.joined(separator: " ")) failed (status \(status)): \(errors)")
        }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
