// SPDX-License-Identifier: Apache-2.0

/// How ``AuditWriter`` batches, spools, retries and prunes.
public struct AuditWriterConfiguration: Sendable, Equatable {
    /// Directory for the spool (JSON lines written while the store is unreachable). Keep it on a
    /// persistent volume: it is what makes a database outage lose nothing.
    public var spoolDirectory: String
    /// Events held in memory before `enqueue` spools directly (then nothing waits on the writer).
    /// The writer may hold up to as many again that it has taken and is writing.
    public var queueCapacity = 16_384
    /// Most events per store transaction. Only a backlog fills a batch (otherwise the writer takes
    /// what arrived within `maxBatchDelay`), and then large ones pay: every transaction rewrites
    /// each index page it touches and waits for one fsync, so SQLite's cost per event falls with
    /// the batch (`tokengate audit bench --batch-size` on the project's 2-core machine, SQLite:
    /// 64: ~28,000, 1,024: ~45,000, 8,192: ~95,000 events/s). A bad event in a batch is found by
    /// halving it, so size does not make that slow. Half the queue, so producers keep room while
    /// a full batch is written.
    public var batchSize = 8192
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

    /// Least time between two writes of cluster checks (seconds): what a busy broker's TokenReviews
    /// cost the database is one row update per cluster and kind per interval, whatever their rate.
    public var clusterCheckInterval = 5.0

    public init(spoolDirectory: String, retentionDays: Int? = nil) {
        self.spoolDirectory = spoolDirectory
        self.retentionDays = retentionDays
    }
}
