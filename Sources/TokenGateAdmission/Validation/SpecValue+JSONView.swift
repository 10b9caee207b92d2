// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON
import TokenGateWorkflow

extension SpecValue {
    /// The Workflow rules' neutral value tree, built from the request's already-parsed JSON.
    ///
    /// A walk, not a re-parse: the AdmissionReview body is parsed once, into a ``JSONView``. Depth
    /// is bounded by the parse limit (64), so the recursion is too.
    init(_ value: JSONView.Value) {
        switch value.kind {
        case .null: self = .null
        case .bool: self = .bool(value.bool ?? false)
        case .integer: self = .int(value.int ?? 0)
        case .real: self = .float(value.double ?? 0)
        case .string: self = .string(value.string ?? "")
        case .array: self = .list(value.elements.map(SpecValue.init))
        case .object: self = .map(value.members.map { SpecEntry(key: $0.key, value: SpecValue($0.value)) })
        }
    }
}
