// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif

/// What a write past the process's file size limit (`ulimit -f`, `RLIMIT_FSIZE`) does to `serve`.
///
/// By default the kernel answers such a write with SIGXFSZ, whose default action ends the
/// process with a core dump: an audit database or spool that reached the limit would take the
/// webhook and the broker down with it. Ignored, the write fails with `EFBIG` instead, which the
/// audit writer handles as it handles a full disk (the events spool, and are stored when the
/// store takes writes again) and the log writer as any failed write. Issue 12.
///
/// Today every thread that writes (NIO's, Dispatch's, the log and audit writer threads) blocks
/// SIGXFSZ, so the signal stays pending and harmless; only the idle main thread would take it.
/// Ignoring it makes that a promise rather than an accident of thread signal masks
/// (`Tests/e2e/test_faults_audit_store.py` checks `serve` at the limit).
public enum FileSizeLimit {
    /// Makes writes past the limit fail with `EFBIG` instead of killing the process.
    public static func failWritesInsteadOfExiting() {
        _ = signal(SIGXFSZ, SIG_IGN)
    }
}
