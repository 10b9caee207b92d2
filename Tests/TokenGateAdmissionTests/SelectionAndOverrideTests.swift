// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAdmission
import TokenGateJSON

@Suite("Projection: selection, namespaces, annotations")
struct SelectionAndOverrideTests {
    static let deployment = "deployment-create.mutating.v1.30.json"

    @Test("objects whose labels match no selector are allowed unchanged (default selectors)")
    func unselected() throws {
        let decided = try Decided(AdmissionFixtures.review(Self.deployment), settings: ProjectionSettings(enabled: true))
        #expect(decided.decision.isAllowed && decided.decision.patch.isEmpty)
        #expect(decided.decision.reason == "labels match no selector")
    }

    @Test("each default OpenUnison label selects, on the object or on the pod template", arguments: [
        ("app.kubernetes.io/part-of", "openunison"), ("app.kubernetes.io/managed-by", "openunison-operator"),
        ("operated-by", "openunison-operator"), ("tokengate.io/inject", "true"),
    ])
    func defaultSelectors(_ key: String, _ value: String) throws {
        let settings = ProjectionSettings(enabled: true)
        for labels in ["/request/object/metadata/labels", "/request/object/spec/template/metadata/labels"] {
            let review = try AdmissionFixtures.review(Self.deployment, .add(JSONPointer(parsing: labels) / key, .string(value)))
            #expect(try Decided(review, settings: settings).decision.patch.isEmpty == false, "\(labels) \(key)")
        }
        let wrongValue = try AdmissionFixtures.review(Self.deployment, .add("/request/object/metadata/labels" / key, "other"))
        #expect(try Decided(wrongValue, settings: settings).decision.patch.isEmpty)
    }

    @Test("the opt-in label works whatever selectors are configured; a selector needs all its labels")
    func configuredSelectors() throws {
        let settings = ProjectionSettings(enabled: true, selectors: [LabelSelector(["team": "iam", "tier": "web"])])
        let both = try AdmissionFixtures.review(Self.deployment, .add("/request/object/metadata/labels/team", "iam"), .add("/request/object/metadata/labels/tier", "web"))
        #expect(try Decided(both, settings: settings).decision.patch.isEmpty == false)
        let one = try AdmissionFixtures.review(Self.deployment, .add("/request/object/metadata/labels/team", "iam"))
        #expect(try Decided(one, settings: settings).decision.patch.isEmpty)
        let optIn = try AdmissionFixtures.review(Self.deployment, .add("/request/object/metadata/labels/tokengate.io~1inject", "true"))
        #expect(try Decided(optIn, settings: settings).decision.patch.isEmpty == false)
    }

    @Test("kube-system and TokenGate's own namespace are always skipped; allow and deny lists apply")
    func namespaces() throws {
        var settings = AdmissionFixtures.settings
        settings.ownNamespace = "tokengate"
        func decide(_ namespace: String, _ settings: ProjectionSettings) throws -> AdmissionDecision {
            try Decided(AdmissionFixtures.review(Self.deployment, .replace("/request/namespace", .string(namespace))), settings: settings).decision
        }
        #expect(try decide("kube-system", settings).reason == "namespace kube-system is always skipped")
        #expect(try decide("tokengate", settings).reason == "namespace tokengate is TokenGate's own")
        #expect(try decide("payments", settings).patch.isEmpty == false)
        settings.deniedNamespaces = ["payments"]
        #expect(try decide("payments", settings).patch.isEmpty)
        settings.deniedNamespaces = []
        settings.allowedNamespaces = ["openunison"]
        #expect(try decide("payments", settings).reason.contains("not in allowedNamespaces"))
        #expect(try decide("openunison", settings).patch.isEmpty == false)
        settings.allowedNamespaces = ["kube-system"]
        #expect(try decide("kube-system", settings).patch.isEmpty)
    }

    @Test("tokengate.io/inject: \"false\" opts out, on the object or the pod template")
    func optOut() throws {
        for path in ["/request/object/metadata/annotations/tokengate.io~1inject", "/request/object/spec/template/metadata/annotations"] {
            let value: JSON = path.hasSuffix("inject") ? "false" : ["tokengate.io/inject": "false"]
            let decided = try Decided(AdmissionFixtures.review(Self.deployment, .add(JSONPointer(parsing: path), value)))
            #expect(decided.decision.isAllowed && decided.decision.patch.isEmpty)
            #expect(decided.decision.reason.contains("opted out"))
        }
    }

    @Test("mirror pods are never mutated")
    func mirrorPods() throws {
        let review = try AdmissionFixtures.review(
            "pod-create-from-replicaset.mutating.v1.30.json",
            .add("/request/object/metadata/annotations", ["kubernetes.io/config.mirror": "abc"]))
        #expect(try Decided(review).decision.patch.isEmpty)
    }

