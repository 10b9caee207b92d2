// SPDX-License-Identifier: Apache-2.0
import Logging

/// How log lines look: `text` for people at a terminal, `json` (one object per line) for log
/// collectors.
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json

    /// Installs the process-wide log handler. Call once, first thing in `main`.
    public func bootstrap(level: Logger.Level) {
        switch self {
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
