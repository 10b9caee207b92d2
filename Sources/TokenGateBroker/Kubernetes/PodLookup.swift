// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// Reads a pod from a cluster's API server (`GET /api/v1/namespaces/{ns}/pods/{name}`), to
/// compare its UID with the token's pod claim (the SPIRE pattern: a pod deleted and recreated
/// under the same name has a new UID). RBAC: `get pods`.
public protocol PodLookup: Sendable {
    /// - Returns: the pod, or nil when the API server answers 404.
    /// - Throws: ``UpstreamUnavailable`` for any other failure.
    func pod(namespace: String, name: String, cluster: ClusterSettings) async throws(UpstreamUnavailable) -> PodInfo?
}

/// The few pod fields the broker compares or records.
public struct PodInfo: Sendable, Equatable {
    public var uid: String
    public var serviceAccountName: String?
    public var nodeName: String?
    public var deletionTimestamp: String?

    public init(uid: String, serviceAccountName: String? = nil, nodeName: String? = nil, deletionTimestamp: String? = nil) {
        self.uid = uid
        self.serviceAccountName = serviceAccountName
        self.nodeName = nodeName
        self.deletionTimestamp = deletionTimestamp
    }
}

/// The wire form of the Pod GET.
public enum PodCodec {
    /// The API path for a pod. Names are checked by the caller (``KubernetesNames``) first, so no
    /// escaping is needed and nothing from a token can change the path's shape.
    public static func path(namespace: String, name: String) -> String {
        "/api/v1/namespaces/\(namespace)/pods/\(name)"
    }

    /// - Returns: nil for 404; the pod for 200.
    /// - Throws: ``UpstreamUnavailable`` for other statuses or a body that is not a Pod.
    public static func parseResponse(status: Int, body: [UInt8], cluster: String) throws(UpstreamUnavailable) -> PodInfo? {
        if status == 404 { return nil }
        guard status == 200 else {
            let hint = status == 403 ? " (grant the broker's ServiceAccount get on pods)" : ""
            throw UpstreamUnavailable(.pod, cluster: cluster, "API server answered HTTP \(status)\(hint)")
        }
        guard let document = try? JSONDocument.parse(body), document.rootNode["kind"]?.string == "Pod",
            let uid = document.rootNode["metadata"]?["uid"]?.string
        else {
            throw UpstreamUnavailable(.pod, cluster: cluster, "response is not a Pod with metadata.uid")
        }
        let root = document.rootNode
        return PodInfo(
            uid: uid, serviceAccountName: root["spec"]?["serviceAccountName"]?.string,
            nodeName: root["spec"]?["nodeName"]?.string, deletionTimestamp: root["metadata"]?["deletionTimestamp"]?.string)
    }
}

/// Kubernetes name syntax, checked before a name from a token is used in an API path.
public enum KubernetesNames {
    /// RFC 1123 subdomain: lower-case alphanumerics, '-' and '.', at most 253 characters,
    /// starting and ending with an alphanumeric. Pod and namespace names satisfy it.
    public static func isSubdomain(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        let bytes = Array(name.utf8)
        func alnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
        guard let first = bytes.first, let last = bytes.last, alnum(first), alnum(last) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }
}
