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
}
