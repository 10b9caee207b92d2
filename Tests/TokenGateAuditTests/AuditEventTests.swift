// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAudit
import TokenGateJSON

@Suite struct AuditEventTests {
    static func fullExchange() -> AuditEvent {
        .tokenExchange(
            time: AuditTime(microseconds: 1_760_000_000_123_456), decision: .granted, reason: "policy web-to-vault",
            cluster: "prod-east", namespace: "openunison", podName: "openunison-orchestra-7f9c", podUID: "6f0c-uid",
            nodeName: "worker-3", nodeUID: "node-uid-3", serviceAccountName: "openunison-orchestra",
            serviceAccountUID: "sa-uid", subjectJTI: "ea28ed49-2e11-4280-9ec5-bc3d1d84661a", issuedJTI: "issued-1",
            audience: "https://vault.example", issuedAt: AuditTime(seconds: 1_760_000_000),
            expiresAt: AuditTime(seconds: 1_760_000_600), clientAddress: "10.0.0.7:51234")
    }

    @Test("ids are UUIDv7: unique, the creation time first so they sort by time, 74 random bits, any version read back")
    func idsAreTimeOrderedUUIDv7() {
        let ids = (0..<1000).map { _ in AuditEventID() }
        #expect(Set(ids).count == 1000)
        for id in ids.prefix(20) {
            let chars = Array(id.text)
            #expect(chars.count == 36 && chars[14] == "7" && "89ab".contains(chars[19]))
            #expect(AuditEventID(id.text.uppercased()) == id)
        }
        // 2026-05-01T10:00:00.123Z is 0x019de2fb197b ms: the first 48 bits, hex, as RFC 9562 lays them out.
        let fixed = AuditEventID(millisecondsSinceEpoch: 1_777_629_600_123)
        #expect(fixed.text.hasPrefix(String(1_777_629_600_123, radix: 16).leftPaddedTo12.prefix(8) + "-"
            + String(1_777_629_600_123, radix: 16).leftPaddedTo12.suffix(4) + "-7"))
        #expect(AuditEventID(millisecondsSinceEpoch: 1_777_629_600_124) > fixed, "a later millisecond sorts after")
        let now = AuditEventID.nowMilliseconds()
        #expect(AuditEventID(millisecondsSinceEpoch: now - 1) < AuditEventID(), "a fresh id sorts after an older one")
        // Version 4 ids (older spools and imports) are still read.
        #expect(AuditEventID("0b6e3c52-8f7a-4b1e-9c7d-2f1e0a9b8c7d") != nil)
        #expect(AuditEventID("not-a-uuid") == nil)
        #expect(AuditEventID("0b6e3c52-8f7a-4b1e-9c7d-2f1e0a9b8c7z") == nil)
    }

    @Test func jsonRoundTripKeepsEveryField() throws {
        var admission = AuditEvent.admission(decision: .patched, reason: "projected", requestUID: "u-1",
            resourceKind: "Deployment", namespace: "ns", objectName: "web", operation: "UPDATE",
            patchSummary: "volume tokengate-token, 2 mounts", serviceAccountName: "web", cluster: "c")
        admission.podName = "with \"quotes\" and\nnewline ✓"
        for event in [Self.fullExchange(), admission] {
            let text = event.json.jsonText
            #expect(!text.contains("\n"), "a spool line must be one line")
            #expect(try AuditEvent.parse(line: Array(text.utf8)) == event)
        }
        let node = try JSONDocument.parse(Self.fullExchange().json.jsonText).rootNode
        #expect(node["time"]?.string == "2025-10-09T08:53:20.123456Z")
        #expect(node["timeMicros"]?.int == 1_760_000_000_123_456)
        #expect(node["serviceAccount"]?.string == "openunison-orchestra")
        #expect(node["name"] == nil && node["requestUID"] == nil, "unset fields are omitted")
    }

    @Test func parsingAcceptsRFC3339WithoutMicrosAndRejectsBadEvents() throws {
        let line = #"{"id":"0b6e3c52-8f7a-4b1e-9c7d-2f1e0a9b8c7d","time":"2025-10-09T10:53:20+02:00","kind":"token_exchange","decision":"denied"}"#
        let event = try AuditEvent.parse(line: Array(line.utf8))
        #expect(event.time == AuditTime(seconds: 1_760_000_000))
        #expect(event.decision == .denied)
        let bad = [
            #"{"time":"2025-10-09T10:53:20Z","kind":"admission","decision":"allowed"}"#,
            #"{"id":"0b6e3c52-8f7a-4b1e-9c7d-2f1e0a9b8c7d","kind":"admission","decision":"allowed"}"#,
            #"{"id":"0b6e3c52-8f7a-4b1e-9c7d-2f1e0a9b8c7d","time":"yesterday","kind":"admission","decision":"allowed"}"#,
            #"{"id":"0b6e3c52-8f7a-4b1e-9c7d-2f1e0a9b8c7d","time":"2025-10-09T10:53:20Z","kind":"admission","decision":"allowed","podName":7}"#,
            #"[1,2]"#, #"{"id":"#,
        ]
        for text in bad {
            #expect(throws: (any Error).self, "\(text)") { try AuditEvent.parse(line: Array(text.utf8)) }
        }
    }

    @Test func timesParseTheWaysPeopleTypeThem() {
        let now = AuditTime(seconds: 1_760_000_000)
        #expect(AuditTime.parse("2025-10-09T08:53:20Z", now: now) == now)
        #expect(AuditTime.parse("2025-10-09T08:53:20.5Z", now: now) == AuditTime(microseconds: now.microseconds + 500_000))
        #expect(AuditTime.parse("2025-10-09T01:53:20-07:00", now: now) == now)
        #expect(AuditTime.parse("2025-10-09", now: now) == AuditTime(seconds: 1_759_968_000))
        #expect(AuditTime.parse("@1760000000", now: now) == now)
        #expect(AuditTime.parse("15m", now: now) == now.adding(seconds: -900))
        #expect(AuditTime.parse("7d", now: now) == now.adding(seconds: -7 * 86400))
        for bad in ["", "soon", "2025-13-01", "2025-10-09T25:00:00Z", "2025-10-09T08:53:20", "-5m", "2025-10-09T08:53:20Zjunk"] {
            #expect(AuditTime.parse(bad, now: now) == nil, "\(bad)")
        }
        #expect(now.rfc3339 == "2025-10-09T08:53:20.000000Z")
        #expect(AuditTime(microseconds: -1).rfc3339 == "1969-12-31T23:59:59.999999Z")
    }
}

private extension String {
    var leftPaddedTo12: String { String(repeating: "0", count: max(0, 12 - count)) + self }
}
