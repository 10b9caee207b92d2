// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAdmission
import TokenGateJSON
import TokenGateHTTP
import TokenGateService

@Suite("Issue-2 placeholder handler: allow everything unchanged")
struct AllowAllAdmissionHandlerTests {
    func review(_ text: String) -> AdmissionOutcome {
        AllowAllAdmissionHandler().review(Array(text.utf8), at: .mutate)
    }

    @Test("echoes uid and apiVersion, always says allowed, never patches", arguments: ["admission.k8s.io/v1", "admission.k8s.io/v1beta1"])
    func allows(apiVersion: String) throws {
        let outcome = review(#"{"apiVersion":"\#(apiVersion)","kind":"AdmissionReview","request":{"uid":"u1","kind":{"group":"apps","version":"v1","kind":"Deployment"},"namespace":"ns","name":"d","operation":"CREATE","dryRun":true}}"#)
        #expect(outcome.httpStatus == 200)
        let root = try JSONDocument.parse(outcome.body).rootNode
        #expect(root["apiVersion"]?.string == apiVersion)
        #expect(root["kind"]?.string == "AdmissionReview")
        #expect(root["response"]?["uid"]?.string == "u1")
        #expect(root["response"]?["allowed"]?.bool == true)
        #expect(root["response"]?["patch"] == nil)
        let record = try #require(outcome.record)
        #expect(record.kind == "apps/v1/Deployment" && record.namespace == "ns" && record.name == "d")
        #expect(record.operation == "CREATE" && record.dryRun && record.decision == .allowed)
    }

    @Test("anything that is not an AdmissionReview is a 400 saying why", arguments: [
        "", "{", "[]", "null", #"{"apiVersion":"v1","kind":"AdmissionReview","request":{"uid":"u"}}"#,
        #"{"apiVersion":"admission.k8s.io/v1","kind":"Pod","request":{"uid":"u"}}"#,
        #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#,
        #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":7}}"#,
        #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"a","uid":"b"}}"#,
    ])
    func refuses(body: String) throws {
        let outcome = review(body)
        #expect(outcome.httpStatus == 400)
        #expect(outcome.record == nil)
        let message = try JSONDocument.parse(outcome.body).rootNode["message"]?.string ?? ""
        #expect(message.hasPrefix("not an AdmissionReview"))
    }
}
