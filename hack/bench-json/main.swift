// SPDX-License-Identifier: Apache-2.0
// Built and run by hack/bench-json.sh in a scratch package outside TokenGate's own, so no
// benchmark ships in a product. Times the JSON readers and writers on a recorded review.
import Foundation
import TokenGateJSON

let arguments = CommandLine.arguments
guard arguments.count == 3, let review = FileManager.default.contents(atPath: arguments[1]),
      let patchFile = FileManager.default.contents(atPath: arguments[2]) else {
    fatalError("usage: JSONBench REVIEW.json PATCH.json")
}
let fileData = [UInt8](review), patchData = [UInt8](patchFile)

/// Median of 7 rounds of `iterations` calls, in microseconds per call.
func measure(_ name: String, iterations: Int = 20_000, _ body: () throws -> Void) rethrows {
    for _ in 0..<(iterations / 10) { try body() }  // warm-up
    var rounds: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<7 {
        let elapsed = try clock.measure { for _ in 0..<iterations { try body() } }
        rounds.append(Double(elapsed.components.attoseconds) / 1e12 / Double(iterations) + Double(elapsed.components.seconds) * 1e6 / Double(iterations))
    }
    let median = rounds.sorted()[rounds.count / 2]
    print(name.padding(toLength: 58, withPad: " ", startingAt: 0), String(format: "%8.2f µs", median))
}

/// A Jansson node as a plain JSON value, so both writers serialize the same tree.
func plain(_ node: JSONNode) -> JSON {
    switch node.kind {
    case .object: .object(node.members.map { ($0.key, plain($0.value)) })
    case .array: .array(node.elements.map(plain))
    case .string: .string(node.string!)
    case .integer: .int(node.int!)
    case .real: .double(node.double!)
    case .bool: .bool(node.bool!)
    case .null: .null
    }
}

var sink = 0
print("review: \(fileData.count) bytes; patch: \(patchData.count) bytes")
print("-- parse")
try measure("Jansson   JSONDocument.parse") { sink &+= try JSONDocument.parse(fileData).rootNode.count }
let parser = JSONViewParser()
try measure("simdjson  JSONViewParser.parse (parser reused)") { sink &+= try parser.parse(fileData).root.count }
try measure("simdjson  JSONView.parse (new parser each time)", iterations: 2_000) { sink &+= try JSONView.parse(fileData).root.count }
print("-- parse, then read uid, kind, name and each container's image")
try measure("Jansson") {
    let request = try JSONDocument.parse(fileData).rootNode["request"]!
    sink &+= request["uid"]!.string!.utf8.count + request.at("/kind/kind")!.string!.utf8.count
    sink &+= request.at("/object/metadata/name")!.string!.utf8.count
    for container in request.at("/object/spec/template/spec/containers")!.elements { sink &+= container["image"]!.string!.utf8.count }
}
try measure("simdjson (parser reused)") {
    let request = try parser.parse(fileData).root["request"]!
    sink &+= request["uid"]!.string!.utf8.count + request.at("/kind/kind")!.string!.utf8.count
    sink &+= request.at("/object/metadata/name")!.string!.utf8.count
    for container in request.at("/object/spec/template/spec/containers")!.elements { sink &+= container["image"]!.string!.utf8.count }
}
print("-- write an AdmissionReview response carrying the patch in base64")
let patch = plain(try JSONDocument.parse(patchData).rootNode)
measure("tree + Jansson serialize + Base64.encode + serialize") {
    let review: JSON = [
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "response": ["uid": "705ab4f5-6393-11e8-b7cc-42010a800002", "allowed": true, "patchType": "JSONPatch",
                     "patch": .string(Base64.encode(patch.serialized()))],
    ]
    sink &+= review.serialized().count
}
measure("JSONWriter, base64 streamed, one pass into [UInt8]") {
    var writer = JSONWriter(into: [UInt8]())
    writer.sink.reserveCapacity(2048)
    writer.object { w in
        w.key("apiVersion"); w.string("admission.k8s.io/v1")
        w.key("kind"); w.string("AdmissionReview")
        w.key("response"); w.object { w in
            w.key("uid"); w.string("705ab4f5-6393-11e8-b7cc-42010a800002")
            w.key("allowed"); w.bool(true)
            w.key("patchType"); w.string("JSONPatch")
            w.key("patch"); w.base64String { w in w.json(patch) }
        }
    }
    sink &+= writer.sink.count
}
print("(checksum \(sink & 0xFF))")
