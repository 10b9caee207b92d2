// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON
import TokenGateKubeClient

/// `kube-answers`: the API server's answers the broker reads, a TokenReview status and a Pod.
///
/// Each input is decoded as both. Invariants: a refusal is a thrown error, never a trap; what
/// is decoded is decoded again identically from a document written from it (nothing depends on
/// member order or on members the decoder skips); and the Pod path built from a decoded name
/// stays one path segment per name whatever the name holds (names come from token claims).
enum KubeAnswersCheck {
    static let target = "kube-answers"

    static func check(_ bytes: UnsafeRawBufferPointer) throws(FuzzCheckFailure) {
        let body = Array(bytes)
        if let review = try? TokenReviewCodec.decode(body) {
            let again = try? TokenReviewCodec.decode(encode(review).serialized())
            try require(again == review, target, "a TokenReview decodes differently from its own re-encoding: \(shown(body))")
        }
        if let pod = try? PodInfo.decode(body) {
            let again = try? PodInfo.decode(encode(pod).serialized())
            try require(again == pod, target, "a Pod decodes differently from its own re-encoding: \(shown(body))")
            try checkPath(PodInfo.path(namespace: pod.namespace, name: pod.name), pod)
        }
    }

    /// `/api/v1/namespaces/<ns>/pods/<name>`: exactly these segments, each name segment made of
    /// unreserved characters and `%XX` only, decoding back to the name.
    private static func checkPath(_ path: String, _ pod: PodInfo) throws(FuzzCheckFailure) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        try require(segments.count == 7 && segments[0].isEmpty && segments[1] == "api" && segments[2] == "v1"
                    && segments[3] == "namespaces" && segments[5] == "pods", target, "pod path \(shown(path)) does not have the API's shape")
        try require(percentDecoded(segments[4]) == Array(pod.namespace.utf8), target, "namespace segment \(shown(path))")
        try require(percentDecoded(segments[6]) == Array(pod.name.utf8), target, "name segment \(shown(path))")
    }

    private static func percentDecoded(_ segment: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        var bytes = Array(segment.utf8)[...]
        while let byte = bytes.popFirst() {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                out.append(byte)
            case UInt8(ascii: "%"):
                guard bytes.count >= 2, let value = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) else {
                    return nil
                }
                out.append(value)
                bytes = bytes.dropFirst(2)
            default:
                return nil
            }
        }
        return out
    }

    private static func encode(_ review: TokenReviewResult) -> JSON {
        var status: [(String, JSON)] = [("authenticated", .bool(review.authenticated))]
        if let error = review.error { status.append(("error", .string(error))) }
        status.append(("audiences", .array(review.audiences.map { .string($0) })))
        var user: [(String, JSON)] = []
        if let username = review.username { user.append(("username", .string(username))) }
        if let uid = review.uid { user.append(("uid", .string(uid))) }
        user.append(("groups", .array(review.groups.map { .string($0) })))
        user.append(("extra", .object(review.extra.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value.map { .string($0) })) })))
        status.append(("user", .object(user)))
        return .object([("apiVersion", "authentication.k8s.io/v1"), ("kind", "TokenReview"), ("status", .object(status))])
    }

    private static func encode(_ pod: PodInfo) -> JSON {
        var metadata: [(String, JSON)] = [("name", .string(pod.name)), ("namespace", .string(pod.namespace)), ("uid", .string(pod.uid))]
        if let deletion = pod.deletionTimestamp { metadata.append(("deletionTimestamp", .string(deletion))) }
        var spec: [(String, JSON)] = []
        if let account = pod.serviceAccountName { spec.append(("serviceAccountName", .string(account))) }
        if let node = pod.nodeName { spec.append(("nodeName", .string(node))) }
        return .object([("apiVersion", "v1"), ("kind", "Pod"), ("metadata", .object(metadata)), ("spec", .object(spec))])
    }
}
