// SPDX-License-Identifier: Apache-2.0
import Logging
import TokenGateJSON
#if canImport(Glibc)
import Glibc
#endif

/// Writes each log record as one JSON object on one line of standard error:
///
///     {"time":"2026-05-01T10:00:00.123Z","level":"info","logger":"tokengate","message":"admission","uid":"…","decision":"allowed",…}
///
/// Metadata keys become top-level fields (after the four fixed ones, which they cannot
/// overwrite), so a log pipeline can filter on `uid` or `decision` directly. Serialization goes
/// through Jansson, so any byte a client put in a name or message is escaped properly.
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

    public func log(event: LogEvent) {
        var fields: [(String, JSON)] = [
            ("time", .string(Self.timestamp())), ("level", .string(event.level.rawValue)),
            ("logger", .string(label)), ("message", .string(event.message.description)),
        ]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let reserved: Set<String> = ["time", "level", "logger", "message"]
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) where !reserved.contains(key) {
            fields.append((key, Self.json(value)))
        }
        if event.level >= .error { fields.append(("source", .string("\(event.file):\(event.line)"))) }
        var line = JSON.object(fields).serialized()
        line.append(0x0A)
        write(line)
    }

    static func json(_ value: Logger.Metadata.Value) -> JSON {
        switch value {
        case .string(let string): return .string(string)
        case .stringConvertible(let convertible): return .string(convertible.description)
        case .array(let items): return .array(items.map(json))
        case .dictionary(let dictionary): return .object(dictionary.sorted(by: { $0.key < $1.key }).map { ($0.key, json($0.value)) })
        }
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

    /// One `write(2)` per line, so lines from different threads do not interleave.
    public static let writeToStandardError: @Sendable ([UInt8]) -> Void = { line in
        line.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(2, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
