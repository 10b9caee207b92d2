// SPDX-License-Identifier: Apache-2.0
import Synchronization

/// Cluster checks noted on request paths and not yet written: at most one per cluster and kind,
/// each the fold of every check noted since the last write (``ClusterCheck/merged(with:)``).
///
/// This is the rate limit: a broker doing thousands of TokenReviews a second updates one entry
/// here per review (a lock and a dictionary write) and the writer thread turns the lot into one
/// row update per cluster and kind every ``AuditWriterConfiguration/clusterCheckInterval``.
final class ClusterCheckBuffer: Sendable {
    private struct Key: Hashable {
        let cluster: String
        let kind: ClusterCheck.Kind
    }

    private let pending = Mutex<[Key: ClusterCheck]>([:])

    /// Folds `check` in. Returns true when the buffer was empty before (the writer may be asleep
    /// with nothing due, and must be told once that something now is).
    func note(_ check: ClusterCheck) -> Bool {
        pending.withLock { pending in
            let wasEmpty = pending.isEmpty
            let key = Key(cluster: check.cluster, kind: check.kind)
            pending[key] = pending[key].map { $0.merged(with: check) } ?? check
            return wasEmpty
        }
    }

    var isEmpty: Bool { pending.withLock { $0.isEmpty } }

    /// Everything pending, emptying the buffer.
    func takeAll() -> [ClusterCheck] {
        pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return Array(pending.values)
        }
    }

    /// Puts back checks a failed write could not store, under anything noted since.
    func putBack(_ checks: [ClusterCheck]) {
        pending.withLock { pending in
            for check in checks {
                let key = Key(cluster: check.cluster, kind: check.kind)
                pending[key] = pending[key].map { check.merged(with: $0) } ?? check
            }
        }
    }
}
