// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif

/// Runs `action` on SIGHUP (the Unix "re-read your configuration" signal) for as long as it is
/// alive, instead of the default action of terminating the process; in place when `init`
/// returns (see ``SignalPipe``).
public final class ReloadSignal: Sendable {
    private let registration: SignalPipe.Registration

    public init(signal number: Int32 = SIGHUP, action: @escaping @Sendable () -> Void) {
        registration = SignalPipe.shared.watch(number) { _ in action() }
    }

    deinit { SignalPipe.shared.unwatch(registration) }
}
