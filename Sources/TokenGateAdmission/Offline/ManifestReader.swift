// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON
import Yams

/// Splits a manifest stream (multi-document YAML, or JSON) into Kubernetes objects, the way
/// `kubectl apply -f` would send them: empty documents are skipped and `kind: List` is expanded
/// into its items.
public enum ManifestReader {
    public static func objects(from text: String) throws(ManifestError) -> [JSONDocument] {
        var objects: [JSONDocument] = []
        for root in try documents(from: text) { try collect(root.rootNode, into: &objects) }
        return objects
    }

    /// The objects of one document from ``documents(from:)``: none for an empty document, the
    /// items of a `List`, or the document itself.
    public static func objects(in document: JSONDocument) throws(ManifestError) -> [JSONDocument] {
        var objects: [JSONDocument] = []
        try collect(document.rootNode, into: &objects)
        return objects
    }

    /// The documents of the stream as they are (a `List` stays one document; empty ones are
    /// null), for callers that look at the whole document first, e.g. a KRM `ResourceList`.
    public static func documents(from text: String) throws(ManifestError) -> [JSONDocument] {
        let trimmed = text.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        var roots: [JSONDocument] = []
        if trimmed.first == "{" || trimmed.first == "[" {
            do {
                roots = [try JSONDocument.parse(String(trimmed))]
            } catch {
                throw ManifestError("input is not valid JSON: \(error)")
            }
        } else {
            do {
                var index = 0
                // compose_all stops quietly at a parse error and keeps it in `error`.
                var documents = try Yams.compose_all(yaml: text)
                while let node = documents.next() {
                    index += 1
                    let value = try YAMLBridge.json(from: node, path: "document \(index)")
                    roots.append(value.document())
                }
                if let error = documents.error { throw error }
            } catch let error as ManifestError {
                throw error
            } catch {
                throw ManifestError("input is not valid YAML: \(Self.firstAndLastLine("\(error)"))")
            }
        }
        return roots
    }

    /// Yams repeats the whole document as context; the first line and the position are enough.
    private static func firstAndLastLine(_ text: String) -> String {
        let lines = text.split(separator: "\n")
        guard let first = lines.first, let last = lines.last, lines.count > 2 else { return text }
        return "\(first) (\(last.trimmingSpaces))"
    }

    private static func collect(_ node: JSONNode, into objects: inout [JSONDocument]) throws(ManifestError) {
        switch node.kind {
        case .null:
            return
        case .array:
            for item in node.elements { try collect(item, into: &objects) }
        case .object:
            if let kind = node["kind"]?.string, kind == "List" || kind.hasSuffix("List"), let items = node["items"], items.isArray {
                for item in items.elements { try collect(item, into: &objects) }
                return
            }
            guard node["kind"]?.string != nil, node["apiVersion"]?.string != nil else {
                throw ManifestError("a document has no apiVersion and kind; every manifest object needs both")
            }
            objects.append(JSON.node(node).document())
        default:
            throw ManifestError("a document is a \(node.kind), not a Kubernetes object")
        }
    }
}
