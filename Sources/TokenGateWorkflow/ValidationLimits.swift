// SPDX-License-Identifier: Apache-2.0

/// Bounds on the work one object may cause. Everything here is checked before or while reading, so a
/// hostile `spec.tasks` costs at most a few milliseconds and a few megabytes.
public struct ValidationLimits: Sendable, Equatable {
    /// Longest `spec.tasks` string accepted, in UTF-8 bytes. Real workflows are a few KiB; the
    /// largest chart workflows are under 20 KiB.
    public var maxTasksBytes: Int
    /// Deepest nesting of lists and maps in any YAML read. Each task level (a task map inside an
    /// `onSuccess` list) costs two, so 64 allows about 30 levels of nested tasks.
    public var maxDepth: Int
    /// Most values one read may produce, counting every alias expansion in full (API-server
    /// semantics for the outer document). Stops "billion laughs" documents.
    public var maxNodes: Int
    /// Largest file `tokengate lint` reads.
    public var maxFileBytes: Int

    public init(
        maxTasksBytes: Int = 256 * 1024, maxDepth: Int = 64, maxNodes: Int = 200_000,
        maxFileBytes: Int = 16 * 1024 * 1024
    ) {
        self.maxTasksBytes = maxTasksBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
        self.maxFileBytes = maxFileBytes
    }

    public static let `default` = ValidationLimits()
}
