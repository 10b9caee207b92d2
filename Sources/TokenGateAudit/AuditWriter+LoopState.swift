// SPDX-License-Identifier: Apache-2.0

extension AuditWriter {
    /// What only the writer thread touches, and when it next has work that no one will wake it for.
    struct LoopState {
        typealias Instant = ContinuousClock.Instant

        var storeUp = true
        var retryDelay: Double
        var nextAttempt = ContinuousClock.now
        /// When retention runs next; nil when retention is off.
        var nextPrune: Instant?
        var replayReader: AuditLineReader?
        var replayPending: [AuditEvent] = []
        /// After a spool file error (not a store error), replay pauses; fresh events still flow.
        var replayPausedUntil = ContinuousClock.now
        /// When cluster checks may be written next (the rate limit).
        var nextClusterCheckWrite = ContinuousClock.now

        /// Whether the store may be tried: it is up, or its retry backoff is over.
        func mayTryStore(at now: Instant) -> Bool { storeUp || now >= nextAttempt }

        /// When the spool may be replayed: once the store may be tried and replay is not paused.
        var replayDue: Instant { storeUp ? replayPausedUntil : max(nextAttempt, replayPausedUntil) }

        /// The next moment the loop must run although no event arrives: a spool replay (only when
        /// something waits in the spool), a write of cluster checks (only when some wait), or retention (only while the store is up; a store that is
        /// down comes back through a write or a replay first). nil when nothing is due: then only an
        /// event, a flush or a stop wakes the writer, and each of those signals the queue.
        func nextDeadline(spoolWaiting: Bool, checksWaiting: Bool = false) -> Instant? {
            var deadline: Instant?
            if spoolWaiting { deadline = replayDue }
            if checksWaiting { deadline = min(deadline ?? nextClusterCheckWrite, nextClusterCheckWrite) }
            if storeUp, let nextPrune { deadline = min(deadline ?? nextPrune, nextPrune) }
            return deadline
        }

        /// Seconds the writer may wait for an event before it has something else to do.
        ///
        /// Bounded by `longest` even with nothing due: the queue's condition variable waits against
        /// the wall clock, so the bound caps what a clock step back can delay.
        func idleSeconds(spoolWaiting: Bool, checksWaiting: Bool = false, longest: Double) -> Double {
            guard let deadline = nextDeadline(spoolWaiting: spoolWaiting, checksWaiting: checksWaiting) else { return longest }
            let (secs, attos) = ContinuousClock.now.duration(to: deadline).components
            return min(longest, max(0, Double(secs) + Double(attos) / 1e18))
        }
    }
}
