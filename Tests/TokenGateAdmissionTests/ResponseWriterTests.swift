// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAdmission
import TokenGateJSON

/// The one-pass writer against the former encoder (a `JSON` tree through Jansson), for a corpus of
/// decisions: the same bytes, so the same document when Jansson reads it back.
@Suite("Responses: the one-pass writer gives the former encoder's bytes")
struct ResponseWriterTests {
    static let awkward = "quote \" backslash \\ newline\n tab\t NUL \u{0} bell \u{7} DEL \u{7F} é 😀 \u{2028} </script>"

    static func projected() throws -> AdmissionDecision {
        try Decided(AdmissionFixtures.review("deployment-init-sidecar-create.mutating.json")).decision
    }

    static func corpus() throws -> [(String, AdmissionDecision)] {
        var patchWithEverything = AdmissionDecision(reason: "p")
        patchWithEverything.patch.append(.add("/metadata/annotations" / "tokengate.io/projected", .string(awkward)))
        patchWithEverything.patch.append(.remove("/spec/volumes/0"))
        patchWithEverything.patch.append(.replace(JSONPointer(tokens: ["a~b", "c/d"]), ["x": [1, -2, true, nil, "y"]]))
        patchWithEverything.patch.append(.test("/x", 9_223_372_036_854_775_807))
        patchWithEverything.warnings = [awkward, String(repeating: "é", count: 300), "two\nlines"]
        patchWithEverything.auditAnnotations = [("projection", awkward), ("bad/key", "dropped")]

        var denied = AdmissionDecision.deny(.invalid("annotation tokengate.io/expiration-seconds is \"1h\": \(awkward)"))
        denied.warnings = ["w1", "w2"]
        denied.auditAnnotations = [("workflow-errors", "3"), ("-bad", "x"), ("projection", "p")]
        denied.patch.append(.add("/never", "sent"))

        var repeatedKeys = AdmissionDecision.allow("r")
        repeatedKeys.auditAnnotations = [("a", "1"), ("b", "2"), ("a", "3"), ("c", ""), ("b", "4")]

        return [
            ("allow", .allow("x")),
            ("allow with warnings", .allow("x", warnings: Array(repeating: String(repeating: "w", count: 250), count: 30))),
            ("projected patch", try projected()),
            ("patch with everything", patchWithEverything),
            ("deny", denied),
            ("deny with a code below 400", .deny(AdmissionStatus(code: 200, reason: "Forbidden", message: "no"))),
            ("repeated audit keys", repeatedKeys),
        ]
    }

    @Test("allow, patch, deny with warnings and audit annotations; v1 and v1beta1; /mutate and /validate")
    func sameBytes() throws {
        for (name, decision) in try Self.corpus() {
            for version in AdmissionReviewVersion.allCases {
                for endpoint in AdmissionEndpoint.allCases {
                    let uid = "uid-\(name)-\u{1}\""
                    let written = AdmissionResponse.encode(decision, uid: uid, version: version, at: endpoint)
                    let former = FormerResponseEncoder.encode(decision, uid: uid, version: version, at: endpoint)
                    #expect(written == former, "\(name) \(version) \(endpoint): \(String(decoding: written, as: UTF8.self))")
                    let read = try JSONDocument.parse(written).rootNode
                    #expect(read.jsonText == String(decoding: former, as: UTF8.self), "\(name) \(version) \(endpoint)")
                }
            }
        }
    }

    @Test("the patch inside the answer decodes to the patch's own serialization")
    func patchRoundTrip() throws {
        let decision = try Self.projected()
        let response = try JSONDocument.parse(AdmissionResponse.encode(decision, uid: "u", version: .v1, at: .mutate)).rootNode
        let patch = try Base64.decode(try #require(response.at("/response/patch")?.string))
        #expect(patch == decision.patch.serialized())
    }

    @Test("written into any sink, mid-document, the answer is the same bytes")
    func otherSink() throws {
        struct Chunks: JSONByteSink {
            var chunks: [[UInt8]] = []
            mutating func writeBytes(_ bytes: UnsafeRawBufferPointer) -> Int {
                chunks.append(Array(bytes))
                return bytes.count
            }
        }
        let decision = try Self.projected()
        var writer = JSONWriter(into: Chunks())
        writer.array { w in
            AdmissionResponse.write(decision, uid: "u", version: .v1beta1, at: .mutate, into: &w)
            w.int(1)
        }
        let expected = FormerResponseEncoder.encode(decision, uid: "u", version: .v1beta1, at: .mutate)
        #expect(writer.sink.chunks.joined().elementsEqual([UInt8(ascii: "[")] + expected + Array(",1]".utf8)))
    }

    @Test("400 bodies: the former encoder's bytes for awkward messages")
    func errorBodies() {
        for message in ["", Self.awkward, "request.uid is missing or not a non-empty string"] {
            #expect(AdmissionReviewError(message).body == FormerResponseEncoder.errorBody(message), "\(message)")
        }
    }
}
