// SPDX-License-Identifier: Apache-2.0
import NIOHTTP1
import TokenGateHTTP

/// What the review page does with one request when it is served off loopback (``ReviewAccessGate``).
public enum ReviewAccessDecision: Sendable, Equatable {
    /// TokenReview authenticated the bearer token and SubjectAccessReview allowed the permission.
    case allowed(user: String)
    /// No bearer token, or TokenReview did not authenticate it: 401.
    case unauthenticated(reason: String)
    /// Authenticated, but SubjectAccessReview did not allow the permission: 403.
    case forbidden(user: String, permission: String, reason: String?)
    /// The API server gave no usable answer in time: 503 (the caller may retry).
    case unavailable(reason: String)

    /// The answer to send instead of the page; nil when the page may be served.
    public var response: ServerResponse? {
        switch self {
        case .allowed:
            return nil
        case .unauthenticated(let reason):
            var response = ServerResponse.text(
                .unauthorized, "The review page needs `Authorization: Bearer <token>` with a Kubernetes token: \(reason).\n")
            response.headers.add(name: "www-authenticate", value: "Bearer realm=\"tokengate-review\"")
            return response
        case .forbidden(let user, let permission, let reason):
            var text = "\(user) may not see the review page: it needs \(permission) (Kubernetes RBAC)"
            if let reason, !reason.isEmpty { text += "; the authorizer said: \(reason)" }
            return .text(.forbidden, text + ".\n")
        case .unavailable(let reason):
            var response = ServerResponse.text(
                .serviceUnavailable, "The review page cannot check who you are: \(reason). Try again shortly.\n")
            response.headers.add(name: "retry-after", value: "5")
            return response
        }
    }
}
