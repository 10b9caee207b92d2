// SPDX-License-Identifier: Apache-2.0
import Foundation
import Logging
import Synchronization
import Testing
@testable import TokenGateHTTP

/// Waits (bounded) for `condition`; false when it never came.
private func eventually(seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

// Serialized: the signals go to the whole test process.
@Suite("Signals: a SIGTERM or SIGHUP right after the trap is set is not lost", .serialized)
struct SignalTrapTests {
    // Regression (issue 12, fault tests): with Dispatch signal sources the handler was registered
    // later, on Dispatch's manager thread, after `SIG_IGN`; a SIGTERM in between was discarded,
    // and `serve` started on a busy machine and stopped at once never drained or exited.
    @Test("SIGTERM sent the moment SignalTrap.init returns triggers the shutdown, every time")
    func sigtermRightAfterInit() async {
        for _ in 0..<20 {
            let shutdown = GracefulShutdown()
            let trap = SignalTrap(shutdown: shutdown, logger: Logger(label: "test"))
            kill(getpid(), SIGTERM)
            let triggered = await eventually { shutdown.isTriggered }
            withExtendedLifetime(trap) {}
            #expect(triggered)
            if !triggered { return }
        }
    }

    @Test("SIGHUP sent the moment ReloadSignal.init returns runs the action once per signal")
    func sighupRightAfterInit() async {
        let count = Atomic<Int>(0)
        let reload = ReloadSignal { count.add(1, ordering: .relaxed) }
        for sent in 1...5 {
            kill(getpid(), SIGHUP)
            #expect(await eventually { count.load(ordering: .relaxed) >= sent })
        }
        withExtendedLifetime(reload) {}
        #expect(count.load(ordering: .relaxed) == 5)
    }
}
