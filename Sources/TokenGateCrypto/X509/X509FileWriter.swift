// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes PEM files with a chosen mode, atomically (temporary file + rename), so a server that
/// polls the path never reads half a key and a key is never readable by others, even briefly.
public enum X509FileWriter {
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw X509Error("cannot create \(temporary): \(errnoText()); check that the directory exists and is writable") }
        var closed = false
        defer { if !closed { close(fd) } }
        // open() applies the umask; fchmod sets exactly the mode asked for (0600 for keys, 0644 for certificates).
        guard fchmod(fd, mode) == 0 else { throw X509Error("cannot set mode of \(temporary): \(errnoText())") }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw X509Error("cannot write \(temporary): \(errnoText())")
            }
            offset += written
        }
        guard fsync(fd) == 0 else { throw X509Error("cannot flush \(temporary): \(errnoText())") }
        closed = true
        guard close(fd) == 0 else { throw X509Error("cannot close \(temporary): \(errnoText())") }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw X509Error("cannot move \(temporary) to \(path): \(errnoText())")
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
