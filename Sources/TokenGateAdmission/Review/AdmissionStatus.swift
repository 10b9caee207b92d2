// SPDX-License-Identifier: Apache-2.0

/// The `status` of a denial (a `metav1.Status` subset). The API server shows `message` to the user
/// as `admission webhook "<name>" denied the request: <message>` and uses `code` as the HTTP status,
/// so the message must say what to change.
public struct AdmissionStatus: Sendable, Equatable {
    public var code: Int
    public var reason: String
    public var message: String

    public init(code: Int, reason: String, message: String) {
        self.code = code
        self.reason = reason
        self.message = message
    }

    /// 422: the object itself is wrong (e.g. an out-of-range TokenGate annotation).
    public static func invalid(_ message: String) -> AdmissionStatus {
        AdmissionStatus(code: 422, reason: "Invalid", message: message)
    }

    /// 403: the object is fine but policy forbids it.
    public static func forbidden(_ message: String) -> AdmissionStatus {
        AdmissionStatus(code: 403, reason: "Forbidden", message: message)
    }
}
