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

    /// The four fixed fields, which metadata cannot overwrite (compared, not hashed: checked for
    /// every key of every line).
    static func isReserved(_ key: String) -> Bool {
        key == "time" || key == "level" || key == "logger" || key == "message"
    }

    public func log(event: LogEvent) {
        var line = Self.start(level: event.level, label: label, message: event.message.description)
        // Merged only when there is more than one source (a request's line usually has only its own).
        let provided = metadataProvider?.get()
        var merged: Logger.Metadata
        if metadata.isEmpty, provided?.isEmpty ?? true {
            merged = event.metadata ?? [:]
        } else {
            merged = metadata
            if let provided { merged.merge(provided) { _, new in new } }
            if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) where !Self.isReserved(key) {
            line.key(key)
            line.value(value)
        }
        if event.level >= .error { line.field("source", string: "\(event.file):\(event.line)") }
        write(line.finish())
    }

    /// The four fixed fields every line starts with.
    private static func start(level: Logger.Level, label: String, message: String) -> LogLineEncoder {
        var line = LogLineEncoder()
        withTimestamp { line.field("time", plain: $0) }
        line.field("level", string: level.rawValue)
        line.field("logger", string: label)
        line.field("message", string: message)
        return line
    }

    /// ``Logger/log(level:_:orderedFields:)`` with this handler: the line encoded as the fields
    /// arrive, byte for byte what ``log(event:)`` writes for the same fields as metadata. Declines
    /// (false) when there is handler metadata or a provider to merge, or a level that adds the
    /// source location: ``log(event:)`` handles those.
    func logOrdered(level: Logger.Level, message: String, fill: (inout OrderedLogFields) -> Void) -> Bool {
        guard metadata.isEmpty, metadataProvider == nil, level < .error else { return false }
        var fields = OrderedLogFields(.line(Self.start(level: level, label: label, message: message)))
        fill(&fields)
        guard case .line(var line) = fields.storage else { return false }
        write(line.finish())
        return true
    }

    /// RFC 3339 UTC with milliseconds, from the real-time clock.
    static func timestamp() -> String {
        withTimestamp { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the timestamp's 24 ASCII bytes (`2026-05-01T10:00:00.123Z`), written into
    /// a stack buffer: a log line per request should not cost a dozen small strings.
    static func withTimestamp<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let year = Int(parts.tm_year) + 1900
        let millis = Int(now.tv_nsec / 1_000_000)
        var text: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes
        return withUnsafeMutableBytes(of: &text) { out in
            func digits(_ value: Int, _ count: Int, at start: Int) {
                var rest = value
                for index in stride(from: start + count - 1, through: start, by: -1) {
                    out[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
            }
            digits(min(max(year, 0), 9999), 4, at: 0)
            out[4] = UInt8(ascii: "-")
            digits(Int(parts.tm_mon) + 1, 2, at: 5)
            out[7] = UInt8(ascii: "-")
            digits(Int(parts.tm_mday), 2, at: 8)
            out[10] = UInt8(ascii: "T")
            digits(Int(parts.tm_hour), 2, at: 11)
            out[13] = UInt8(ascii: ":")
            digits(Int(parts.tm_min), 2, at: 14)
            out[16] = UInt8(ascii: ":")
            digits(Int(parts.tm_sec), 2, at: 17)
            out[19] = UInt8(ascii: ".")
            digits(millis, 3, at: 20)
            out[23] = UInt8(ascii: "Z")
            return body(UnsafeRawBufferPointer(out))
        }
    }

    /// Hands the line to the process's standard-error writer thread (``LogLineWriter``).
    public static let writeToStandardError: @Sendable ([UInt8]) -> Void = { line in
        LogLineWriter.standardError.append(line)
    }
}
