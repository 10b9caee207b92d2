// SPDX-License-Identifier: Apache-2.0

/// The writer thread's body: batches to the store, spool on failure, replay on recovery, prune.
extension AuditWriter {
    /// The longest the writer sleeps when nothing is due (see ``LoopState/idleSeconds(spoolWaiting:longest:)``).
    static let longestSleep = 60.0

    func writerLoop() {
        var state = LoopState(retryDelay: configuration.retryMinimum)
        if configuration.retentionDays != nil { state.nextPrune = .now + .seconds(configuration.firstPruneDelay) }
        logger.info("audit writer started", metadata: ["store": "\(store.kindName)", "spool": "\(spool.directory)"])
        while true {
            // Sleep until an event arrives or the next replay or prune is due, never longer.
            let idle = state.idleSeconds(spoolWaiting: !spool.isEmpty, checksWaiting: !clusterChecks.isEmpty, longest: Self.longestSleep)
            let (taken, last) = queue.take(max: configuration.batchSize, idle: idle, fill: configuration.maxBatchDelay)
            loopPasses.add(1, ordering: .relaxed)
            if !taken.isEmpty {
                writeInBatches(taken, &state)
                queue.recycle(taken)
            }
            if last { break }
            if queue.isStopping { continue }  // drain first; replay and prune wait for the next start
            let now = ContinuousClock.now
            if !clusterChecks.isEmpty && now >= state.nextClusterCheckWrite {
                writeClusterChecks(&state)
            }
            if !spool.isEmpty && now >= state.replayDue {
                replayStep(&state)
            }
            if let days = configuration.retentionDays, state.storeUp, let due = state.nextPrune, now >= due {
                prune(days: days, &state)
            }
        }
        if !clusterChecks.isEmpty && state.storeUp { writeClusterChecks(&state) }
        logger.info("audit writer stopped", metadata: ["spool_bytes": "\(spool.bytes)"])
    }

    /// Stores the coalesced cluster checks, and sets when the next write may come. A store that
    /// fails keeps them for the next interval; they never go to the spool (see ``note(_:)``).
    private func writeClusterChecks(_ state: inout LoopState) {
        state.nextClusterCheckWrite = .now + .seconds(configuration.clusterCheckInterval)
        let checks = clusterChecks.takeAll()
        guard state.mayTryStore(at: .now) else {
            clusterChecks.putBack(checks)
            return
        }
        do {
            try store.record(checks)
            counters.clusterChecks.add(checks.count)
        } catch {
            clusterChecks.putBack(checks)
            logger.debug("cluster checks not stored; will retry", metadata: ["error": "\(error)"])
        }
    }

    /// Everything one `take` handed over, in batches of at most `batchSize` events (one transaction
    /// each), each completed as soon as it is durable so that flushes and producers see progress.
    private func writeInBatches(_ events: [AuditEvent], _ state: inout LoopState) {
        let size = max(1, configuration.batchSize)
        if events.count <= size {
            write(events, &state)
            queue.complete(events.count)
            return
        }
        var start = 0
        while start < events.count {
            let end = min(events.count, start + size)
            write(Array(events[start..<end]), &state)
            queue.complete(end - start)
            start = end
        }
    }

    /// A fresh batch: to the store when it may be tried, else to the spool.
    private func write(_ batch: [AuditEvent], _ state: inout LoopState) {
        guard state.mayTryStore(at: .now) else {
            spoolOrDrop(batch, sync: true)
            return
        }
        if let failed = insertOrIsolate(batch, &state) { spoolOrDrop(failed, sync: true) }
    }

    /// Inserts a batch. A statement error (a malformed event) is isolated by retrying the batch in
    /// halves, so one bad event cannot block the rest. Returns the events that must be kept for
    /// later because the store became unavailable, or nil when all were handled.
    private func insertOrIsolate(_ batch: [AuditEvent], _ state: inout LoopState) -> [AuditEvent]? {
        do {
            try timedInsert(batch)
            markUp(&state)
            return nil
        } catch let error as AuditError where error.code == .statement {
            counters.writeErrors.add(1)
            if let kept = isolate(batch, refused: error, &state) { return kept }
            markUp(&state)
            return nil
        } catch {
            markDown(error, &state)
            return batch
        }
    }

    /// Stores what it can of a batch the store refused as a whole, in order: a part that fails again
    /// is halved until the refused events stand alone and go to ``reject(_:_:)``. One bad event
    /// among n costs about 2·log2(n) transactions, not n (each an fsync), so large batches stay
    /// cheap to repair. Returns the events not yet handled when the store became unavailable.
    private func isolate(_ batch: [AuditEvent], refused: AuditError, _ state: inout LoopState) -> [AuditEvent]? {
        // Parts still to insert, the next one last; each either failed as a whole already or is untried.
        var parts: [Range<Int>] = []
        func split(_ part: Range<Int>, _ error: AuditError) {
            if part.count == 1 {
                reject(batch[part.lowerBound], error)
            } else {
                let middle = part.lowerBound + part.count / 2
                parts.append(middle..<part.upperBound)
                parts.append(part.lowerBound..<middle)
            }
        }
        split(batch.indices, refused)
        while let part = parts.popLast() {
            do {
                try timedInsert(Array(batch[part]))
            } catch let error as AuditError where error.code == .statement {
                split(part, error)
            } catch {
                markDown(error, &state)
                return Array(batch[part.lowerBound...])
            }
        }
        return nil
    }

