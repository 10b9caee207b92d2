// SPDX-License-Identifier: Apache-2.0

/// How ``AuditWriter`` batches, spools, retries and prunes.
public struct AuditWriterConfiguration: Sendable, Equatable {
    /// Directory for the spool (JSON lines written while the store is unreachable). Keep it on a
    /// persistent volume: it is what makes a database outage lose nothing.
    public var spoolDirectory: String
    /// Events held in memory before `enqueue` spools directly (then nothing waits on the writer).
    public var queueCapacity = 16_384
    /// Most events per store transaction.
    public var batchSize = 500
    /// How long the writer waits to fill a batch before writing what it has (seconds).
    public var maxBatchDelay = 0.05
    /// First and longest wait between attempts while the store is down (seconds; doubles each failure).
    public var retryMinimum = 0.25
    public var retryMaximum = 15.0
    /// Delete events older than this many days; nil keeps everything.
    public var retentionDays: Int?
    /// How often retention runs (seconds).
    public var pruneInterval = 3600.0
    /// How long after start the first retention run waits (seconds), so that a large delete does
    /// not compete with start-up.
    public var firstPruneDelay = 5.0

    public init(spoolDirectory: String, retentionDays: Int? = nil) {
        self.spoolDirectory = spoolDirectory
        self.retentionDays = retentionDays
    }
}
