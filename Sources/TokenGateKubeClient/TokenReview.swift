// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// The API server's verdict on a token (`authentication.k8s.io/v1` TokenReview status).
public struct TokenReviewResult: Sendable, Equatable {
    public var authenticated: Bool
    /// The API server's reason when not authenticated (e.g. `pods "x" not found`).
    public var error: String?
    /// Intersection of the requested audiences and the token's; must contain the broker audience.
    public var audiences: [String]
    public var username: String?
    public var uid: String?
    public var groups: [String]
    /// `status.user.extra`: pod-name, pod-uid, node-name, node-uid, credential-id.
    public var extra: [String: [String]]

    public init(
        authenticated: Bool, error: String? = nil, audiences: [String] = [], username: String? = nil,
        uid: String? = nil, groups: [String] = [], extra: [String: [String]] = [:]
    ) {
        self.authenticated = authenticated
        self.error = error
        self.audiences = audiences
        self.username = username
        self.uid = uid
        self.groups = groups
        self.extra = extra
    }

    public var podName: String? { extra["authentication.kubernetes.io/pod-name"]?.first }
    public var podUID: String? { extra["authentication.kubernetes.io/pod-uid"]?.first }
    public var nodeName: String? { extra["authentication.kubernetes.io/node-name"]?.first }
    public var nodeUID: String? { extra["authentication.kubernetes.io/node-uid"]?.first }
}

/// Encodes TokenReview requests and decodes their responses (k8s-api.md §4.2).
public enum TokenReviewCodec {
    public static let path = "/apis/authentication.k8s.io/v1/tokenreviews"

    public static func requestBody(token: String, audiences: [String]) -> [UInt8] {
        JSON.object([
            ("apiVersion", "authentication.k8s.io/v1"),
            ("kind", "TokenReview"),
            ("spec", .object([("token", .string(token)), ("audiences", .array(audiences.map { .string($0) }))])),
        ]).serialized()
    }

    /// Decodes a TokenReview response body. `authenticated` and `error` are omitempty upstream.
    /// Read in place by this thread's simdjson parser; a refusal carries Jansson's message.
    public static func decode(_ body: [UInt8]) throws -> TokenReviewResult {
        let document: JSONView
        do { document = try JSONView.parseOnThisThread(body, errorsAsDocument: true) } catch {
            throw KubeClientError.badResponse("TokenReview response is not JSON: \(error)")
        }
        let root = document.root
        guard root["kind"]?.string == "TokenReview", let status = root["status"], status.isObject else {
            throw KubeClientError.badResponse("TokenReview response has no status")
        }
        let user = status["user"]
        var extra: [String: [String]] = [:]
        if let members = user?["extra"]?.members {
            for (key, values) in members { extra[key] = values.elements.compactMap(\.string) }
        }
        return TokenReviewResult(
            authenticated: status["authenticated"]?.bool ?? false,
            error: status["error"]?.string,
            audiences: status["audiences"]?.elements.compactMap(\.string) ?? [],
            username: user?["username"]?.string,
            uid: user?["uid"]?.string,
            groups: user?["groups"]?.elements.compactMap(\.string) ?? [],
            extra: extra)
    }
}
