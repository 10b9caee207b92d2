// SPDX-License-Identifier: Apache-2.0
/// Reads a pod from a cluster's API server (`GET /api/v1/namespaces/{ns}/pods/{name}`), to
/// compare its UID with the token's pod claim (the SPIRE pattern: a pod deleted and recreated
/// under the same name has a new UID). RBAC: `get pods`.
public protocol PodLookup: Sendable {
    /// - Returns: the pod, or nil when the API server answers 404.
    /// - Throws: ``UpstreamUnavailable`` for any other failure.
    func pod(namespace: String, name: String, cluster: ClusterSettings) async throws(UpstreamUnavailable) -> LivePod?
}

/// The few fields of the live pod the broker compares or records. (The server fills it from
/// TokenGateKubeClient's `PodInfo`, which owns the wire format.)
public struct LivePod: Sendable, Equatable {
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
