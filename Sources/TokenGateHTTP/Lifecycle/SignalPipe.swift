// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Process-wide signal delivery that is in place when ``watch(_:handler:)`` returns.
///
/// Dispatch signal sources register with the kernel later, on Dispatch's manager thread, and the
/// `SIG_IGN` set before them discards a signal that arrives in between: a SIGTERM soon after
/// start, on a busy machine, was lost and `serve` never drained (issue 12, found by the fault
/// tests). Here `signal(2)` installs a handler at once; it writes the signal number to a pipe
/// (the only async-signal-safe thing it does) and one thread reads the pipe and runs the
/// watchers of that signal.
final class SignalPipe: Sendable {
    struct Registration: Sendable {
        let signal: Int32
        let id: Int
    }

    static let shared = SignalPipe()

    private struct State {
        var watchers: [Int32: [Int: @Sendable (Int32) -> Void]] = [:]
        var nextID = 0
        var readerStarted = false
    }
    private let state = Mutex(State())
    private let readFD: Int32

    private init() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            fatalError("cannot create the signal pipe: errno \(errno)")
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // A full pipe (64 KiB of unread signals) drops the byte rather than block a handler.
        _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
        readFD = fds[0]
        signalPipeWriteFD.store(fds[1], ordering: .releasing)
    }

    /// Runs `handler` (on the pipe's thread) for every `number` received until ``unwatch(_:)``.
    /// The signal's default action is replaced before this returns.
    func watch(_ number: Int32, handler: @escaping @Sendable (Int32) -> Void) -> Registration {
        let (id, startReader) = state.withLock { state -> (Int, Bool) in
            state.nextID += 1
            state.watchers[number, default: [:]][state.nextID] = handler
            defer { state.readerStarted = true }
            return (state.nextID, !state.readerStarted)
        }
        if startReader { startReaderThread() }
        _ = signal(number, signalPipeHandler)
        return Registration(signal: number, id: id)
    }

    /// Stops a watcher; the signal's default action returns when it was the last one.
    func unwatch(_ registration: Registration) {
        let last = state.withLock { state -> Bool in
            state.watchers[registration.signal]?.removeValue(forKey: registration.id)
            guard state.watchers[registration.signal]?.isEmpty ?? true else { return false }
            state.watchers[registration.signal] = nil
            return true
        }
        if last { _ = signal(registration.signal, SIG_DFL) }
    }

    private func startReaderThread() {
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { _ in
            SignalPipe.shared.readLoop()
        }, nil)
        guard created == 0 else { fatalError("cannot start the signal thread: error \(created)") }
        pthread_detach(thread)
    }

    private func readLoop() -> Never {
        var byte: UInt8 = 0
        while true {
            let count = read(readFD, &byte, 1)
            if count == 1 {
                let number = Int32(byte)
                let handlers = state.withLock { Array(($0.watchers[number] ?? [:]).values) }
                for handler in handlers { handler(number) }
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                fatalError("the signal pipe failed: read returned \(count), errno \(errno)")
            }
        }
    }
}

/// The pipe's write end, for the handler (which can capture nothing).
private let signalPipeWriteFD = Atomic<Int32>(-1)

private let signalPipeHandler: @convention(c) (Int32) -> Void = { number in
    let saved = errno
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipeWriteFD.load(ordering: .acquiring), &byte, 1)
    errno = saved
}
