// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOPosix
import TokenGateJSON

/// One ``JSONViewParser`` per event loop of the server's group: admission reviews are answered
/// inline on their connection's loop, and a simdjson parser keeps its buffers from one body to the
/// next, so each loop reuses its own (a parser is never shared between threads).
final class EventLoopParsers: Sendable {
    private let parsers: [ObjectIdentifier: NIOLoopBoundBox<JSONViewParser?>]

    init(group: MultiThreadedEventLoopGroup = .singleton) {
        var parsers: [ObjectIdentifier: NIOLoopBoundBox<JSONViewParser?>] = [:]
        for loop in group.makeIterator() {
            // Made empty (allowed off the loop); each loop makes its parser on first use.
            parsers[ObjectIdentifier(loop)] = .makeEmptyBox(valueType: JSONViewParser.self, eventLoop: loop)
        }
        self.parsers = parsers
    }

    /// This event loop's parser; off the group's loops (a tool, a test), a parser made for the call.
    var current: JSONViewParser {
        guard let loop = MultiThreadedEventLoopGroup.currentEventLoop, let box = parsers[ObjectIdentifier(loop)] else {
            return JSONViewParser()
        }
        if let parser = box.value { return parser }
        let parser = JSONViewParser()
        box.value = parser
        return parser
    }
}
