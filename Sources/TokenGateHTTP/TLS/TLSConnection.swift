// SPDX-License-Identifier: Apache-2.0
import COpenSSL
import COpenSSLShims
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// One OpenSSL `SSL` driven entirely through two memory BIOs: ciphertext from the socket is
/// written into `networkToTLS`, ciphertext OpenSSL wants sent is read from `tlsToNetwork`.
///
/// OpenSSL never touches a file descriptor, so the event loop owns all I/O and OpenSSL stays a
/// pure state machine. Not thread-safe: it lives inside one ``TLSHandler`` on one event loop.
final class TLSConnection {
    enum Step {
        /// Nothing more can happen until more bytes arrive.
        case needMoreData
        /// The handshake finished (for ``handshake()``).
        case complete
        /// The peer sent close_notify.
        case closedByPeer
        case failed(TLSError)
    }

    private let ssl: OpaquePointer
    private let networkToTLS: OpaquePointer
    private let tlsToNetwork: OpaquePointer
    /// Kept alive for the connection's lifetime (the SSL also holds a reference).
    let context: TLSContext

    init(context: TLSContext, role: TLSHandler.Role) throws {
        ERR_clear_error()
        guard let ssl = SSL_new(context.pointer) else { throw TLSError.fromQueue("cannot create a TLS connection") }
        guard let rbio = BIO_new(BIO_s_mem()), let wbio = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw TLSError.fromQueue("cannot create memory BIOs")
        }
        // An empty memory BIO must mean "retry later", not EOF.
        _ = tg_bio_set_mem_eof_return(rbio, -1)
        _ = tg_bio_set_mem_eof_return(wbio, -1)
        SSL_set_bio(ssl, rbio, wbio)  // the SSL owns both BIOs from here on
        self.ssl = ssl
        self.networkToTLS = rbio
        self.tlsToNetwork = wbio
        self.context = context
        switch role {
        case .server:
            SSL_set_accept_state(ssl)
        case .client(let serverName):
            SSL_set_connect_state(ssl)
            _ = tg_ssl_set_alpn_http11(ssl)
            if let serverName {
                try Self.setServerName(ssl, serverName)
            }
        }
    }

    deinit { SSL_free(ssl) }

    /// Verification target and SNI for a client: SNI only for DNS names (RFC 6066 forbids IPs
    /// there); the certificate must carry the DNS name or the IP as a SAN.
    private static func setServerName(_ ssl: OpaquePointer, _ name: String) throws {
        var v4 = in_addr()
        var v6 = in6_addr()
        let isIP = inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1
        if isIP {
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1 else {
                throw TLSError.fromQueue("cannot verify against IP \(name)")
            }
        } else {
            guard tg_ssl_set_sni(ssl, name) == 1, SSL_set1_host(ssl, name) == 1 else {
                throw TLSError.fromQueue("cannot use server name \(name)")
            }
        }
    }

    /// Hands ciphertext from the socket to OpenSSL.
    func receive(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let chunk = min(raw.count - offset, Int(Int32.max))
                let written = BIO_write(networkToTLS, raw.baseAddress! + offset, Int32(chunk))
                if written <= 0 { return }  // a memory BIO only fails when out of memory
                offset += Int(written)
            }
        }
    }

    func handshake() -> Step {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 { return .complete }
        return classify(result, during: "TLS handshake failed")
    }

    /// Decrypts everything OpenSSL can from the bytes received so far, appending to `plaintext`.
    ///
    /// Plaintext is never longer than the ciphertext it comes from, so the buffer grows by what
    /// is waiting (in the BIO, or decrypted and not yet read), not by a fixed 16 KiB: a request
    /// of a few KiB then costs one right-sized allocation instead of 16 KiB and a copy into 32.
    /// Should the estimate fall short, the loop simply reads again.
    func read(into plaintext: inout ByteBuffer) -> Step {
        while true {
            ERR_clear_error()
            var count = 0
            var ok: Int32 = 0
            let waiting = Int(BIO_ctrl_pending(networkToTLS)) + Int(SSL_pending(ssl))
            plaintext.writeWithUnsafeMutableBytes(minimumWritableBytes: max(waiting, 64)) { out in
                ok = SSL_read_ex(ssl, out.baseAddress, out.count, &count)
                return ok == 1 ? count : 0
            }
            if ok != 1 { return classify(ok, during: "TLS read failed") }
        }
    }

    /// Encrypts `buffer`; the records are then waiting in ``takeCiphertext(allocator:)``.
    func write(_ buffer: ByteBuffer) -> Step {
        guard buffer.readableBytes > 0 else { return .complete }
        return buffer.withUnsafeReadableBytes { raw in
            ERR_clear_error()
            var written = 0
            // A memory BIO grows as needed, so SSL_write_ex takes the whole buffer in one call.
            let ok = SSL_write_ex(ssl, raw.baseAddress, raw.count, &written)
            return ok == 1 ? .complete : classify(ok, during: "TLS write failed")
        }
    }

    /// Queues close_notify.
    func shutdown() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// Ciphertext OpenSSL produced (handshake messages, records, alerts), or nil.
    func takeCiphertext(allocator: ByteBufferAllocator) -> ByteBuffer? {
        let pending = Int(BIO_ctrl_pending(tlsToNetwork))
        guard pending > 0 else { return nil }
        var buffer = allocator.buffer(capacity: pending)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { out in
            Int(max(0, BIO_read(tlsToNetwork, out.baseAddress, Int32(pending))))
        }
        return buffer
    }

    private func classify(_ result: Int32, during what: String) -> Step {
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .needMoreData
        case SSL_ERROR_ZERO_RETURN:
            return .closedByPeer
        default:
            var error = TLSError.fromQueue(what)
            let verify = SSL_get_verify_result(ssl)
            if verify != X509_V_OK, let reason = X509_verify_cert_error_string(verify) {
                error = TLSError("\(error.message) (certificate verification: \(String(cString: reason)))", peerSpokePlainHTTP: error.peerSpokePlainHTTP)
            }
            return .failed(error)
        }
    }

    // MARK: - what was negotiated

    var negotiatedALPN: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    var protocolVersion: String { String(cString: SSL_get_version(ssl)) }

    var cipher: String {
        guard let cipher = SSL_get_current_cipher(ssl), let name = SSL_CIPHER_get_name(cipher) else { return "" }
        return String(cString: name)
    }

    /// Subject of the verified peer certificate, if the peer presented one.
    var peerCertificateSubject: String? {
        guard let cert = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(cert) }
        guard let name = X509_get_subject_name(cert) else { return nil }
        var buffer = [CChar](repeating: 0, count: 512)
        X509_NAME_oneline(name, &buffer, Int32(buffer.count))
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