    private func timedInsert(_ events: [AuditEvent]) throws {
        let start = ContinuousClock.now
        let inserted = try store.insert(events)
        let (secs, attos) = start.duration(to: .now).components
        let nanos = UInt64(max(0, secs)) * 1_000_000_000 + UInt64(max(0, attos) / 1_000_000_000)
        counters.stored.add(inserted)
        counters.batches.add(1)
        counters.batchNanosTotal.wrappingAdd(nanos, ordering: .relaxed)
        counters.lastBatchNanos.store(nanos, ordering: .relaxed)
    }

    /// Keeps an event the store refuses in `rejected/` beside the spool, for a person to look at.
    private func reject(_ event: AuditEvent, _ error: any Error) {
        counters.rejected.add(1)
        logger.error("audit store refused an event; kept in the spool's rejected/ directory",
                     metadata: ["id": "\(event.id)", "error": "\(error)"])
        do {
            try AuditSpool(directory: spool.directory + "/rejected").append([event], sync: true)
        } catch {
            counters.dropped.add(1)
        }
    }

    /// Replays one batch of the oldest spool segment.
    private func replayStep(_ state: inout LoopState) {
        do {
            if state.replayPending.isEmpty {
                if state.replayReader == nil {
                    var segments = try spool.segments()
                    if segments.isEmpty {
                        try spool.sealCurrent()
                        segments = try spool.segments()
                    }
                    guard let first = segments.first else {
                        try spool.recount()
                        return
                    }
                    state.replayReader = try AuditLineReader(path: first)
                    logger.info("replaying audit spool segment", metadata: ["segment": "\(first)"])
                }
                guard let reader = state.replayReader else { return }
                let events = try reader.next(max: configuration.batchSize)
                if events.isEmpty {
                    finishSegment(reader)
                    state.replayReader = nil
                    return
                }
                state.replayPending = events
            }
            let events = state.replayPending
            if let kept = insertOrIsolate(events, &state) {
                state.replayPending = kept
            } else {
                counters.replayed.add(events.count)
                state.replayPending = []
            }
        } catch {
            logger.error("audit spool replay failed; will retry", metadata: ["error": "\(error)"])
            state.replayReader = nil
            state.replayPausedUntil = .now + .seconds(configuration.retryMaximum)
        }
    }

    private func finishSegment(_ reader: AuditLineReader) {
        if reader.badLines > 0 {
            counters.badSpoolLines.add(reader.badLines)
            logger.warning("skipped unreadable audit spool lines", metadata: [
                "count": "\(reader.badLines)", "last": "\(reader.lastBadLine ?? "")"])
        }
        spool.remove(segment: reader.path)
    }

    private func prune(days: Int, _ state: inout LoopState) {
        state.nextPrune = .now + .seconds(configuration.pruneInterval)
        let cutoff = AuditTime.now().adding(seconds: -Int64(days) * 86_400)
        do {
            let deleted = try store.prune(olderThan: cutoff)
            counters.pruned.add(deleted)
            if deleted > 0 {
                logger.info("audit retention pruned events", metadata: ["deleted": "\(deleted)", "days": "\(days)"])
            }
        } catch {
            logger.warning("audit retention failed; will retry", metadata: ["error": "\(error)"])
        }
    }

    private func markDown(_ error: any Error, _ state: inout LoopState) {
        counters.writeErrors.add(1)
        if state.storeUp {
            logger.warning("audit store unavailable; spooling events until it returns",
                           metadata: ["store": "\(store.kindName)", "error": "\(error)"])
            state.retryDelay = configuration.retryMinimum
        } else {
            state.retryDelay = min(configuration.retryMaximum, state.retryDelay * 2)
            logger.debug("audit store still unavailable", metadata: ["error": "\(error)"])
        }
        state.storeUp = false
        counters.storeUp.store(false, ordering: .relaxed)
        state.nextAttempt = .now + .seconds(state.retryDelay)
    }

    private func markUp(_ state: inout LoopState) {
        if !state.storeUp {
            logger.info("audit store is back; replaying the spool", metadata: ["spool_bytes": "\(spool.bytes)"])
        }
        state.storeUp = true
        counters.storeUp.store(true, ordering: .relaxed)
        state.retryDelay = configuration.retryMinimum
    }
}
