// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import TokenGateJSON
@testable import TokenGateAudit

/// Spool lines are written in one pass (`JSONWriter`), not through a `JSON` tree and Jansson. The
/// format must not move: lines written before read the same, and `--format json` prints the tree.
@Suite struct SpoolLineTests {
    func line(_ event: AuditEvent) -> [UInt8] {
        var writer = JSONWriter(into: [UInt8]())
        event.writeJSON(into: &writer)
        return writer.sink
    }

    @Test func oneLineIsTheSameBytesAsTheJSONTree() {
        var odd = AuditEventTests.fullExchange()
        odd.reason = "quote \" backslash \\ NUL \0 tab \t newline \n bell \u{7} DEL \u{7F} ünïcödé ✓ 日本 \u{2028}"
        odd.podName = ""
        odd.issuedAt = AuditTime(microseconds: -1)  // before 1970: a negative time still round-trips
        var admission = AuditEvent.admission(decision: .patched, reason: "projected", requestUID: "u-1",
            resourceKind: "Deployment", namespace: "ns", objectName: "web", operation: "UPDATE",
            patchSummary: "volume tokengate-token, 2 mounts", serviceAccountName: "web", cluster: "c")
        admission.nodeUID = "{\"json\": [1, 2]}"
        let minimal = AuditEvent(kind: .tokenExchange, decision: .denied)
        for event in [odd, admission, minimal] + TrailGenerator.make(count: 500) {
            #expect(line(event) == event.json.serialized())
        }
    }

    @Test func appendedLinesReadBackAsTheEventsQueued() throws {
        let dir = try TemporaryDirectory()
        var odd = AuditEventTests.fullExchange()
        odd.reason = "line\nbreak and \0 NUL"
        let events = [odd] + TrailGenerator.make(count: 300)
        let spool = try AuditSpool(directory: dir.file("spool"))
        try spool.append(Array(events[0..<1]))
        try spool.append(Array(events[1...]), sync: true)
        let reader = try AuditLineReader(path: dir.file("spool/current.jsonl"))
        #expect(try reader.next(max: 1000) == events)
        #expect(reader.badLines == 0)
        let text = try String(contentsOfFile: dir.file("spool/current.jsonl"), encoding: .utf8)
        #expect(text.split(separator: "\n", omittingEmptySubsequences: false).count == events.count + 1)
    }
}
