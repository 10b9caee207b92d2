// SPDX-License-Identifier: Apache-2.0
import NIOCore

/// A NIO event loop as a Swift `TaskExecutor`, so a route handler that awaits starts and resumes
/// on its connection's event loop (`Task(executorPreference:)`) instead of crossing to the global
/// pool and back. Handlers on it must not block: the loop serves other connections meanwhile.
///
/// A class, because a task refers to its executor by identity while its jobs run; a connection
/// makes one the first time it needs it.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { unowned.runSynchronously(on: executor) }
    }

    func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }
}
