// SPDX-License-Identifier: Apache-2.0
// Built and run by hack/bench-admission.sh in a scratch package outside TokenGate's own, so no
// benchmark ships in a product. Times TokenGateAdmissionHandler.review on recorded reviews.
import Foundation
import TokenGateAdmission
import TokenGateJSON

let directory = CommandLine.arguments[1]
func fixture(_ name: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: directory + "/" + name)!) }
let deployment = fixture("deployment-create.mutating.v1.30.json")
let validating = fixture("deployment-create.validating.v1.30.json")
/// A small valid Workflow, so /validate runs the Workflow rules (spec.tasks is YAML they parse).
let workflowReview: JSON = ["apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": [
    "uid": "wf-1", "kind": ["group": "openunison.tremolo.io", "version": "v1", "kind": "Workflow"],
    "namespace": "openunison", "name": "wf", "operation": "CREATE", "userInfo": ["username": "alice"],
    "object": ["apiVersion": "openunison.tremolo.io/v1", "kind": "Workflow", "metadata": ["name": "wf", "namespace": "openunison"],
               "spec": ["description": "test", "inList": false, "orgId": "org",
                        "tasks": "- taskType: addGroup\n  name: admins\n  remove: false\n- taskType: approval\n  emailTemplate: approve\n  mailAttr: mail\n  failureEmailSubject: no\n  failureEmailMsg: no\n  label: approve it\n  approvers:\n  - scope: group\n    constraint: admins\n"]],
    "oldObject": nil, "dryRun": false]]
let workflow = workflowReview.serialized()

/// This thread's CPU time in µs: on a shared machine wall-clock time also counts other processes.
func cpuMicroseconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) * 1e6 + Double(time.tv_nsec) / 1e3
}

/// Median of 7 rounds of `iterations` calls, in microseconds per call: CPU time, and wall time.
func measure(_ name: String, iterations: Int = 20_000, _ body: () throws -> Void) rethrows {
    for _ in 0..<(iterations / 10) { try body() }  // warm-up
    var cpu: [Double] = []
    var wall: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<7 {
        let start = cpuMicroseconds()
        let elapsed = try clock.measure { for _ in 0..<iterations { try body() } }
        cpu.append((cpuMicroseconds() - start) / Double(iterations))
        wall.append((Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12) / Double(iterations))
    }
    print(name.padding(toLength: 58, withPad: " ", startingAt: 0),
          String(format: "%8.2f µs CPU %8.2f µs wall", cpu.sorted()[3], wall.sorted()[3]))
}

/// The server's call: the body borrowed, this thread's parser.
func review(_ body: [UInt8], at endpoint: AdmissionEndpoint, _ parser: JSONViewParser) -> AdmissionOutcome {
    handler.review(body.span.bytes, at: endpoint, parser: parser)
}

// The projection bench-mutate.sh configures: the fixture's Deployment is app: payments-api.
let settings = ProjectionSettings(enabled: true, audience: "https://kubernetes.default.svc", expirationSeconds: 600,
                                  selectors: [LabelSelector(["app": "payments-api"])])
let handler = TokenGateAdmissionHandler(settings: settings, validatingRules: [WorkflowValidatingRule()])
let parser = JSONViewParser()
var sink = 0
let first = review(deployment, at: .mutate, parser)
print("review: \(deployment.count) bytes -> response \(first.body.count) bytes, record \(first.record!.decision)")
print("-- review, end to end (body bytes in, response bytes out)")
measure("/mutate Deployment (patch), parser reused") { sink &+= review(deployment, at: .mutate, parser).body.count }
measure("/mutate Deployment (patch), new parser each call") { sink &+= handler.review(deployment, at: .mutate).body.count }
measure("/validate Deployment (not a Workflow), parser reused") { sink &+= review(validating, at: .validate, parser).body.count }
measure("/validate Workflow (rules run), parser reused", iterations: 5_000) { sink &+= review(workflow, at: .validate, parser).body.count }
print("-- parts of /mutate")
try measure("decode (parse + checks)") { sink &+= try AdmissionRequest.decode(deployment.span.bytes, parser: parser).uid.utf8.count }
let request = try AdmissionRequest.decode(deployment.span.bytes, parser: parser)
measure("decide") { sink &+= handler.decide(request, at: .mutate).patch.operations.count }
let decision = handler.decide(request, at: .mutate)
measure("encode response into a new [UInt8]") { sink &+= AdmissionResponse.encode(decision, for: request, at: .mutate).count }
print("-- handing the answer to a server buffer (a reused [UInt8] stands in for a ByteBuffer)")
var serverBuffer: [UInt8] = []
serverBuffer.reserveCapacity(4096)
measure("outcome.body copied into the buffer (today's server)") {
    let body = AdmissionResponse.encode(decision, for: request, at: .mutate)
    serverBuffer.removeAll(keepingCapacity: true)
    serverBuffer.append(contentsOf: body)
    sink &+= serverBuffer.count
}
measure("AdmissionResponse.write straight into the buffer") {
    serverBuffer.removeAll(keepingCapacity: true)
    var writer = JSONWriter(into: serverBuffer)
    serverBuffer = []
    AdmissionResponse.write(decision, uid: request.uid, version: request.version, at: .mutate, into: &writer)
    serverBuffer = writer.sink
    sink &+= serverBuffer.count
}
print("(checksum \(sink & 0xFF))")
