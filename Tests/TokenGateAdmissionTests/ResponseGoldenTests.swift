// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAdmission
import TokenGateJSON

/// The handler's answers, byte for byte, against those the Jansson-based handler gave for the same
/// fixtures (Tests/Fixtures/admission/expected-responses.json): moving to the simdjson view and the
/// one-pass writer changed no message, denial or patch.
@Suite("Responses: byte for byte as before, with one parser reused for every body")
struct ResponseGoldenTests {
    static let handler = TokenGateAdmissionHandler(settings: AdmissionFixtures.settings, validatingRules: [WorkflowValidatingRule()])

    /// (fixture, endpoint, response) from the JSON Lines file (not `.json`: it is not a request,
    /// and the JSON differential corpus and the e2e tests take every `.json` fixture as one).
    static func expected() throws -> [(fixture: String, endpoint: AdmissionEndpoint, response: String)] {
        let text = String(decoding: try AdmissionFixtures.bytes("expected-responses.jsonl"), as: UTF8.self)
        return try text.split(separator: "\n").map { line in
            let entry = try JSONDocument.parse(String(line)).rootNode
            return (try #require(entry["fixture"]?.string), try #require(AdmissionEndpoint(rawValue: entry["endpoint"]?.string ?? "")),
                    try #require(entry["response"]?.string))
        }
    }

    @Test("every fixture on /mutate and /validate, through one reused parser and through a fresh one")
    func goldenResponses() throws {
        let expected = try Self.expected()
        #expect(expected.count == 20)
        let parser = JSONViewParser()
        for (fixture, endpoint, body) in expected {
            let key = "\(fixture) /\(endpoint.rawValue)"
            let bytes = try AdmissionFixtures.bytes(fixture)
            let reused = Self.handler.review(bytes, at: endpoint, reusing: parser)
            #expect(reused.httpStatus == 200)
            #expect(String(decoding: reused.body, as: UTF8.self) == body, "\(key)")
            let fresh = Self.handler.review(bytes, at: endpoint)
            #expect(fresh.body == reused.body && fresh.record == reused.record, "\(key)")
        }
    }

    @Test("a parser that refused a body reads the next one as a fresh parser would")
    func reuseAfterFailure() throws {
        let parser = JSONViewParser()
        let good = try AdmissionFixtures.bytes("deployment-create.mutating.v1.30.json")
        let reference = Self.handler.review(good, at: .mutate)
        for bad in [Array(#"{"a":1,"a":2}"#.utf8), Array(String(repeating: "[", count: 100).utf8), [0xFF], []] {
            #expect(Self.handler.review(bad, at: .mutate, reusing: parser).httpStatus == 400)
            let again = Self.handler.review(good, at: .mutate, reusing: parser)
            #expect(again.body == reference.body && again.record == reference.record)
        }
    }

    @Test("requests read from one parser stay valid after it parses other bodies")
    func requestsOutliveTheNextParse() throws {
        let parser = JSONViewParser()
        let first = try AdmissionRequest.decode(try AdmissionFixtures.bytes("deployment-create.mutating.v1.30.json"), reusing: parser)
        let second = try AdmissionRequest.decode(try AdmissionFixtures.bytes("cronjob-create.mutating.json"), reusing: parser)
        #expect(first.kind?.kind == "Deployment" && second.kind?.kind == "CronJob")
        #expect(first.object?["metadata"]?["name"]?.string == "payments-api")
        let decision = Self.handler.decide(first, at: .mutate)
        #expect(!decision.patch.isEmpty)
    }
}
