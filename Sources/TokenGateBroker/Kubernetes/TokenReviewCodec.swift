// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// The wire form of TokenReview (`authentication.k8s.io/v1`), so the server's client is only
/// transport: it POSTs ``requestBody(token:audiences:)`` to ``path`` and hands the response to
/// ``parseResponse(status:body:cluster:)``.
public enum TokenReviewCodec {
    public static let path = "/apis/authentication.k8s.io/v1/tokenreviews"

    public static func requestBody(token: String, audiences: [String]) -> [UInt8] {
        let body: JSON = [
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenReview",
            "spec": ["token": .string(token), "audiences": .array(audiences.map { .string($0) })],
        ]
        return body.serialized()
    }

    /// Reads a TokenReview response. KAS answers 201 (some proxies 200) even when the token is
    /// rejected; `authenticated: false` is a normal answer, not an error.
    /// - Throws: ``UpstreamUnavailable`` for other statuses or a body that is not a TokenReview.
    public static func parseResponse(status: Int, body: [UInt8], cluster: String) throws(UpstreamUnavailable) -> TokenReviewStatus {
        guard status == 200 || status == 201 else {
            throw UpstreamUnavailable(.tokenReview, cluster: cluster, "API server answered HTTP \(status)\(hint(status))")
        }
        guard let document = try? JSONDocument.parse(body), document.rootNode["kind"]?.string == "TokenReview" else {
            throw UpstreamUnavailable(.tokenReview, cluster: cluster, "response is not a TokenReview")
        }
        guard let status = document.rootNode["status"], status.isObject else {
            // `status` omitted entirely means nothing authenticated it.
            return TokenReviewStatus(authenticated: false, error: "no status in TokenReview response")
        }
        var extra: [String: [String]] = [:]
        for (key, values) in status["user"]?["extra"]?.members ?? [] {
            extra[key] = values.elements.compactMap(\.string)
        }
        return TokenReviewStatus(
            authenticated: status["authenticated"]?.bool ?? false,
            audiences: status["audiences"]?.elements.compactMap(\.string) ?? [],
            username: status["user"]?["username"]?.string,
            uid: status["user"]?["uid"]?.string,
            groups: status["user"]?["groups"]?.elements.compactMap(\.string) ?? [],
            extra: extra,
            error: status["error"]?.string)
    }

    private static func hint(_ status: Int) -> String {
        switch status {
        case 401: " (the broker's credentials were refused)"
        case 403: " (bind the broker's ServiceAccount to ClusterRole system:auth-delegator)"
        default: ""
        }
    }
}
