// SPDX-License-Identifier: Apache-2.0
import NIOCore
import Synchronization

/// The open connections, so a drain can ask each to finish its request and close, and a drain
/// that overruns its grace period can close the rest.
final class ConnectionRegistry: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var emptyWaiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        state.withLock { $0.channels[id] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in
            let waiters = self?.state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.channels.removeValue(forKey: id)
                guard state.channels.isEmpty else { return [] }
                defer { state.emptyWaiters = [] }
                return state.emptyWaiters
            }
            for waiter in waiters ?? [] { waiter.resume() }
        }
    }

    var count: Int { state.withLock { $0.channels.count } }

    /// Returns once no connection is open (at once when none is).
    func waitUntilEmpty() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let empty = state.withLock { state in
                if state.channels.isEmpty { return true }
                state.emptyWaiters.append(continuation)
                return false
            }
            if empty { continuation.resume() }
        }
    }

    /// Idle connections close now; busy ones close after their current response
    /// (NIO's HTTPServerPipelineHandler acts on `ChannelShouldQuiesceEvent`).
    func quiesceAll() {
        for channel in state.withLock({ Array($0.channels.values) }) {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    func closeAll() {
        for channel in state.withLock({ Array($0.channels.values) }) {
            channel.close(promise: nil)
        }
    }
}
