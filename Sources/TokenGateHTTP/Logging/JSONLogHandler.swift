// SPDX-License-Identifier: Apache-2.0
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Writes each log record as one JSON object on one line of standard error:
///
///     {"time":"2026-05-01T10:00:00.123Z","level":"info","logger":"tokengate","message":"admission","uid":"…","decision":"allowed",…}
///
/// Metadata keys become top-level fields (after the four fixed ones, which they cannot
/// overwrite), so a log pipeline can filter on `uid` or `decision` directly. The line is written
/// straight into bytes (``LogLineEncoder`` escapes every byte a client put in a name or message)
/// and handed to ``LogLineWriter``, which writes from its own thread: a request never waits on
/// the log pipe.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable ([UInt8]) -> Void

    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil, write: @escaping @Sendable ([UInt8]) -> Void = JSONLogHandler.writeToStandardError) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    private static let reserved: Set<String> = ["time", "level", "logger", "message"]

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var line = LogLineEncoder()
        line.field("time", string: Self.timestamp())
        line.field("level", string: event.level.rawValue)
        line.field("logger", string: label)
        line.field("message", string: event.message.description)
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) where !Self.reserved.contains(key) {
            line.key(key)
            line.value(value)
        }
        if event.level >= .error { line.field("source", string: "\(event.file):\(event.line)") }
        write(line.finish())
    }

    /// RFC 3339 UTC with milliseconds, from the real-time clock.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let millis = Int(now.tv_nsec / 1_000_000)
        let ms = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(ms)Z"
    }

    /// Hands the line to the process's standard-error writer thread (``LogLineWriter``).
    public static let writeToStandardError: @Sendable ([UInt8]) -> Void = { line in
        LogLineWriter.standardError.append(line)
    }
}
