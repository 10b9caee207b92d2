// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// `json`: TokenGate's two JSON readers, differentially. Jansson (``JSONDocument``) reads
/// configuration, JWKS, Kubernetes answers and builds patches; simdjson (``JSONView``) reads every
/// AdmissionReview and token on the hot path. A body that means one thing to one and another to
/// the other is how a request could be judged on a value it does not have.
///
/// Invariants:
/// - both readers accept, with equal values (kinds, numbers, strings byte for byte, member order),
///   or both refuse; a refusal is a ``JSONError`` with a message, never a crash. The one known,
///   harmless difference is allowed for: Jansson skips a NUL right after a number or literal
///   (`[1\0]` reads as `[1]`, see ``JanssonSkippedNULs``), the view refuses it, and then the
///   view must read the text without that NUL as Jansson read the text with it;
/// - every view value's own source text (which ``JSONWriter`` copies verbatim into patches and
///   answers) is, read by Jansson, that same value;
/// - an accepted document nests no deeper than the limit, serializes to text that parses back to
///   the same value (compact and pretty), and serializing again gives the same bytes.
enum JSONCheck {
    static let target = "json"

    static func check(_ bytes: UnsafeRawBufferPointer) throws(FuzzCheckFailure) {
        let document: JSONDocument
        do {
            document = try JSONDocument.parse(bytes)
        } catch let error as JSONError {
            try require(!error.message.isEmpty, target, "a refusal without a message")
            if case .success = JSONViewReader.read(bytes) {
                throw FuzzCheckFailure(target, "JSONView accepts what Jansson rejects (\(error.message)): \(shown(bytes))")
            }
            return
        } catch {
            throw FuzzCheckFailure(target, "parse threw a non-JSONError: \(error)")
        }
        let value = FuzzJSONValue(document.rootNode)
        try checkView(bytes, agreesWith: value)
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

    /// The view's reading of text Jansson accepted as `value`.
    private static func checkView(_ bytes: UnsafeRawBufferPointer, agreesWith value: FuzzJSONValue) throws(FuzzCheckFailure) {
        let view: JSONView
        do throws(JSONError) {
            view = try JSONView.parse(bytes)
        } catch {
            guard error.code == .syntax, let stripped = JanssonSkippedNULs.stripped(bytes) else {
                throw FuzzCheckFailure(target, "Jansson accepts what JSONView rejects (\(error.code): \(error.message)): \(shown(bytes))")
            }
            let result: Result<FuzzJSONValue, FuzzJSONRejection> = stripped.withUnsafeBytes { JSONViewReader.read($0) }
            guard case .success(let read) = result else {
                throw FuzzCheckFailure(target, "JSONView rejects the text without the NUL Jansson skipped: \(shown(stripped))")
            }
            try JSONAgreement.same(value, read, "Jansson and JSONView (NUL skipped) read different values", target: target)
            return
        }
        try JSONAgreement.same(value, FuzzJSONValue(view.root), "Jansson and JSONView read different values", target: target)
        try checkSources(view.root, at: "")
    }

    /// Each value's source text, as Jansson reads it, is the value.
    private static func checkSources(_ value: JSONView.Value, at path: String) throws(FuzzCheckFailure) {
        let source = value.sourceBytes
        guard let reread = try? JSONDocument.parse(source, limits: JSONLimits(maxDepth: JSONLimits.default.maxDepth)) else {
            throw FuzzCheckFailure(target, "source text of \(path.isEmpty ? "the root" : path) does not parse: \(shown(source))")
        }
        try JSONAgreement.same(FuzzJSONValue(value), FuzzJSONValue(reread.rootNode),
                               "source text is not the value", target: target)
        switch value.kind {
        case .array:
            for (index, item) in value.elements.enumerated() { try checkSources(item, at: "\(path)/\(index)") }
        case .object:
            for member in value.members { try checkSources(member.value, at: "\(path)/\(JSONPointer.escape(member.key))") }
        default:
            break
        }
    }

    private static func reparse(_ text: [UInt8], _ what: String) throws(FuzzCheckFailure) -> JSONDocument {
        do {
            return try JSONDocument.parse(text)
        } catch {
            throw FuzzCheckFailure(target, "\(what) does not parse back (\(error)): \(shown(text))")
        }
    }
}
