// SPDX-License-Identifier: Apache-2.0
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGTERM and SIGINT into a ``GracefulShutdown`` trigger.
///
/// Kubernetes sends SIGTERM when a pod is deleted, at the same time as it starts removing the
/// pod from Service endpoints; the drain that follows keeps answering until that has spread.
/// The default action (die at once) is replaced when `init` returns, not later (``SignalPipe``
/// says why), for as long as the trap is alive.
public final class SignalTrap: Sendable {
    private let registrations: [SignalPipe.Registration]

    public init(signals: [Int32] = [SIGTERM, SIGINT], shutdown: GracefulShutdown, logger: Logger) {
        registrations = signals.map { number in
            SignalPipe.shared.watch(number) { number in
                logger.info("shutdown signal received; draining", metadata: ["signal": "\(number == SIGTERM ? "SIGTERM" : number == SIGINT ? "SIGINT" : String(number))"])
                shutdown.trigger()
            }
        }
    }

    deinit {
        for registration in registrations { SignalPipe.shared.unwatch(registration) }
    }
}
