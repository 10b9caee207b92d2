// SPDX-License-Identifier: Apache-2.0
import TokenGateAudit

/// Counts of one time bucket, by series (`issued`, `denied: invalid_grant`, `projected`, …).
public struct ReviewBucket: Sendable, Equatable {
    /// Start of the bucket.
    public var start: AuditTime
    public var counts: [String: Int]
}

/// The overview: two charts' data, the signing keys, and the clusters.
public struct ReviewOverview: Sendable {
    /// Bucket width in microseconds (an hour, or a day for ranges over eight days).
    public var bucketMicros: Int64
    public var from: AuditTime
    public var to: AuditTime
    public var exchanges: [ReviewBucket]
    public var admissions: [ReviewBucket]
    public var keys: [ReviewKey]
    /// Why the keys list may be empty (no ledger table in this database), or nil.
    public var keysNote: String?
    /// Every key rotation the key history holds, newest first.
    public var rotations: [ReviewRotation]
    public var clusters: [ReviewCluster]
    /// Why the clusters' JWKS and TokenReview times may be missing, or nil.
    public var checksNote: String?
}

/// A signing key replaced by another: when the new one was first published, and which it followed.
public struct ReviewRotation: Sendable, Equatable {
    public var issuer: String
    public var time: AuditTime
    /// The kid published before it, or nil when it is the first key the history holds a time for
    /// and an earlier key without one (from before the history was kept) is not known either.
    public var fromKeyID: String?
    public var toKeyID: String
}

/// A row of the published-keys ledger.
public struct ReviewKey: Sendable, Equatable {
    public var issuer: String
    public var keyID: String
    /// Until when tokens it signed may be alive (`publish_until`).
    public var publishUntil: AuditTime
    /// When a replica last confirmed the key (`updated_at`).
    public var refreshedAt: AuditTime
    /// When it was first published (the key history), nil when that was before the history was kept.
    public var firstPublished: AuditTime?
}

/// One cluster as the trail knows it, over the overview's range.
public struct ReviewCluster: Sendable, Equatable {
    public var name: String
    /// Last exchange granted for one of its pods (its TokenReview and its JWKS check both passed
    /// then), when it is among the range's newest ``ReviewReader/grantWindow`` grants.
    public var lastGranted: AuditTime?
    /// Last exchange refused or failed (denied, unavailable, error).
    public var lastRefused: AuditTime?
    public var refused: Int
    /// Its JWKS fetches and TokenReviews as the broker last stored them (cluster-checks table).
    public var jwks: ClusterCheck?
    public var tokenReview: ClusterCheck?

    init(name: String, lastGranted: AuditTime? = nil, lastRefused: AuditTime? = nil, refused: Int = 0) {
        self.name = name
        self.lastGranted = lastGranted
        self.lastRefused = lastRefused
        self.refused = refused
    }
}

/// One workload (the newest admission decision about it).
public struct ReviewWorkload: Sendable, Equatable {
    public enum Status: String, Sendable { case projected, skipped, denied }
    public var cluster: String
    public var namespace: String
    public var kind: String
    public var name: String
    public var status: Status
    /// The admission's reason: the projection (audience, lifetime) or why it was skipped or denied.
    public var reason: String
    public var lastSeen: AuditTime
    public var decisions: Int
}

/// One pod's token exchanges.
public struct ReviewPod: Sendable, Equatable {
    public var cluster: String
    public var namespace: String
    public var name: String
    public var uid: String
    public var node: String
    public var serviceAccount: String
    public var issued: Int
    public var denied: Int
    public var audiences: [String]
    public var lastIssued: AuditTime?
}

/// Denials of one reason for one ServiceAccount.
public struct ReviewDenialGroup: Sendable, Equatable {
    public var kind: String
    public var reason: String
    public var namespace: String
    public var serviceAccount: String
    public var count: Int
    public var last: AuditTime
}

/// A page of a list: its rows and whether another page follows.
public struct ReviewPage<Row: Sendable>: Sendable {
    public var rows: [Row]
    public var hasNext: Bool

    init(_ rows: [Row]) {
        hasNext = rows.count > ReviewFilter.pageSize
        self.rows = Array(rows.prefix(ReviewFilter.pageSize))
    }
}

/// What `audit trace` answers, for a token or a bare `jti`.
public struct ReviewTrace: Sendable {
    public var jti: String
    /// The decoded (unverified) token, when a token was given.
    public var token: UnverifiedToken?
    public var issuance: AuditEvent?
    public var sameSource: [AuditEvent]
    public var issuedFromThis: [AuditEvent]
}

extension AuditValue {
    var text: String? { if case .text(let value) = self { value } else { nil } }
    var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .text(let value): Int64(value)
        case .null: nil
        }
    }
}
