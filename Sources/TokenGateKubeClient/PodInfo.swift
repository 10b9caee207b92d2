// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// The few facts about a live Pod that the broker compares with a token's claims.
public struct PodInfo: Sendable, Equatable {
    public var namespace: String
    public var name: String
    public var uid: String
    public var serviceAccountName: String?
    public var nodeName: String?
    /// Set once the pod is terminating; a token bound to it stays valid ~60 s past this (k8s-api.md §4.2).
    public var deletionTimestamp: String?

    public init(namespace: String, name: String, uid: String, serviceAccountName: String?, nodeName: String?,
                deletionTimestamp: String? = nil) {
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.serviceAccountName = serviceAccountName
        self.nodeName = nodeName
        self.deletionTimestamp = deletionTimestamp
    }

    public static func path(namespace: String, name: String) -> String {
        "/api/v1/namespaces/\(percentEncodePathSegment(namespace))/pods/\(percentEncodePathSegment(name))"
    }

    /// Reads the few fields in place (this thread's simdjson parser; no tree of the whole Pod).
    public static func decode(_ body: [UInt8]) throws -> PodInfo {
        guard let document = try? JSONView.parseOnThisThread(body) else {
            throw KubeClientError.badResponse("Pod response is not JSON")
        }
        let root = document.root
        guard root["kind"]?.string == "Pod", let metadata = root["metadata"],
              let name = metadata["name"]?.string, let uid = metadata["uid"]?.string else {
            throw KubeClientError.badResponse("Pod response lacks kind, metadata.name or metadata.uid")
        }
        return PodInfo(
            namespace: metadata["namespace"]?.string ?? "", name: name, uid: uid,
            serviceAccountName: root["spec"]?["serviceAccountName"]?.string,
            nodeName: root["spec"]?["nodeName"]?.string,
            deletionTimestamp: metadata["deletionTimestamp"]?.string)
    }

    /// Kubernetes names are DNS labels, but never trust that when building a URL from a token claim.
    static func percentEncodePathSegment(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}

import Foundation // String(format:)
