// SPDX-License-Identifier: Apache-2.0
import Foundation
import TokenGateBroker
import TokenGateJSON

/// What the probes of one cluster found: its keys, and its API server's answer to TokenGate.
struct ClusterProbe: Sendable, Equatable {
    /// nil: the cluster does not use a JWKS (`verify: tokenreview`).
    var jwks: Result<Int, ProbeFailure>?
    /// nil: the cluster names no API server.
    var api: Result<Int, ProbeFailure>?

    struct ProbeFailure: Error, Sendable, Equatable {
        let message: String
    }

    /// Whether something it checked is broken (probed again sooner).
    var isFailing: Bool {
        if case .failure? = jwks { return true }
        switch api {
        case .failure?: return true
        case .success(let status)?: return !(200...299).contains(status)
        case nil: return false
        }
    }
}

/// The `Ready`, `JWKSAvailable` and `Authenticated` conditions of a TrustedCluster.
enum TrustedClusterConditions {
    static let types = ["Ready", "JWKSAvailable", "Authenticated"]

    /// The conditions for `resource`, given where it stands (in force with `cluster`, or excluded)
    /// and what the probes found. Times come from `observed` when the status did not change.
    static func compute(
        resource: TrustedClusterResource, placement: Result<ClusterSettings, ClusterExclusion>?, probe: ClusterProbe?, now: Date
    ) -> [ClusterCondition] {
        let generation = resource.generation
        var jwks = ClusterCondition(type: "JWKSAvailable", status: "Unknown", reason: "NotInUse",
                                    message: "the cluster is not in use", observedGeneration: generation, lastTransitionTime: "")
        var auth = ClusterCondition(type: "Authenticated", status: "Unknown", reason: "NotInUse",
                                    message: "the cluster is not in use", observedGeneration: generation, lastTransitionTime: "")
        var ready: ClusterCondition
        switch placement {
        case .failure(let exclusion)?:
            ready = ClusterCondition(type: "Ready", status: "False", reason: exclusion.reason, message: exclusion.message,
                                     observedGeneration: generation, lastTransitionTime: "")
        case nil:
            ready = ClusterCondition(type: "Ready", status: "Unknown", reason: "Pending", message: "not reconciled yet",
                                     observedGeneration: generation, lastTransitionTime: "")
        case .success(let cluster)?:
            jwks = jwksCondition(cluster, probe?.jwks, generation)
            auth = authCondition(cluster, probe?.api, generation)
            // A refused credential also breaks discovery on the API server: name the root cause first.
            if auth.status == "False" {
                ready = ClusterCondition(type: "Ready", status: "False", reason: auth.reason, message: auth.message,
                                         observedGeneration: generation, lastTransitionTime: "")
            } else if jwks.status == "False" {
                ready = ClusterCondition(type: "Ready", status: "False", reason: "JWKSUnavailable", message: jwks.message,
                                         observedGeneration: generation, lastTransitionTime: "")
            } else if probe == nil {
                ready = ClusterCondition(type: "Ready", status: "Unknown", reason: "Probing",
                                         message: "checking the cluster's keys and API server", observedGeneration: generation, lastTransitionTime: "")
            } else {
                ready = ClusterCondition(type: "Ready", status: "True", reason: "Trusted",
                                         message: "tokens of issuer \(cluster.issuer) are exchanged as cluster \(cluster.name)",
                                         observedGeneration: generation, lastTransitionTime: "")
            }
        }
        let stamp = timestamp(now)
        return [ready, jwks, auth].map { condition in
            var condition = condition
            if let old = resource.observed[condition.type], old.status == condition.status, !old.lastTransitionTime.isEmpty {
                condition.lastTransitionTime = old.lastTransitionTime
            } else {
                condition.lastTransitionTime = stamp
            }
            return condition
        }
    }

    private static func jwksCondition(_ cluster: ClusterSettings, _ result: Result<Int, ClusterProbe.ProbeFailure>?, _ generation: Int64)
        -> ClusterCondition
    {
        var condition = ClusterCondition(type: "JWKSAvailable", status: "Unknown", reason: "Probing", message: "fetching the cluster's keys",
                                         observedGeneration: generation, lastTransitionTime: "")
        guard cluster.verification.usesJWKS else {
            condition.reason = "NotUsed"
            condition.message = "verify: tokenreview does not use the cluster's keys"
            return condition
        }
        switch result {
        case .success(let count)?:
            condition.status = "True"
            condition.reason = "KeysLoaded"
            condition.message = "\(count) key\(count == 1 ? "" : "s") from \(cluster.jwks)"
        case .failure(let failure)?:
            condition.status = "False"
            condition.reason = "FetchFailed"
            condition.message = failure.message
        case nil: break
        }
        return condition
    }

