// SPDX-License-Identifier: Apache-2.0

/// Loads JSON-lines events (a spool file copied off a node, an export, generated test data) into a
/// store. Idempotent like every insert: importing the same file twice adds nothing the second time.
public enum AuditImport {
    public struct Summary: Sendable, Equatable {
        public var read = 0
        public var inserted = 0
        public var badLines = 0
        /// `file:line: error` of the last unreadable line.
        public var lastBadLine: String?
    }

    /// Reads `path` (`-` for standard input) and inserts in batches. Blocking: for tools, not servers.
    public static func run(path: String, into store: any AuditStore, batchSize: Int = 1000) throws -> Summary {
        let reader = try AuditLineReader(path: path)
        var summary = Summary()
        while true {
            let events = try reader.next(max: batchSize)
            if events.isEmpty { break }
            summary.read += events.count
            summary.inserted += try store.insert(events)
        }
        summary.badLines = reader.badLines
        summary.lastBadLine = reader.lastBadLine
        return summary
    }
}
