// SPDX-License-Identifier: Apache-2.0
import NIOCore
import Synchronization

/// The open connections, so a drain can ask each to finish its request and close, and a drain
/// that overruns its grace period can close the rest.
final class ConnectionRegistry: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.channels.withLock { _ = $0.removeValue(forKey: id) }
        }
    }

    var count: Int { channels.withLock { $0.count } }

    /// Idle connections close now; busy ones close after their current response
    /// (NIO's HTTPServerPipelineHandler acts on `ChannelShouldQuiesceEvent`).
    func quiesceAll() {
        for channel in channels.withLock({ Array($0.values) }) {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    func closeAll() {
        for channel in channels.withLock({ Array($0.values) }) {
            channel.close(promise: nil)
        }
    }
}
