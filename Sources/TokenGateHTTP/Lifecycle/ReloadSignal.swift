// SPDX-License-Identifier: Apache-2.0
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Runs `action` on SIGHUP (the Unix "re-read your configuration" signal) for as long as it is
/// alive, instead of the default action of terminating the process.
// @unchecked: the source is set once in init and only cancelled in deinit (see SignalTrap).
public final class ReloadSignal: @unchecked Sendable {
    private let source: any DispatchSourceSignal

    public init(signal number: Int32 = SIGHUP, action: @escaping @Sendable () -> Void) {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler(handler: action)
        source.resume()
        self.source = source
    }

    deinit { source.cancel() }
}
