// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import TokenGateAdmission
import TokenGateAudit
import TokenGateHTTP
import TokenGateService

/// A Pod's own admission is an event about that pod: `audit query --pod NAME` and `--pod-uid UID`
/// (and `audit trace`, which looks pods up the same way) must find it next to the pod's exchanges.
/// The review goes through the real handler, trail, writer and SQLite store.
@Suite struct PodAdmissionAuditTests {
    static func review(uid: String, kind: String, group: String = "", resource: String, name: String,
                       operation: String = "CREATE", object: String) -> [UInt8] {
        let apiVersion = group.isEmpty ? "v1" : "\(group)/v1"
        return Array("""
            {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"\(uid)",
             "kind":{"group":"\(group)","version":"v1","kind":"\(kind)"},
             "resource":{"group":"\(group)","version":"v1","resource":"\(resource)"},
             "name":"\(name)","namespace":"shop","operation":"\(operation)",
             "object":{"apiVersion":"\(apiVersion)","kind":"\(kind)","metadata":\(object),
                       "spec":{"containers":[{"name":"web","image":"web:1"}]}}}}
            """.utf8)
    }

    @Test func aPodsAdmissionIsFoundByItsNameAndUID() async throws {
        let directory = NSTemporaryDirectory() + "tokengate-pod-admission-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteAuditStore(path: directory + "/audit.db")
        let writer = try AuditWriter(
            store: store, configuration: AuditWriterConfiguration(spoolDirectory: directory + "/spool"))
        writer.start()  // before the first event: a writer not yet started sends a flush to the spool
        let trail = AuditTrail(writer: writer)
        let handler = TokenGateAdmissionHandler(settings: ProjectionSettings(enabled: true))
        let reviews = [
            Self.review(uid: "review-pod", kind: "Pod", resource: "pods", name: "web-9",
                        object: #"{"name":"web-9","namespace":"shop","uid":"5f0c1d2e-pod-uid"}"#),
            // A Deployment that happens to share the name is not the pod.
            Self.review(uid: "review-deployment", kind: "Deployment", group: "apps", resource: "deployments",
                        name: "web-9", object: #"{"name":"web-9","namespace":"shop","uid":"9a8b7c6d-deploy-uid"}"#),
        ]
        for body in reviews {
            let outcome = handler.review(Array(body), at: .mutate)
            let record = try #require(outcome.record)
            trail.record(admission: record)
        }
        await writer.flush()

        var byName = AuditQuery()
        byName.podName = "web-9"
        #expect(try store.query(byName).map(\.requestUID) == ["review-pod"])
        var byUID = AuditQuery()
        byUID.podUID = "5f0c1d2e-pod-uid"
        #expect(try store.query(byUID).map(\.requestUID) == ["review-pod"])
        let podEvent = try #require(try store.query(byName).first)
        #expect(podEvent.kind == .admission && podEvent.resourceKind == "Pod" && podEvent.objectName == "web-9")
        await writer.shutdown()
    }
}
