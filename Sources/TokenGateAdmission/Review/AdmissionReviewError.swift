// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// A body that is not a well-formed AdmissionReview. The server answers it with HTTP 400 and
/// ``body``, a `metav1.Status`-shaped JSON document whose message says what was wrong, so whoever
/// sent it (a person with curl, a misconfigured webhook) can fix it.
public struct AdmissionReviewError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    public var httpStatus: Int { 400 }

    /// `{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":…}`
    public var body: [UInt8] {
        let status: JSON = [
            "apiVersion": "v1", "kind": "Status", "status": "Failure", "code": .int(httpStatus),
            "reason": "BadRequest", "message": .string("not a valid AdmissionReview: \(message)"),
        ]
        return status.serialized()
    }
}
