// SPDX-License-Identifier: Apache-2.0
import Synchronization

/// What `GET /readyz` reports: ready when every check passes and the server is not draining.
///
/// The server adds "a TLS certificate is loaded"; the CLI adds "the configuration is valid";
/// later features add their own (e.g. signing keys loaded).
public final class Readiness: Sendable {
    public typealias Check = @Sendable () -> String?

    private struct State {
        var draining = false
        var checks: [(name: String, check: Check)] = []
    }
    private let state = Mutex(State())

    public init() {}

    /// Adds a check that returns nil when fine, or a short reason why not ready.
    public func addCheck(_ name: String, _ check: @escaping Check) {
        state.withLock { $0.checks.append((name, check)) }
    }

    /// From now on `/readyz` answers 503, so the endpoints controller stops sending traffic.
    public func startDraining() { state.withLock { $0.draining = true } }

    public var isDraining: Bool { state.withLock { $0.draining } }

    /// Reasons for not being ready; empty when ready.
    public func problems() -> [String] {
        let (draining, checks) = state.withLock { ($0.draining, $0.checks) }
        var problems: [String] = draining ? ["shutting down"] : []
        for (name, check) in checks {
            if let reason = check() { problems.append("\(name): \(reason)") }
        }
        return problems
    }
}
