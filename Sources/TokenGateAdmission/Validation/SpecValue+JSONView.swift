// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON
import TokenGateWorkflow

extension SpecValue {
    /// The Workflow rules' neutral value tree, built from the request's already-parsed JSON.
    ///
    /// A walk, not a re-parse: the AdmissionReview body is parsed once, by Jansson. Depth is bounded
    /// by Jansson's parse limit (64), so the recursion is too.
    init(_ node: JSONNode) {
        switch node.kind {
        case .null: self = .null
        case .bool: self = .bool(node.bool ?? false)
        case .integer: self = .int(node.int ?? 0)
        case .real: self = .float(node.double ?? 0)
        case .string: self = .string(node.string ?? "")
        case .array: self = .list(node.elements.map(SpecValue.init))
        case .object: self = .map(node.members.map { SpecEntry(key: $0.key, value: SpecValue($0.value)) })
        }
    }
}