    private static func authCondition(_ cluster: ClusterSettings, _ result: Result<Int, ClusterProbe.ProbeFailure>?, _ generation: Int64)
        -> ClusterCondition
    {
        var condition = ClusterCondition(type: "Authenticated", status: "Unknown", reason: "Probing",
                                         message: "asking the API server", observedGeneration: generation, lastTransitionTime: "")
        guard let apiServer = cluster.apiServer else {
            condition.reason = "NotUsed"
            condition.message = "no apiServer: the cluster is trusted on its keys alone"
            return condition
        }
        var audience = ""
        var subject = ""
        if case .selfIssued(let auth)? = cluster.auth {
            audience = auth.audience
            subject = auth.subject
        }
        switch result {
        case .success(200...299)?:
            condition.status = "True"
            condition.reason = "TokenReviewAllowed"
            condition.message = "\(apiServer) accepted TokenGate's self-issued token (sub \(subject)) and allows TokenReview"
        case .success(401)?:
            condition.status = "False"
            condition.reason = "Unauthorized"
            condition.message = "\(apiServer) answered 401 to TokenGate's self-issued token: its authentication config must trust "
                + "TokenGate's issuer with audience \(audience)"
        case .success(403)?:
            condition.status = "False"
            condition.reason = "Forbidden"
            condition.message = "\(apiServer) authenticated TokenGate (sub \(subject)) but answered 403: bind system:auth-delegator "
                + "and get pods to the mapped user"
        case .success(let status)?:
            condition.status = "False"
            condition.reason = "UnexpectedStatus"
            condition.message = "\(apiServer) answered HTTP \(status) to a TokenReview"
        case .failure(let failure)?:
            condition.status = "False"
            condition.reason = "Unreachable"
            condition.message = failure.message
        case nil: break
        }
        return condition
    }

    /// Whether writing `conditions` would change what the API server has.
    static func differs(_ conditions: [ClusterCondition], from resource: TrustedClusterResource) -> Bool {
        if resource.observedGeneration != resource.generation { return true }
        return conditions.contains { condition in
            guard let old = resource.observed[condition.type] else { return true }
            return !condition.sameState(as: old)
        }
    }

    /// The merge patch for `/status`.
    static func statusPatch(generation: Int64, conditions: [ClusterCondition]) -> [UInt8] {
        var w = JSONWriter(into: [UInt8]())
        w.object { w in
            w.key("status")
            w.object { w in
                w.key("observedGeneration"); w.int(generation)
                w.key("conditions")
                w.array { w in
                    for condition in conditions {
                        w.object { w in
                            w.key("type"); w.string(condition.type)
                            w.key("status"); w.string(condition.status)
                            w.key("observedGeneration"); w.int(condition.observedGeneration)
                            w.key("lastTransitionTime"); w.string(condition.lastTransitionTime)
                            w.key("reason"); w.string(condition.reason)
                            w.key("message"); w.string(String(condition.message.prefix(4096)))
                        }
                    }
                }
            }
        }
        return w.sink
    }

    /// Conditions as stored in an object's `status`.
    static func observed(_ status: JSONView.Value?) -> (conditions: [String: ClusterCondition], generation: Int64?) {
        var conditions: [String: ClusterCondition] = [:]
        let items = status?["conditions"].flatMap { $0.isArray ? Array($0.elements) : nil } ?? []
        for item in items {
            guard let type = item["type"]?.string else { continue }
            conditions[type] = ClusterCondition(
                type: type, status: item["status"]?.string ?? "", reason: item["reason"]?.string ?? "",
                message: item["message"]?.string ?? "", observedGeneration: item["observedGeneration"]?.int ?? 0,
                lastTransitionTime: item["lastTransitionTime"]?.string ?? "")
        }
        return (conditions, status?["observedGeneration"]?.int)
    }

    /// RFC 3339 in UTC, whole seconds (metav1.Time).
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
    }
}
