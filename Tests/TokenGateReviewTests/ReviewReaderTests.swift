// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAudit
@testable import TokenGateReview

@Suite("Review reader over a real SQLite trail")
struct ReviewReaderTests {
    let trail: ReviewTrail
    let reader: ReviewReader

    init() throws {
        trail = try ReviewTrail()
        reader = ReviewReader(store: trail.store)
        try trail.store.insert([
            trail.exchange(.granted, hours: 1.2, pod: "web-1", uid: "u1", issued: "jti-a"),
            trail.exchange(.granted, hours: 1.5, pod: "web-1", uid: "u1", audience: "https://db", issued: "jti-b"),
            trail.exchange(.denied, hours: 2.1, pod: "web-1", uid: "u1", reason: "invalid_target (not allowed): audience x"),
            trail.exchange(.denied, hours: 3.7, pod: "job-9", uid: "u9", namespace: "batch", sa: "runner",
                           reason: "access_denied by policy rule r1: no", subject: "src-3"),
            trail.exchange(.granted, hours: 3.9, pod: "edge-1", uid: "e1", cluster: "edge", subject: "src-2"),
            trail.admission(.patched, hours: 0.5, kind: "Deployment", name: "web", reason: "projected token: audience https://vault, 3600s"),
            trail.admission(.allowed, hours: 0.6, kind: "Deployment", name: "legacy", reason: "opted out with tokengate.io/inject: \"false\""),
            trail.admission(.allowed, hours: 0.7, kind: "ReplicaSet", name: "web-5d9", reason: "ReplicaSet owned by a controller (Deployment web)"),
            trail.admission(.denied, hours: 0.8, kind: "Pod", name: "bad", namespace: "batch", reason: "serviceAccountName is missing"),
            // A newer decision about the same workload replaces the older one in coverage.
            trail.admission(.patched, hours: 2.5, kind: "Deployment", name: "legacy", reason: "projected token: audience https://vault, 600s"),
        ])
    }

    var range: ReviewFilter {
        var filter = ReviewFilter()
        filter.since = ReviewTrail.base
        filter.until = ReviewTrail.at(hours: 6)
        return filter
    }

    @Test("the overview counts exchanges and admissions per hour by outcome and reason")
    func overviewBuckets() throws {
        let overview = try reader.overview(range)
        #expect(overview.bucketMicros == 3_600_000_000)
        #expect(overview.exchanges.count == 6)
        #expect(overview.exchanges[1].counts == ["issued": 2])
        #expect(overview.exchanges[2].counts == ["denied: invalid_target": 1])
        #expect(overview.exchanges[3].counts == ["denied: access_denied": 1, "issued": 1])
        #expect(overview.admissions[0].counts["projected"] == 1)
        #expect(overview.admissions[0].counts["skipped: opted out with tokengate.io/inject"] == 1)
        #expect(overview.admissions[0].counts["skipped: ReplicaSet owned by a"] == 1)
        #expect(overview.admissions[0].counts["denied"] == 1)
        #expect(overview.admissions[2].counts == ["projected": 1])
    }

    @Test("the overview lists each cluster with its last granted exchange")
    func clusters() throws {
        let clusters = try reader.overview(range).clusters
        #expect(clusters.map(\.name) == ["edge", "prod"])
        #expect(clusters[0].lastGranted == ReviewTrail.at(hours: 3.9))
        #expect(clusters[0].lastRefused == nil)
        #expect(clusters[1].lastGranted == ReviewTrail.at(hours: 1.5))
        #expect(clusters[1].lastRefused == ReviewTrail.at(hours: 3.7))
        #expect(clusters[1].refused == 2)
    }

    @Test("coverage shows each workload's newest decision, filtered by status")
    func coverage() throws {
        let all = try reader.coverage(range).rows
        #expect(all.map { "\($0.namespace)/\($0.kind)/\($0.name)=\($0.status)" } == [
            "apps/Deployment/legacy=projected", "apps/Deployment/web=projected", "apps/ReplicaSet/web-5d9=skipped",
            "batch/Pod/bad=denied",
        ])
        #expect(all[0].decisions == 2)
        let skipped = try reader.coverage(range, status: .skipped).rows
        #expect(skipped.map(\.name) == ["web-5d9"])
        #expect(skipped[0].reason == "ReplicaSet owned by a controller (Deployment web)")
    }

    @Test("pods sum issued and denied tokens with their audiences")
    func pods() throws {
        let pods = try reader.pods(range).rows
        #expect(pods.map(\.name) == ["edge-1", "job-9", "web-1"])
        let web = try #require(pods.last)
        #expect(web.issued == 2)
        #expect(web.denied == 1)
        #expect(web.audiences == ["https://db", "https://vault"])
        #expect(web.lastIssued == ReviewTrail.at(hours: 1.5))
        var byNamespace = range
        byNamespace.namespace = "batch"
        #expect(try reader.pods(byNamespace).rows.map(\.name) == ["job-9"])
        var byCluster = range
        byCluster.cluster = "edge"
        #expect(try reader.pods(byCluster).rows.map(\.name) == ["edge-1"])
    }

    @Test("denials group by reason word and ServiceAccount, newest first")
    func denials() throws {
        let groups = try reader.denialGroups(range).rows
        #expect(groups.map { "\($0.kind) \($0.reason) \($0.serviceAccount)" } == [
            "token_exchange access_denied runner", "token_exchange invalid_target builder",
            "admission serviceAccountName is missing ",
        ])
        let events = try reader.denials(range).rows
        #expect(events.count == 3)
        var edge = range
        edge.cluster = "edge"
        #expect(try reader.denials(edge).rows.isEmpty, "the cluster filter reaches the event list too")
        edge.cluster = "prod"
        #expect(try reader.denials(edge).rows.map { $0.podName ?? $0.objectName ?? "" } == ["job-9", "web-1", "bad"])
        #expect(events[0].reason == "access_denied by policy rule r1: no")
    }

    @Test("trace by jti finds the issuance and its siblings from the same source token")
    func trace() throws {
        let trace = try reader.trace("jti-a")
        #expect(trace.issuance?.podName == "web-1")
        #expect(trace.sameSource.count == 3)
        #expect(try reader.trace("no-such-jti").issuance == nil)
    }

    @Test("a pod's timeline pages through its events by uid")
    func timeline() throws {
        let page = try reader.timeline(podUID: "u1", podName: nil, filter: range)
        #expect(page.rows.count == 3)
        #expect(page.hasNext == false)
    }

    @Test("the store refuses SQL that would write")
    func readOnly() throws {
        #expect(throws: AuditError.self) {
            _ = try trail.store.read { _ in ("DELETE FROM \(AuditTables.events)", []) }
        }
        #expect(try trail.store.count() == 10)
    }
}
