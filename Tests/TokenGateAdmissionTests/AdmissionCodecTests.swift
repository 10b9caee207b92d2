// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAdmission
import TokenGateJSON

@Suite("AdmissionReview codec")
struct AdmissionCodecTests {
    @Test("decodes every request field of the shared fixtures without copying the object")
    func decodesFixture() throws {
        let document = try AdmissionFixtures.review("pod-create-from-replicaset.mutating.v1.30.json")
        let request = try AdmissionRequest.decode(document.rootNode.serialized())
        #expect(request.version == .v1)
        #expect(request.uid == "7c6d5e4f-3a2b-4c1d-9e8f-7a6b5c4d3e2f")
        #expect(request.kind == GroupVersionKind(group: "", version: "v1", kind: "Pod"))
        #expect(request.resource == GroupVersionResource(group: "", version: "v1", resource: "pods"))
        #expect(request.subResource == nil)
        #expect(request.name == nil)
        #expect(request.displayName == "payments-api-6d9f7c8b5-*")
        #expect(request.namespace == "payments")
        #expect(request.operation == "CREATE")
        #expect(request.username == "system:serviceaccount:kube-system:replicaset-controller")
        #expect(request.object?.at("/spec/containers/0/name")?.string == "api")
        #expect(request.oldObject == nil)
        #expect(request.dryRun == false)
        #expect(request.options?["kind"]?.string == "CreateOptions")
        // The view reads the parsed body in place: the object is the request's, as sent.
        let object = try JSONDocument.parse(try #require(request.object).sourceBytes).rootNode
        #expect(object.isEqual(to: document.rootNode.at("/request/object")!))
    }

    @Test("every optional key may be missing or null")
    func minimalRequest() throws {
        let body = #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","kind":null,"object":null,"oldObject":null,"options":null,"dryRun":null,"namespace":null}}"#
        let request = try AdmissionRequest.decode(Array(body.utf8))
        #expect(request.uid == "u1")
        #expect(request.kind == nil && request.object == nil && request.oldObject == nil && request.options == nil)
        #expect(request.dryRun == false && request.namespace == nil && request.operation == nil && request.userInfo == nil)
        let handler = TokenGateAdmissionHandler(settings: AdmissionFixtures.settings)
        let outcome = handler.review(Array(body.utf8), at: .mutate)
        #expect(outcome.httpStatus == 200)
        let response = try JSONDocument.parse(outcome.body).rootNode
        #expect(response.at("/response/allowed")?.bool == true)
        #expect(response.at("/response/patch") == nil)
    }

    @Test("malformed bodies are 400 with a message saying what is wrong", arguments: [
        ("", "empty"),
        ("{\"apiVersion\":", "invalid JSON"),
        ("[1]", "JSON object"),
        (#"{"kind":"AdmissionReview","request":{"uid":"x"}}"#, "apiVersion is missing"),
        (#"{"apiVersion":"admission.k8s.io/v2","kind":"AdmissionReview","request":{"uid":"x"}}"#, "admission.k8s.io/v1beta1"),
        (#"{"apiVersion":"admission.k8s.io/v1","kind":"Pod","request":{"uid":"x"}}"#, "expected \"AdmissionReview\""),
        (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#, "request is missing"),
        (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"x","allowed":true}}"#, "AdmissionReview response"),
        (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}}"#, "request.uid"),
        (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":""}}"#, "request.uid"),
        (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","object":"a string"}}"#, "request.object must be an object"),
        (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","operation":1}}"#, "request.operation must be a string"),
        (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","uid":"y"}}"#, "duplicate"),
    ])
    func badRequests(_ body: String, _ expected: String) throws {
        let handler = TokenGateAdmissionHandler(settings: AdmissionFixtures.settings)
        let outcome = handler.review(Array(body.utf8), at: .mutate)
        #expect(outcome.httpStatus == 400)
        #expect(outcome.record == nil)
        let status = try JSONDocument.parse(outcome.body).rootNode
        #expect(status["kind"]?.string == "Status")
        #expect(status["code"]?.int == 400)
        let message = status["message"]?.string ?? ""
        #expect(message.contains(expected), "\(message)")
    }

    @Test("a response echoes uid and version, always has allowed, and patch only with patchType")
    func encodesResponses() throws {
        let request = try AdmissionRequest.decode(AdmissionFixtures.review("deployment-create.mutating.v1.30.json").rootNode.serialized())
        let allow = try JSONDocument.parse(AdmissionResponse.encode(.allow("x"), for: request, at: .mutate)).rootNode
        #expect(allow.jsonText == #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"3b8f3c2e-9a0d-4d6b-8d7c-1f2e3a4b5c6d","allowed":true}}"#)

        var patched = AdmissionDecision(reason: "p")
        patched.patch.append(.add("/metadata/labels/a", "b"))
        let withPatch = try JSONDocument.parse(AdmissionResponse.encode(patched, for: request, at: .mutate)).rootNode
        #expect(withPatch.at("/response/patchType")?.string == "JSONPatch")
        let patchText = try Base64.decode(withPatch.at("/response/patch")?.string ?? "")
        #expect(String(decoding: patchText, as: UTF8.self) == #"[{"op":"add","path":"/metadata/labels/a","value":"b"}]"#)
        // Never a patch from /validate.
        let validate = try JSONDocument.parse(AdmissionResponse.encode(patched, for: request, at: .validate)).rootNode
        #expect(validate.at("/response/patch") == nil && validate.at("/response/patchType") == nil)
    }

    @Test("v1beta1 requests get v1beta1 answers")
    func v1beta1() throws {
        let body = try AdmissionFixtures.bytes("statefulset-update-bad-expiration.v1beta1.json")
        let handler = TokenGateAdmissionHandler(settings: AdmissionFixtures.settings)
        let outcome = handler.review(body, at: .mutate)
        let response = try JSONDocument.parse(outcome.body).rootNode
        #expect(response["apiVersion"]?.string == "admission.k8s.io/v1beta1")
        #expect(response["kind"]?.string == "AdmissionReview")
        #expect(response.at("/response/uid")?.string == "0a1b2c3d-0000-4000-8000-000000000007")
    }

    @Test("denials carry status code, reason and message; codes below 400 become 400")
    func denials() throws {
        let request = try AdmissionRequest.decode(AdmissionFixtures.review("deployment-create.mutating.v1.30.json").rootNode.serialized())
        var decision = AdmissionDecision.deny(AdmissionStatus(code: 200, reason: "Forbidden", message: "no"))
        decision.patch.append(.add("/x", 1))
        let response = try JSONDocument.parse(AdmissionResponse.encode(decision, for: request, at: .mutate)).rootNode
        #expect(response.at("/response/allowed")?.bool == false)
        #expect(response.at("/response/status/code")?.int == 400)
        #expect(response.at("/response/status/reason")?.string == "Forbidden")
        #expect(response.at("/response/status/message")?.string == "no")
        #expect(response.at("/response/patch") == nil)
        // Same shape as the shared fixture.
        let fixture = try AdmissionFixtures.review("response-deny.json").rootNode
        #expect(Set(fixture.at("/response")!.keys).isSubset(of: Set(response.at("/response")!.keys)))
    }

    @Test("warnings are cut to 256 bytes each and 4096 in total; one line each")
    func warningBounds() {
        let long = String(repeating: "é", count: 300)
        let bounded = AdmissionResponse.boundedWarnings([long, "two\nlines", ""] + Array(repeating: String(repeating: "w", count: 250), count: 30))
        #expect(bounded[0].utf8.count <= 256 && bounded[0].hasSuffix("..."))
        #expect(bounded[1] == "two lines")
        #expect(bounded.reduce(0) { $0 + $1.utf8.count } <= 4096)
        #expect(bounded.count < 32)
    }

    @Test("audit annotation keys must be qualified-name parts without /", arguments: [
        ("projection", true), ("a", true), ("a.b-c_d", true), (String(repeating: "k", count: 63), true),
        (String(repeating: "k", count: 64), false), ("tokengate.io/projection", false), ("-a", false), ("a-", false), ("", false),
    ])
    func auditKeys(_ key: String, _ valid: Bool) throws {
        #expect(AdmissionResponse.isValidAuditKey(key) == valid)
        let decision = AdmissionDecision(auditAnnotations: [(key, "v")], reason: "r")
        let body = AdmissionResponse.encode(decision, uid: "u", version: .v1, at: .mutate)
        let response = try JSONDocument.parse(body).rootNode
        #expect((response.at("/response/auditAnnotations")?[key] != nil) == valid)
    }
}