    @Test("out-of-range or unparsable overrides are denied, naming the annotation and the range", arguments: [
        ("tokengate.io/expiration-seconds", "300", "from 600 to 86400"),
        ("tokengate.io/expiration-seconds", "86401", "from 600 to 86400"),
        ("tokengate.io/expiration-seconds", "1h", "whole number"),
        ("tokengate.io/expiration-seconds", "-600", "whole number"),
        ("tokengate.io/expiration-seconds", "", "whole number"),
        ("tokengate.io/expiration-seconds", "99999999999999999999", "from 600 to 86400"),
        ("tokengate.io/audience", "", "is empty"),
        ("tokengate.io/audience", "a b", "spaces"),
        ("tokengate.io/audience", "a;b", "\";\""),
    ])
    func badOverrides(_ key: String, _ value: String, _ expected: String) throws {
        let review = try AdmissionFixtures.review(
            Self.deployment, .add("/request/object/spec/template/metadata/annotations", .object([(key, .string(value))])))
        let decided = try Decided(review)
        let denial = try #require(decided.decision.denial)
        #expect(denial.code == 422 && denial.reason == "Invalid")
        #expect(denial.message.hasPrefix("annotation \(key)"))
        #expect(denial.message.contains(expected), "\(denial.message)")
        #expect(decided.decision.patch.isEmpty)
    }

    @Test("the maximum expiration is configurable; the boundaries are allowed")
    func boundaries() throws {
        var settings = AdmissionFixtures.settings
        settings.maxExpirationSeconds = 7200
        for (value, allowed) in [("600", true), ("7200", true), ("7201", false), ("599", false)] {
            let review = try AdmissionFixtures.review(
                Self.deployment, .add("/request/object/metadata/annotations/tokengate.io~1expiration-seconds", .string(value)))
            let decided = try Decided(review, settings: settings)
            #expect(decided.decision.isAllowed == allowed, "\(value)")
            if !allowed { #expect(decided.decision.denial?.message.contains("from 600 to 7200") == true) }
        }
    }

    @Test("the pod template's annotations win over the object's")
    func templateWins() throws {
        let review = try AdmissionFixtures.review(
            Self.deployment,
            .add("/request/object/metadata/annotations/tokengate.io~1audience", "https://object.example"),
            .add("/request/object/spec/template/metadata/annotations", ["tokengate.io/audience": "https://template.example"]))
        let result = try Decided(review).expectIdempotent().rootNode
        #expect(result.at("/metadata/annotations")?["tokengate.io/projected"]?.string == "https://template.example;600")
    }

    @Test("the denial reaches the response as a 422 with the message, in the request's version")
    func denialResponse() throws {
        let body = try AdmissionFixtures.bytes("statefulset-update-bad-expiration.v1beta1.json")
        let handler = TokenGateAdmissionHandler(settings: AdmissionFixtures.settings)
        let outcome = handler.review(body, at: .mutate)
        let response = try JSONDocument.parse(outcome.body).rootNode
        #expect(response.at("/response/allowed")?.bool == false)
        #expect(response.at("/response/status/code")?.int == 422)
        #expect(response.at("/response/status/message")?.string?.contains("tokengate.io/expiration-seconds") == true)
        #expect(outcome.record?.decision == .denied && outcome.record?.dryRun == true && outcome.record?.operation == "UPDATE")
        #expect(outcome.record?.kind == "apps/v1/StatefulSet" && outcome.record?.name == "amq")
    }

    @Test("/validate allows everything unchanged by default and runs plugged-in rules")
    func validateRoute() throws {
        struct DenyStatefulSets: ValidatingRule {
            let name = "no-statefulsets"
            func validate(_ request: AdmissionRequest) -> ValidationVerdict {
                request.kind?.kind == "StatefulSet" ? .deny(.forbidden("no StatefulSets here")) : ValidationVerdict(warnings: ["looked"])
            }
        }
        let body = try AdmissionFixtures.bytes("deployment-create.validating.v1.30.json")
        let plain = TokenGateAdmissionHandler(settings: AdmissionFixtures.settings)
        let allowed = try JSONDocument.parse(plain.review(body, at: .validate).body).rootNode
        #expect(allowed.at("/response")?.jsonText == #"{"uid":"9e1d7b44-0c5a-4f3e-a2b1-7c8d9e0f1a2b","allowed":true}"#)

        let withRule = TokenGateAdmissionHandler(settings: AdmissionFixtures.settings, validatingRules: [DenyStatefulSets()])
        let warned = try JSONDocument.parse(withRule.review(body, at: .validate).body).rootNode
        #expect(warned.at("/response/warnings/0")?.string == "looked")
        let statefulSet = try AdmissionFixtures.review("deployment-create.validating.v1.30.json", .replace("/request/kind/kind", "StatefulSet"))
        let denied = withRule.decide(try AdmissionRequest.decode(statefulSet.rootNode.serialized()), at: .validate)
        #expect(denied.denial?.message == "no StatefulSets here" && denied.reason.hasPrefix("no-statefulsets:"))
    }
}
