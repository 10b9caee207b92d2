// SPDX-License-Identifier: Apache-2.0
import COpenSSL

/// Helpers to move PEM text in and out of OpenSSL through memory BIOs, so no OpenSSL call
/// ever opens a file itself (file handling, permissions and error messages stay in Swift).
enum X509MemoryBIO {
    /// Runs `body` with a read-only BIO over `bytes`.
    static func reading<T>(_ bytes: [UInt8], _ body: (OpaquePointer) throws -> T) throws -> T {
        try bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else {
                throw X509Error.openSSL("cannot allocate a memory BIO")
            }
            defer { BIO_free(bio) }
            return try body(bio)
        }
    }

    /// Runs `body` with an empty writable BIO and returns everything it wrote.
    static func writing(_ body: (OpaquePointer) throws -> Bool, what: String) throws -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw X509Error.openSSL("cannot allocate a memory BIO") }
        defer { BIO_free(bio) }
        guard try body(bio) else { throw X509Error.openSSL("cannot encode \(what) as PEM") }
        let count = Int(BIO_ctrl_pending(bio))
        var out = [UInt8](repeating: 0, count: count)
        let read = out.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32(count)) }
        guard read == count else { throw X509Error.openSSL("cannot read back the PEM encoding of \(what)") }
        return out
    }
}
