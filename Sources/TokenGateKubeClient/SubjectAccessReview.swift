// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// What a SubjectAccessReview asks about (`spec.resourceAttributes`): may the user `verb` the
/// `resource` of API `group` (named `name`, in `namespace`, when those are set)?
public struct ResourceAttributes: Sendable, Equatable, CustomStringConvertible {
    public var verb: String
    public var group: String
    public var resource: String
    public var name: String?
    public var namespace: String?

    public init(verb: String, group: String, resource: String, name: String? = nil, namespace: String? = nil) {
        self.verb = verb
        self.group = group
        self.resource = resource
        self.name = name
        self.namespace = namespace
    }

    /// As kubectl and RBAC errors write it: `get on auditreviews.tokengate.io` (plus name and namespace when set).
    public var description: String {
        var text = "\(verb) on \(group.isEmpty ? resource : "\(resource).\(group)")"
        if let name { text += " named \"\(name)\"" }
        if let namespace { text += " in namespace \"\(namespace)\"" }
        return text
    }
}

/// The authorizer's answer (`authorization.k8s.io/v1` SubjectAccessReview status).
public struct SubjectAccessReviewResult: Sendable, Equatable {
    public var allowed: Bool
    /// An authorizer denied explicitly (no other authorizer was asked).
    public var denied: Bool
    public var reason: String?
    /// An authorizer failed; `allowed` may still be true if another one allowed.
    public var evaluationError: String?

    public init(allowed: Bool, denied: Bool = false, reason: String? = nil, evaluationError: String? = nil) {
        self.allowed = allowed
        self.denied = denied
        self.reason = reason
        self.evaluationError = evaluationError
    }
}

/// Encodes SubjectAccessReview requests for a user a TokenReview authenticated, and decodes the answer.
public enum SubjectAccessReviewCodec {
    public static let path = "/apis/authorization.k8s.io/v1/subjectaccessreviews"

    /// The review of `user` (username, uid, groups and extra exactly as TokenReview returned them).
    public static func requestBody(user: TokenReviewResult, attributes: ResourceAttributes) -> [UInt8] {
        var resource: [(String, JSON)] = [
            ("verb", .string(attributes.verb)), ("group", .string(attributes.group)), ("resource", .string(attributes.resource)),
        ]
        if let name = attributes.name { resource.append(("name", .string(name))) }
        if let namespace = attributes.namespace { resource.append(("namespace", .string(namespace))) }
        var spec: [(String, JSON)] = [("resourceAttributes", .object(resource))]
        if let username = user.username { spec.append(("user", .string(username))) }
        if let uid = user.uid { spec.append(("uid", .string(uid))) }
        spec.append(("groups", .array(user.groups.map { .string($0) })))
        if !user.extra.isEmpty {
            let extra = user.extra.keys.sorted().map { key in (key, JSON.array(user.extra[key, default: []].map { .string($0) })) }
            spec.append(("extra", .object(extra)))
        }
        return JSON.object([
            ("apiVersion", "authorization.k8s.io/v1"),
            ("kind", "SubjectAccessReview"),
            ("spec", .object(spec)),
        ]).serialized()
    }

    /// Decodes a SubjectAccessReview response body; `allowed`, `denied` and `reason` are omitempty upstream.
    public static func decode(_ body: [UInt8]) throws -> SubjectAccessReviewResult {
        let document: JSONView
        do { document = try JSONView.parseOnThisThread(body, errorsAsDocument: true) } catch {
            throw KubeClientError.badResponse("SubjectAccessReview response is not JSON: \(error)")
        }
        let root = document.root
        guard root["kind"]?.string == "SubjectAccessReview", let status = root["status"], status.isObject else {
            throw KubeClientError.badResponse("SubjectAccessReview response has no status")
        }
        return SubjectAccessReviewResult(
            allowed: status["allowed"]?.bool ?? false, denied: status["denied"]?.bool ?? false,
            reason: status["reason"]?.string, evaluationError: status["evaluationError"]?.string)
    }
}

extension KubeClient {
    /// POST a SubjectAccessReview: may `user` (a TokenReview's answer) do `attributes`?
    ///
    /// RBAC needed: create subjectaccessreviews, which `system:auth-delegator` grants with tokenreviews.
    public func reviewAccess(user: TokenReviewResult, attributes: ResourceAttributes) async throws -> SubjectAccessReviewResult {
        let (status, body) = try await post(SubjectAccessReviewCodec.path,
                                            body: SubjectAccessReviewCodec.requestBody(user: user, attributes: attributes))
        guard status == 200 || status == 201 else { throw Self.error(for: status, body: body, what: "SubjectAccessReview") }
        return try SubjectAccessReviewCodec.decode(body)
    }
}
