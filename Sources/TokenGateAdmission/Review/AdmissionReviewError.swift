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
        var writer = JSONWriter(into: [UInt8]())
        writer.object { w in
            w.key("apiVersion"); w.string("v1")
            w.key("kind"); w.string("Status")
            w.key("status"); w.string("Failure")
            w.key("code"); w.int(httpStatus)
            w.key("reason"); w.string("BadRequest")
            w.key("message"); w.string("not a valid AdmissionReview: \(message)")
        }
        return writer.sink
    }
}
