// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import TokenGateJSON

/// The local, append-only safety net: JSON lines written when the database cannot take events.
///
/// Appends go to `current.jsonl`. To replay, the writer seals it (an atomic rename to
/// `segment-<micros>-<n>.jsonl`) and reads sealed segments while new appends go to a fresh
/// `current.jsonl`; a segment is deleted only after every line in it is in the database. Because
/// inserts ignore known ids, a segment replayed twice (a crash mid-replay) duplicates nothing.
/// A failed append is cut back to where it began, so a full disk never leaves a half line that
/// would corrupt the next one.
public final class AuditSpool: Sendable {
    public let directory: String
    private struct State {
        var fd: Int32 = -1
        var currentBytes = 0
        var sealedBytes = 0
        var sequence = 0
    }
    private let state = Mutex(State())

    static let currentName = "current.jsonl"

    /// Opens (creating) the spool directory and accounts for files left by an earlier run.
    public init(directory: String) throws {
        self.directory = directory
        try Self.makeDirectory(directory)
        var sealed = 0
        for name in try Self.list(directory) where name.hasPrefix("segment-") {
            sealed += Self.size(of: directory + "/" + name)
        }
        let current = Self.size(of: directory + "/" + Self.currentName)
        state.withLock { state in
            state.sealedBytes = sealed
            state.currentBytes = current
        }
    }

    deinit {
        state.withLock { state in
            if state.fd >= 0 { _ = close(state.fd) }
        }
    }

    /// Bytes waiting in the spool (the `spool size` metric).
    public var bytes: Int { state.withLock { $0.currentBytes + $0.sealedBytes } }

    /// Whether anything waits to be replayed.
    public var isEmpty: Bool { bytes == 0 }

    /// Appends events as JSON lines in one `write`.
    /// - Parameter sync: fsync before returning (the writer thread does; a request path does not wait for the disk).
    /// - Throws: ``AuditError`` `.io` (typically ENOSPC) with nothing written; the caller counts the events as dropped.
    public func append(_ events: [AuditEvent], sync: Bool = false) throws {
        guard !events.isEmpty else { return }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(events.count * 768)
        for event in events {
            // One writer per line (each line is a top-level value), all into the one buffer:
            // dropping `bytes` while the writer has it keeps the buffer unshared, so it grows in place.
            var writer = JSONWriter(into: bytes)
            bytes = []
            event.writeJSON(into: &writer)
            writer.sink.append(UInt8(ascii: "\n"))
            bytes = writer.sink
        }
        try state.withLock { state in
            if state.fd < 0 {
                let fd = open(directory + "/" + Self.currentName, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
                guard fd >= 0 else { throw Self.ioError("cannot open the audit spool in \(directory)") }
                state.fd = fd
            }
            let start = lseek(state.fd, 0, SEEK_END)
            var written = 0
            while written < bytes.count {
                let n = bytes[written...].withUnsafeBytes { write(state.fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    let error = Self.ioError("cannot append to the audit spool \(directory)/\(Self.currentName)")
                    if start >= 0 { _ = ftruncate(state.fd, start) }
                    throw error
                }
                written += n
            }
            if sync { _ = fsync(state.fd) }
            state.currentBytes += written
        }
    }

    /// Renames `current.jsonl` to a new segment if it holds anything, so it can be replayed while
    /// appends continue into a fresh file.
    func sealCurrent() throws {
        try state.withLock { state in
            guard state.currentBytes > 0 else { return }
            if state.fd >= 0 { _ = close(state.fd); state.fd = -1 }
            state.sequence += 1
            let name = "segment-\(AuditTime.now().microseconds)-\(state.sequence).jsonl"
            guard rename(directory + "/" + Self.currentName, directory + "/" + name) == 0 else {
                throw Self.ioError("cannot seal the audit spool file in \(directory)")
            }
            state.sealedBytes += state.currentBytes
            state.currentBytes = 0
        }
    }

    /// Sealed segments, oldest first (names sort by creation time).
    func segments() throws -> [String] {
        try Self.list(directory).filter { $0.hasPrefix("segment-") && $0.hasSuffix(".jsonl") }.sorted()
            .map { directory + "/" + $0 }
    }

    /// Recounts the bytes waiting from the files themselves, in case a file was removed by hand
    /// (the writer would otherwise keep looking for a backlog that is gone).
    func recount() throws {
        var sealed = 0
        for path in try segments() { sealed += Self.size(of: path) }
        let current = Self.size(of: directory + "/" + Self.currentName)
        state.withLock { state in
            state.sealedBytes = sealed
            state.currentBytes = current
        }
    }

    /// Deletes a fully replayed segment.
    func remove(segment path: String) {
        let size = Self.size(of: path)
        if unlink(path) == 0 {
            state.withLock { $0.sealedBytes = max(0, $0.sealedBytes - size) }
        }
    }

    // MARK: - Files

    static func makeDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw ioError("cannot create the audit spool directory \(prefix)")
            }
        }
    }

    static func list(_ directory: String) throws -> [String] {
        guard let dir = opendir(directory) else { throw ioError("cannot read the audit spool directory \(directory)") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func size(of path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    static func ioError(_ what: String) -> AuditError {
        let code = errno
        let reason = String(cString: strerror(code))
        let hint = code == ENOSPC ? " (the disk is full: free space or move the spool directory)" : ""
        return AuditError(.io, "\(what): \(reason)\(hint)")
    }
}
