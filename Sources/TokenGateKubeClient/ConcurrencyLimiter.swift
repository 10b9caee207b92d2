// SPDX-License-Identifier: Apache-2.0
import Synchronization

/// A non-blocking cap on concurrent work: callers over the limit fail fast instead of queueing,
/// which is what a broker wants when its upstream is slow.
final class ConcurrencyLimiter: Sendable {
    private let limit: Int
    private let inFlight = Atomic<Int>(0)

    init(limit: Int) { self.limit = max(1, limit) }

    func tryAcquire() -> Bool {
        while true {
            let current = inFlight.load(ordering: .relaxed)
            guard current < limit else { return false }
            if inFlight.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing).exchanged {
                return true
            }
        }
    }

    func release() { inFlight.subtract(1, ordering: .releasing) }
}
