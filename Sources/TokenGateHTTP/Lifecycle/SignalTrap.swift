// SPDX-License-Identifier: Apache-2.0
import Dispatch
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGTERM and SIGINT into a ``GracefulShutdown`` trigger.
///
/// Kubernetes sends SIGTERM when a pod is deleted, at the same time as it starts removing the
/// pod from Service endpoints; the drain that follows keeps answering until that has spread.
/// The default action (die at once) is replaced for as long as the trap is alive.
// @unchecked: the sources are set once in init and only cancelled in deinit; dispatch sources
// are thread-safe objects that Dispatch has not annotated as Sendable.
public final class SignalTrap: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    public init(signals: [Int32] = [SIGTERM, SIGINT], shutdown: GracefulShutdown, logger: Logger) {
        var sources: [any DispatchSourceSignal] = []
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                logger.info("shutdown signal received; draining", metadata: ["signal": "\(number == SIGTERM ? "SIGTERM" : number == SIGINT ? "SIGINT" : String(number))"])
                shutdown.trigger()
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    deinit {
        for source in sources { source.cancel() }
    }
}
