// SPDX-License-Identifier: Apache-2.0

/// An RFC 6902 JSON Patch, built operation by operation from what the request actually contains.
///
/// TokenGate never re-encodes a whole object: each operation touches only the path it owns, so
/// fields this code does not know survive untouched.
public struct JSONPatch: Sendable {
    public enum Operation: Sendable {
        case add(JSONPointer, JSON)
        case remove(JSONPointer)
        case replace(JSONPointer, JSON)
        case test(JSONPointer, JSON)

        public var path: JSONPointer {
            switch self {
            case .add(let path, _), .remove(let path), .replace(let path, _), .test(let path, _): path
            }
        }

        var json: JSON {
            switch self {
            case .add(let path, let value): ["op": "add", "path": .string(path.description), "value": value]
            case .remove(let path): ["op": "remove", "path": .string(path.description)]
            case .replace(let path, let value): ["op": "replace", "path": .string(path.description), "value": value]
            case .test(let path, let value): ["op": "test", "path": .string(path.description), "value": value]
            }
        }
    }

    public private(set) var operations: [Operation]

    public init(_ operations: [Operation] = []) { self.operations = operations }

    public var isEmpty: Bool { operations.isEmpty }

    public mutating func append(_ operation: Operation) { operations.append(operation) }
    public mutating func append(contentsOf other: JSONPatch) { operations.append(contentsOf: other.operations) }

    /// The patch as a JSON array value.
    public var json: JSON { .array(operations.map(\.json)) }

    /// Compact JSON bytes of the patch array.
    public func serialized() -> [UInt8] { json.serialized() }

    /// Standard base64 (with padding) of the serialized patch, as `AdmissionResponse.patch` needs.
    public func base64() -> String { Base64.encode(serialized()) }
}
