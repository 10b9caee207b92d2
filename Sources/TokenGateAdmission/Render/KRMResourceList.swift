// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// A KRM function's input and output (`config.kubernetes.io/v1` `ResourceList`): `items` to
/// transform, an optional `functionConfig`, and `results` for the orchestrator (kustomize, kpt).
///
/// The output echoes every member of the input in its order and replaces only `items` and
/// TokenGate's own `results` (those tagged ``RenderFinding/ruleTag``); results of other functions
/// are kept. So a ResourceList rendered twice is the same as rendered once.
public struct KRMResourceList: Sendable {
    public let document: JSONDocument

    public static let kind = "ResourceList"
    public static let apiGroupPrefix = "config.kubernetes.io/"

    /// True for a `ResourceList` of any `config.kubernetes.io` version (v1, or the older v1beta1 / v1alpha1).
    public static func isResourceList(_ node: JSONNode) -> Bool {
        node.isObject && node["kind"]?.string == kind && (node["apiVersion"]?.string?.hasPrefix(apiGroupPrefix) ?? false)
    }

    /// - Throws: ``ManifestError`` when the document is not a ResourceList or `items` is not a list.
    public init(_ document: JSONDocument) throws(ManifestError) {
        let root = document.rootNode
        guard Self.isResourceList(root) else {
            throw ManifestError("the input is not a KRM ResourceList (apiVersion config.kubernetes.io/v1, kind ResourceList)")
        }
        if let items = root["items"], !items.isNull, !items.isArray {
            throw ManifestError("ResourceList items must be a list")
        }
        if let results = root["results"], !results.isNull, !results.isArray {
            throw ManifestError("ResourceList results must be a list")
        }
        self.document = document
    }

    public var items: [JSONNode] { document.rootNode["items"]?.elements ?? [] }

    public var functionConfig: JSONNode? {
        guard let config = document.rootNode["functionConfig"], config.isObject else { return nil }
        return config
    }

    /// The TokenGate configuration carried by the functionConfig: a ConfigMap-shaped object
    /// whose `data.config.yaml` holds the same text as the `tokengate-config` ConfigMap.
    public var configText: String? { functionConfig?.at("/data/config.yaml")?.string }

    /// Whether an item is a Kubernetes object render should look at (objects with apiVersion and kind).
    public static func isObject(_ item: JSONNode) -> Bool {
        item.isObject && item["apiVersion"]?.string != nil && item["kind"]?.string != nil
    }

    /// The output ResourceList: `items` replaced, TokenGate's earlier results replaced by `findings`.
    public func output(items: [JSON], findings: [RenderFinding]) -> JSON {
        let root = document.rootNode
        let kept = (root["results"]?.elements ?? []).filter { $0.at("/tags")?[RenderFinding.ruleTag] == nil }
        let results = kept.map { JSON.node($0) } + findings.map(\.krmResult)
        var members: [(String, JSON)] = []
        var wroteItems = false
        var wroteResults = false
        for (key, value) in root.members {
            switch key {
            case "items":
                members.append((key, .array(items)))
                wroteItems = true
            case "results":
                members.append((key, .array(results)))
                wroteResults = true
            default:
                members.append((key, .node(value)))
            }
        }
        if !wroteItems { members.append(("items", .array(items))) }
        if !wroteResults && !results.isEmpty { members.append(("results", .array(results))) }
        return .object(members)
    }
}
