// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// `json`: the Jansson reader behind every AdmissionReview, JWS and Kubernetes answer.
///
/// Invariants: a refusal is a ``JSONError`` with a message (never a crash); an accepted document
/// nests no deeper than the limit, serializes to text that parses back to the same value (compact
/// and pretty), and serializing again gives the same bytes (TokenGate's patches embed parsed
/// values, so a value that changes on the way out would change the object it patches).
enum JSONCheck {
    static let target = "json"

    static func check(_ bytes: UnsafeRawBufferPointer) throws(FuzzCheckFailure) {
        let document: JSONDocument
        do {
            document = try JSONDocument.parse(bytes)
        } catch let error as JSONError {
            try require(!error.message.isEmpty, target, "a refusal without a message")
            return
        } catch {
            throw FuzzCheckFailure(target, "parse threw a non-JSONError: \(error)")
        }
        let value = FuzzJSONValue(document.rootNode)
        try require(value.depth <= JSONLimits.default.maxDepth, target, "accepted a document \(value.depth) levels deep")

        let compact = document.rootNode.serialized()
        try require(!compact.isEmpty, target, "serialized an accepted document to nothing")
        let again = try reparse(compact, "compact serialization")
        try JSONAgreement.same(value, FuzzJSONValue(again.rootNode), "compact round trip changed the value", target: target)
        try require(again.rootNode.isEqual(to: document.rootNode), target, "json_equal disagrees with the round trip")
        try require(again.rootNode.serialized() == compact, target, "serialization is not stable: \(shown(compact))")

        let pretty = try reparse(document.rootNode.prettySerialized(), "pretty serialization")
        try JSONAgreement.same(value, FuzzJSONValue(pretty.rootNode), "pretty round trip changed the value", target: target)
    }

    private static func reparse(_ text: [UInt8], _ what: String) throws(FuzzCheckFailure) -> JSONDocument {
        do {
            return try JSONDocument.parse(text)
        } catch {
            throw FuzzCheckFailure(target, "\(what) does not parse back (\(error)): \(shown(text))")
        }
    }
}
