// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif

/// The paths of the serving certificate, its key and the optional client CA.
///
/// Files are read through their paths on every poll, so symlinks are followed afresh: when
/// kubelet updates a mounted Secret it writes a new timestamped directory and atomically swaps
/// the `..data` symlink that `tls.crt -> ..data/tls.crt` points through. Comparing the bytes
/// read (not inode or mtime of the link) sees that swap and any in-place rewrite alike.
public struct CertificateFiles: Sendable, Equatable {
    public var certificatePath: String
    public var keyPath: String
    public var clientCAPath: String?

    public init(certificatePath: String, keyPath: String, clientCAPath: String? = nil) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.clientCAPath = clientCAPath
    }

    /// Reads all files. Throws a message naming the file that could not be read.
    public func read() throws -> TLSServerMaterial {
        TLSServerMaterial(
            certificateChainPEM: try Self.readFile(certificatePath, what: "TLS certificate (--tls-cert)"),
            privateKeyPEM: try Self.readFile(keyPath, what: "TLS key (--tls-key)"),
            clientCAPEM: try clientCAPath.map { try Self.readFile($0, what: "client CA (--client-ca)") })
    }

    /// PEM files are small; anything beyond this is not a certificate and is refused rather than read.
    static let maximumFileBytes = 1 << 20

    static func readFile(_ path: String, what: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TLSError("cannot open the \(what) file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw TLSError("cannot read the \(what) file \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > Self.maximumFileBytes {
                throw TLSError("the \(what) file \(path) is larger than 1 MiB; is it the right file?")
            }
        }
        return bytes
    }
}
