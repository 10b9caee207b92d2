// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAdmission
import TokenGateJSON

/// `/validate` wiring: the Workflow rules run on the request's parsed JSON and their verdict becomes
/// an AdmissionReview response (the rules themselves are tested in TokenGateWorkflowTests).
@Suite("Workflow rule on /validate")
struct WorkflowValidatingRuleTests {
    let handler = TokenGateAdmissionHandler(settings: AdmissionFixtures.settings, validatingRules: [WorkflowValidatingRule()])

    func review(object: JSON, operation: String = "CREATE", subResource: String? = nil) -> JSON {
        var request: [(String, JSON)] = [
            ("uid", "wf-1"), ("kind", ["group": "openunison.tremolo.io", "version": "v1", "kind": "Workflow"]),
            ("namespace", "openunison"), ("name", "wf"), ("operation", .string(operation)),
            ("userInfo", ["username": "alice"]), ("object", object), ("oldObject", nil), ("dryRun", false),
        ]
        if let subResource { request.append(("subResource", .string(subResource))) }
        return ["apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": .object(request)]
    }

    func workflow(tasks: String, apiVersion: String = "openunison.tremolo.io/v1", kind: String = "Workflow") -> JSON {
        ["apiVersion": .string(apiVersion), "kind": .string(kind),
         "metadata": ["name": "wf", "namespace": "openunison"],
         "spec": ["description": "test", "inList": false, "orgId": "org", "tasks": .string(tasks)]]
    }

    func send(_ review: JSON) throws -> JSONNode {
        let bytes = review.serialized()
        let outcome = handler.review(bytes, at: .validate)
        #expect(outcome.httpStatus == 200)
        return try #require(try JSONDocument.parse(outcome.body).rootNode["response"])
    }

    @Test("a Workflow with a bad approval scope and a bad escalation unit is denied with both problems")
    func deniesWithEveryProblem() throws {
        let tasks = """
            - taskType: approval
              emailTemplate: approve
              mailAttr: mail
              failureEmailSubject: no
              failureEmailMsg: no
              label: approve it
              approvers:
              - scope: groups
                constraint: admins
              escalationPolicy:
                escalations:
                - executeAfterTime: 1
                  executeAfterUnits: hour
                  azRules:
                  - scope: group
                    constraint: admins
            """
        let response = try send(review(object: workflow(tasks: tasks)))
        #expect(response["uid"]?.string == "wf-1")
        #expect(response["allowed"]?.bool == false)
        #expect(response["status"]?["code"]?.int == 422)
        #expect(response["status"]?["reason"]?.string == "Invalid")
        let message = try #require(response["status"]?["message"]?.string)
        #expect(message.contains("Workflow openunison/wf"))
        #expect(message.contains("tasks[0].approvers[0].scope"))
        #expect(message.contains("hr"))
        #expect(response["patch"] == nil && response["patchType"] == nil)
    }

    @Test("a valid Workflow is allowed with no patch")
    func allowsValid() throws {
        let tasks = """
            - taskType: addGroup
              name: admins
              remove: false
            """
        let response = try send(review(object: workflow(tasks: tasks)))
        #expect(response["allowed"]?.bool == true)
        #expect(response["status"] == nil)
        #expect(response["patch"] == nil)
    }

    @Test("unparsable tasks YAML is denied, not crashed on")
    func deniesUnparsableTasks() throws {
        let response = try send(review(object: workflow(tasks: "- taskType: [unclosed")))
        #expect(response["allowed"]?.bool == false)
        #expect(response["status"]?["code"]?.int == 422)
    }

    @Test("DELETE, subresources and other kinds pass untouched")
    func ignoresWhatItDoesNotOwn() throws {
        let broken = workflow(tasks: "- taskType: nope")
        #expect(try send(review(object: broken, operation: "DELETE"))["allowed"]?.bool == true)
        #expect(try send(review(object: broken, subResource: "status"))["allowed"]?.bool == true)
        let configMap: JSON = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "x"], "data": ["tasks": "- taskType: nope"]]
        #expect(try send(review(object: configMap))["allowed"]?.bool == true)
    }

    @Test("a Target with an unknown tokenType is denied and names the accepted values")
    func deniesBadTarget() throws {
        let target: JSON = [
            "apiVersion": "openunison.tremolo.io/v1", "kind": "Target", "metadata": ["name": "k8s", "namespace": "openunison"],
            "spec": ["className": "com.tremolosecurity.unison.openshiftv3.OpenShiftTarget",
                     "params": [["name": "url", "value": "https://kubernetes.default.svc"], ["name": "tokenType", "value": "token"]],
                     "secretParams": [], "targetAttributes": []],
        ]
        let response = try send(review(object: target))
        #expect(response["allowed"]?.bool == false)
        let message = try #require(response["status"]?["message"]?.string)
        #expect(message.contains("tokenapi"))
    }
}
