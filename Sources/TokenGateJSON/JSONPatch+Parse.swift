// SPDX-License-Identifier: Apache-2.0

extension JSONPatch {
    /// Reads an RFC 6902 patch document (a JSON array of operations), e.g. one decoded from an
    /// `AdmissionResponse.patch`, so tools and tests can apply what a webhook answered.
    ///
    /// Only the operations TokenGate itself emits or checks are supported (`add`, `remove`,
    /// `replace`, `test`); `move` and `copy` are refused with a message naming the index.
    /// - Throws: ``JSONError`` (`.patch` or `.pointer`) saying which operation is malformed.
    public init(parsing node: JSONNode) throws {
        guard node.isArray else { throw JSONError(.patch, "a JSON Patch must be an array of operations") }
        var operations: [Operation] = []
        operations.reserveCapacity(node.count)
        for (index, item) in node.elements.enumerated() {
            guard item.isObject else { throw JSONError(.patch, "patch operation \(index) is not an object") }
            guard let op = item["op"]?.string else {
                throw JSONError(.patch, "patch operation \(index) has no string \"op\"")
            }
            guard let pathText = item["path"]?.string else {
                throw JSONError(.patch, "patch operation \(index) has no string \"path\"")
            }
            let path = try JSONPointer(parsing: pathText)
            func value() throws -> JSON {
                guard let value = item["value"] else {
                    throw JSONError(.patch, "patch operation \(index) (\(op) \(pathText)) has no \"value\"")
                }
                return .node(value)
            }
            switch op {
            case "add": operations.append(.add(path, try value()))
            case "replace": operations.append(.replace(path, try value()))
            case "test": operations.append(.test(path, try value()))
            case "remove": operations.append(.remove(path))
            default:
                throw JSONError(.patch, "patch operation \(index) has unsupported op \"\(op)\"")
            }
        }
        self.init(operations)
    }
}
