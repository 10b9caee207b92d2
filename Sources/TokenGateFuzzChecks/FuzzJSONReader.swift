// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// A JSON reader under test, reduced to what every reader must agree on: accept or reject, and
/// the value read: ``JanssonReader`` and ``JSONViewReader`` (simdjson). ``JSONCheck`` holds them to
/// each other; ``JSONAgreement/differential(_:_:_:target:)`` does the same for any two readers.
public protocol FuzzJSONReader {
    /// Name for failure messages.
    static var name: String { get }
    /// The value read from `bytes`, or the reader's error message.
    static func read(_ bytes: UnsafeRawBufferPointer) -> Result<FuzzJSONValue, FuzzJSONRejection>
}

/// Why a reader refused an input (only the message: readers word their errors differently).
public struct FuzzJSONRejection: Error, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// ``JSONDocument`` (Jansson), with the limits the webhook uses.
public enum JanssonReader: FuzzJSONReader {
    public static let name = "Jansson"

    public static func read(_ bytes: UnsafeRawBufferPointer) -> Result<FuzzJSONValue, FuzzJSONRejection> {
        do {
            return .success(FuzzJSONValue(try JSONDocument.parse(bytes).rootNode))
        } catch {
            return .failure(FuzzJSONRejection("\(error)"))
        }
    }
}

/// Comparisons between two readings of the same bytes.
public enum JSONAgreement {
    /// Both readers accept with equal values, or both reject. (A reader that accepts what the
    /// other refuses is how a body can mean one thing to the webhook and another to the API server.)
    public static func differential<A: FuzzJSONReader, B: FuzzJSONReader>(
        _ a: A.Type, _ b: B.Type, _ bytes: UnsafeRawBufferPointer, target: String
    ) throws(FuzzCheckFailure) {
        switch (A.read(bytes), B.read(bytes)) {
        case (.failure, .failure):
            return
        case (.success(let left), .success(let right)):
            try same(left, right, "\(A.name) and \(B.name) read different values", target: target)
        case (.success, .failure(let rejection)):
            throw FuzzCheckFailure(target, "\(A.name) accepts what \(B.name) rejects (\(rejection.message)): \(shown(bytes))")
        case (.failure(let rejection), .success):
            throw FuzzCheckFailure(target, "\(B.name) accepts what \(A.name) rejects (\(rejection.message)): \(shown(bytes))")
        }
    }

    /// Fails naming the first differing place.
    public static func same(_ left: FuzzJSONValue, _ right: FuzzJSONValue, _ what: String, target: String)
        throws(FuzzCheckFailure)
    {
        if let difference = left.firstDifference(from: right) {
            throw FuzzCheckFailure(target, "\(what) at \(difference.isEmpty ? "the root" : difference)")
        }
    }
}
