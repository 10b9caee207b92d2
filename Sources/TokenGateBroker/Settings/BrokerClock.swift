// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The broker's source of "now", in whole seconds since the Unix epoch (JWT NumericDate).
/// Injected so tests can move time: expiry, skew, cache lifetimes and refetch limits.
public struct BrokerClock: Sendable {
    public let now: @Sendable () -> Int64

    public init(now: @escaping @Sendable () -> Int64) {
        self.now = now
    }

    /// Wall-clock time.
    public static let system = BrokerClock { Int64(Date().timeIntervalSince1970) }
}
