// SPDX-License-Identifier: Apache-2.0
import Synchronization

/// Splits a streamed body into newline-terminated lines (a WATCH sends one JSON event per line,
/// in chunks that cut events anywhere). A line over the bound is dropped and remembered, so a
/// hostile or broken server cannot make TokenGate buffer without limit.
final class LineSplitter: Sendable {
    private struct State {
        var partial: [UInt8] = []
        var overflowed = false
    }

    private let maxLineBytes: Int
    private let onLine: @Sendable ([UInt8]) -> Void
    private let state = Mutex(State())

    init(maxLineBytes: Int, onLine: @escaping @Sendable ([UInt8]) -> Void) {
        self.maxLineBytes = maxLineBytes
        self.onLine = onLine
    }

    var overflowed: Bool { state.withLock { $0.overflowed } }

    func append(_ bytes: [UInt8]) {
        let lines = state.withLock { state -> [[UInt8]] in
            var lines: [[UInt8]] = []
            var start = 0
            for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
                state.partial.append(contentsOf: bytes[start..<index])
                if !state.partial.isEmpty { lines.append(state.partial) }
                state.partial = []
                start = index + 1
            }
            state.partial.append(contentsOf: bytes[start...])
            if state.partial.count > maxLineBytes {
                state.partial = []
                state.overflowed = true
            }
            return lines
        }
        for line in lines { onLine(line) }
    }
}
