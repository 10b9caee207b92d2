// SPDX-License-Identifier: Apache-2.0
import Logging
import Synchronization
import Testing
import TokenGateJSON
@testable import TokenGateHTTP
@testable import TokenGateService

@Suite("Metrics exposition and JSON logs")
struct MetricsAndLogTests {
    @Test("histogram buckets are cumulative and reach 10 s")
    func histogram() {
        let metrics = ServerMetrics()
        for seconds in [0.0001, 0.003, 0.003, 7.0, 30.0] {
            metrics.requestStarted()
            metrics.requestFinished(route: "/mutate", method: "POST", code: 200, seconds: seconds)
        }
        let text = metrics.render()
        #expect(text.contains(#"tokengate_http_request_duration_seconds_bucket{route="/mutate",le="0.0005"} 1"#))
        #expect(text.contains(#"tokengate_http_request_duration_seconds_bucket{route="/mutate",le="0.005"} 3"#))
        #expect(text.contains(#"tokengate_http_request_duration_seconds_bucket{route="/mutate",le="10"} 4"#))
        #expect(text.contains(#"tokengate_http_request_duration_seconds_bucket{route="/mutate",le="+Inf"} 5"#))
        #expect(text.contains(#"tokengate_http_requests_total{route="/mutate",method="POST",code="200"} 5"#))
        #expect(text.contains("tokengate_http_requests_in_flight 0"))
    }

    @Test("client-chosen methods cannot create new series")
    func boundedLabels() {
        let metrics = ServerMetrics()
        metrics.requestStarted()
        metrics.requestFinished(route: "unmatched", method: "BREW\"}", code: 404, seconds: 0)
        #expect(metrics.render().contains(#"tokengate_http_requests_total{route="unmatched",method="other",code="404"} 1"#))
        #expect(!metrics.render().contains("BREW"))
    }

    @Test("a JSON log line is one object with the fixed fields and metadata, properly escaped")
    func jsonLine() throws {
        let lines = Mutex<[[UInt8]]>([])
        var handler = JSONLogHandler(label: "test", write: { line in lines.withLock { $0.append(line) } })
        handler.logLevel = .info
        let logger = Logger(label: "test", factory: { _ in handler })
        logger.info("admission", metadata: ["uid": "u-1", "name": "quote\" and\nnewline", "count": .stringConvertible(3)])
        logger.debug("not logged")
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        let line = try #require(written.first)
        #expect(line.last == 0x0A && line.dropLast().contains(0x0A) == false)
        let document = try JSONDocument.parse(Array(line.dropLast()))
        let root = document.rootNode
        #expect(root["message"]?.string == "admission")
        #expect(root["level"]?.string == "info")
        #expect(root["uid"]?.string == "u-1")
        #expect(root["name"]?.string == "quote\" and\nnewline")
        #expect(root["count"]?.string == "3")
        #expect(root["time"]?.string?.hasSuffix("Z") == true)
    }

    /// Each line written through `handler`, its 24-character timestamp blanked (two lines are
    /// written at different milliseconds).
    private static func capture(level: Logger.Level = .info, _ body: (Logger) -> Void) -> [String] {
        let lines = Mutex<[[UInt8]]>([])
        var handler = JSONLogHandler(label: "tokengate", write: { line in lines.withLock { $0.append(line) } })
        handler.logLevel = level
        body(Logger(label: "tokengate", factory: { _ in handler }))
        return lines.withLock { $0 }.map { line in
            var text = String(decoding: line, as: UTF8.self)
            if let range = text.range(of: #""time":""#) {
                let start = range.upperBound
                text.replaceSubrange(start..<text.index(start, offsetBy: 24), with: String(repeating: "T", count: 24))
            }
            return text
        }
    }

    @Test("ordered fields write, byte for byte, the line the metadata path writes; hostile values escaped; levels honoured")
    func orderedFieldsMatchMetadata() throws {
        let hostile = "ns\"},\"decision\":\"granted\n\u{1}"
        let viaMetadata = Self.capture { logger in
            logger.notice("token exchange", metadata: [
                "audience": "a b", "client": "127.0.0.1", "namespace": .string(hostile), "reason": "policy", "service_account": "api",
            ])
        }
        let viaOrdered = Self.capture { logger in
            logger.log(level: .notice, "token exchange") { fields in
                fields.add("audience", "a b")
                fields.add("client", "127.0.0.1")
                fields.add("detail", nil as String?)
                fields.add("namespace", hostile)
                fields.add("reason", "policy")
                fields.add("service_account", "api")
            }
        }
        #expect(viaOrdered.count == 1)
        #expect(viaOrdered == viaMetadata)
        let root = try JSONDocument.parse(Array(try #require(viaOrdered.first).utf8.dropLast())).rootNode
        #expect(root["namespace"]?.string == hostile)
        #expect(root["decision"] == nil && root["detail"] == nil)

        var filled = false
        let below = Self.capture(level: .warning) { logger in
            logger.log(level: .info, "admission") { fields in filled = true; fields.add("uid", "u") }
        }
        #expect(below.isEmpty && !filled, "a disabled level neither writes nor builds the fields")
    }

    @Test("ordered fields reach any other handler as metadata, and the JSON handler's own metadata still merges")
    func orderedFieldsFallBack() throws {
        let seen = MetadataRecords()
        var logger = Logger(label: "t", factory: { _ in RecordingLogHandler(seen: seen) })
        logger.logLevel = .info
        logger.log(level: .info, "admission") { fields in
            fields.add("client", "10.0.0.1")
            fields.add("uid", "u-1")
        }
        #expect(seen.records.withLock { $0 } == [["client": "10.0.0.1", "uid": "u-1"]])

        let merged = Self.capture { base in
            var logger = base
            logger[metadataKey: "component"] = "broker"
            logger.log(level: .info, "admission") { fields in fields.add("uid", "u-2") }
        }
        let root = try JSONDocument.parse(Array(try #require(merged.first).utf8.dropLast())).rootNode
        #expect(root["component"]?.string == "broker" && root["uid"]?.string == "u-2")
    }
}

private final class MetadataRecords: Sendable {
    let records = Mutex<[Logger.Metadata]>([])
}

/// Keeps each record's metadata: a handler that is not TokenGate's JSON one.
private struct RecordingLogHandler: LogHandler {
    let seen: MetadataRecords
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { seen.records.withLock { $0.append(event.metadata ?? [:]) } }
}
