// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// ``JSONView`` (simdjson), the reader of every request body on the hot path, with the limits the
/// webhook uses: the second reader of the differential `json` target.
public enum JSONViewReader: FuzzJSONReader {
    public static let name = "JSONView"

    public static func read(_ bytes: UnsafeRawBufferPointer) -> Result<FuzzJSONValue, FuzzJSONRejection> {
        do throws(JSONError) {
            return .success(FuzzJSONValue(try JSONView.parse(bytes).root))
        } catch {
            return .failure(FuzzJSONRejection("\(error.code): \(error.message)"))
        }
    }
}

extension FuzzJSONValue {
    /// Converts a view value (recursion is bounded by the parser's depth limit, 64).
    public init(_ value: JSONView.Value) {
        switch value.kind {
        case .null: self = .null
        case .bool: self = .bool(value.bool ?? false)
        case .integer: self = .int(value.int ?? 0)
        case .real: self = .double(value.double ?? 0)
        case .string: self = .string(value.withStringBytes { Array($0) } ?? [])
        case .array: self = .array(value.elements.map(FuzzJSONValue.init))
        case .object:
            self = .object(value.members.map { Member(key: Array($0.key.utf8), value: FuzzJSONValue($0.value)) })
        }
    }
}
