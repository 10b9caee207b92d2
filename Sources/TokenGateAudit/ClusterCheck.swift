// SPDX-License-Identifier: Apache-2.0

/// The outcome of one call TokenGate made to a trusted cluster: a JWKS fetch or a TokenReview.
///
/// The review page shows, per cluster, when each last worked and when and why it last failed: the
/// direct answer to "is this cluster's trust still live?", which granted exchanges only hint at.
/// These are not audit events — they go to their own small table, one row per cluster and kind,
/// so "rows in the events table = exchanges + admission decisions" stays true.
public struct ClusterCheck: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A JWKS document fetched with HTTP 200 (discovery failures count as JWKS failures).
        case jwks
        /// A TokenReview the API server answered (authenticated or not).
        case tokenReview = "token_review"
    }

    public var cluster: String
    public var kind: Kind
    public var succeededAt: AuditTime?
    public var failedAt: AuditTime?
    /// Why the last failure happened, cut to ``maximumFailureLength`` characters.
    public var failure: String?

    /// Failure messages carry URLs and API server answers; the page needs the gist, not a body.
    public static let maximumFailureLength = 300

    /// A success of `kind` for `cluster` at `time`.
    public static func success(_ kind: Kind, cluster: String, at time: AuditTime = .now()) -> ClusterCheck {
        ClusterCheck(cluster: cluster, kind: kind, succeededAt: time, failedAt: nil, failure: nil)
    }

    /// A failure of `kind` for `cluster` at `time`, with its reason.
    public static func failure(_ kind: Kind, cluster: String, reason: String, at time: AuditTime = .now()) -> ClusterCheck {
        let cut = reason.count > maximumFailureLength ? String(reason.prefix(maximumFailureLength)) + "…" : reason
        return ClusterCheck(cluster: cluster, kind: kind, succeededAt: nil, failedAt: time, failure: cut)
    }

    public init(cluster: String, kind: Kind, succeededAt: AuditTime?, failedAt: AuditTime?, failure: String?) {
        self.cluster = cluster
        self.kind = kind
        self.succeededAt = succeededAt
        self.failedAt = failedAt
        self.failure = failure
    }

    /// This check with `other` (same cluster and kind) folded in: the later success, and the later
    /// failure with its reason. The stores apply the same rule in SQL, so the order in which
    /// replicas write never moves a time backwards.
    public func merged(with other: ClusterCheck) -> ClusterCheck {
        var result = self
        if let time = other.succeededAt { result.succeededAt = max(time, succeededAt ?? time) }
        if let time = other.failedAt, time >= (failedAt ?? time) {
            result.failedAt = time
            result.failure = other.failure
        }
        return result
    }
}
