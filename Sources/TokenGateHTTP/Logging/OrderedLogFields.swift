// SPDX-License-Identifier: Apache-2.0
import Logging

/// The fields of one per-request log line, added by the caller in ascending key order.
///
/// A line built through swift-log's `Logger.Metadata` costs a dictionary: every key hashed on the
/// way in, then every key compared again when ``JSONLogHandler`` sorts them for a stable line. On
/// `/token` that was an eighth of the server's CPU per exchange (`perf`, bench-exchange). A
/// caller whose keys are fixed names them in order instead, and with the JSON handler the line is
/// encoded as the fields arrive: the same bytes the dictionary path writes, without the dictionary.
/// With any other handler (`--log-format text`) the fields are collected as metadata as before.
public struct OrderedLogFields {
    enum Storage {
        case line(LogLineEncoder)
        case metadata(Logger.Metadata)
        case moved  // while a field is added: the buffer has one owner, so it grows in place
    }
    var storage: Storage
    #if DEBUG
    private var previousKey: String?
    #endif

    init(_ storage: Storage) { self.storage = storage }

    /// Adds `key` with `value`. Keys come in ascending order (as `String` compares them), each
    /// once, none of the four fixed ones (`time`, `level`, `logger`, `message`).
    public mutating func add(_ key: String, _ value: String) {
        #if DEBUG
        if let previousKey { assert(previousKey < key, "log fields out of order: \(previousKey) before \(key)") }
        assert(!JSONLogHandler.isReserved(key), "\(key) is a fixed field of every line")
        previousKey = key
        #endif
        switch storage {
        case .line(var encoder):
            storage = .moved
            encoder.key(key)
            encoder.string(value)
            storage = .line(encoder)
        case .metadata(var metadata):
            storage = .moved
            metadata[key] = .string(value)
            storage = .metadata(metadata)
        case .moved:
            preconditionFailure("a field is being added")
        }
    }

    /// Adds `key` only when there is a value.
    public mutating func add(_ key: String, _ value: String?) {
        if let value { add(key, value) }
    }
}

extension Logger {
    /// Logs `message` at `level` with the fields `fill` adds in ascending key order (see
    /// ``OrderedLogFields``). `fill` runs only when the level is enabled.
    public func log(level: Logger.Level, _ message: String, orderedFields fill: (inout OrderedLogFields) -> Void) {
        guard logLevel <= level else { return }
        if let json = handler as? JSONLogHandler, json.logOrdered(level: level, message: message, fill: fill) { return }
        var fields = OrderedLogFields(.metadata([:]))
        fill(&fields)
        guard case .metadata(let metadata) = fields.storage else { return }
        log(level: level, "\(message)", metadata: metadata)
    }
}
