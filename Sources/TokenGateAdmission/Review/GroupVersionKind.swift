// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// `{group, version, kind}` as the API server sends it in `request.kind`. The core group is `""`.
public struct GroupVersionKind: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var kind: String

    public init(group: String, version: String, kind: String) {
        self.group = group
        self.version = version
        self.kind = kind
    }

    /// Reads `{group, version, kind}`; missing members read as empty strings (the core group is empty).
    init?(_ node: JSONView.Value?) {
        guard let node, node.isObject else { return nil }
        self.init(
            group: node["group"]?.string ?? "", version: node["version"]?.string ?? "",
            kind: node["kind"]?.string ?? "")
    }

    /// From an object's `apiVersion` (`apps/v1` or `v1`) and `kind`.
    public init(apiVersion: String, kind: String) {
        if let slash = apiVersion.firstIndex(of: "/") {
            self.init(group: String(apiVersion[..<slash]), version: String(apiVersion[apiVersion.index(after: slash)...]), kind: kind)
        } else {
            self.init(group: "", version: apiVersion, kind: kind)
        }
    }

    /// `apps/v1/Deployment`, `v1/Pod`: what logs and records show.
    public var description: String { group.isEmpty ? "\(version)/\(kind)" : "\(group)/\(version)/\(kind)" }

    /// `apps/v1` or `v1`, as an object's `apiVersion` field.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
}

/// `{group, version, resource}` from `request.resource`.
public struct GroupVersionResource: Sendable, Hashable {
    public var group: String
    public var version: String
    public var resource: String

    public init(group: String, version: String, resource: String) {
        self.group = group
        self.version = version
        self.resource = resource
    }

    init?(_ node: JSONView.Value?) {
        guard let node, node.isObject else { return nil }
        self.init(
            group: node["group"]?.string ?? "", version: node["version"]?.string ?? "",
            resource: node["resource"]?.string ?? "")
    }
}
