// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1
import TokenGateJSON

/// What a route handler answers.
public struct ServerResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    public init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON body (`content-type: application/json`).
    public static func json(_ status: HTTPResponseStatus, _ bytes: [UInt8]) -> ServerResponse {
        ServerResponse(status: status, headers: ["content-type": "application/json"], body: ByteBuffer(bytes: bytes))
    }

    /// A plain-text body.
    public static func text(_ status: HTTPResponseStatus, _ text: String, contentType: String = "text/plain; charset=utf-8") -> ServerResponse {
        ServerResponse(status: status, headers: ["content-type": contentType], body: ByteBuffer(string: text))
    }

    /// An error in the shape of a Kubernetes `metav1.Status`, which both people and Kubernetes
    /// tooling read: `{"kind":"Status","apiVersion":"v1","status":"Failure","code":413,
    /// "reason":"RequestEntityTooLarge","message":"..."}`.
    public static func failure(_ status: HTTPResponseStatus, reason: String, message: String) -> ServerResponse {
        let body: JSON = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
            "message": .string(message), "reason": .string(reason), "code": .int(Int(status.code)),
        ]
        return .json(status, body.serialized())
    }
}
