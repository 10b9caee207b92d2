// SPDX-License-Identifier: Apache-2.0
import COpenSSL
import COpenSSLShims
import TokenGateCrypto

/// An OpenSSL `SSL_CTX`: protocol policy, certificate, key and trust, shared by many connections.
///
/// Built completely in a factory and never changed afterwards, which is what makes sharing it
/// across event-loop threads safe (OpenSSL only allows concurrent `SSL_new` on a context that is no
/// longer being configured); hence `@unchecked Sendable`. A reload builds a new context instead of
/// editing this one. Each `SSL` holds its own reference to the context, so connections opened
/// before a reload keep the old certificate until they close.
public final class TLSContext: @unchecked Sendable {
    let pointer: OpaquePointer
    /// The serving (or client) certificate, for serial and expiry reporting; nil for a client
    /// context without a certificate.
    public let leafCertificate: X509Certificate?
    public let isServer: Bool

    private init(pointer: OpaquePointer, leafCertificate: X509Certificate?, isServer: Bool) {
        self.pointer = pointer
        self.leafCertificate = leafCertificate
        self.isServer = isServer
    }

    deinit { SSL_CTX_free(pointer) }

    /// A server context presenting `material`'s certificate chain. Fails, and says why, when the
    /// PEM is unreadable or the key does not belong to the certificate.
    public static func server(_ material: TLSServerMaterial) throws -> TLSContext {
        ERR_clear_error()
        guard let ctx = SSL_CTX_new(TLS_server_method()) else { throw TLSError.fromQueue("cannot create a TLS server context") }
        var owned: OpaquePointer? = ctx
        defer { if let owned { SSL_CTX_free(owned) } }
        try applyPolicy(ctx)
        _ = tg_ssl_ctx_set_options(ctx, tg_ssl_default_server_options())
        tg_ssl_ctx_select_alpn_http11(ctx)
        let leaf = try useCertificateChain(ctx, material.certificateChainPEM, key: material.privateKeyPEM)
        if let clientCA = material.clientCAPEM {
            try requireClientCertificates(ctx, caPEM: clientCA)
        }
        owned = nil
        return TLSContext(pointer: ctx, leafCertificate: leaf, isServer: true)
    }

    /// Where a client context gets the CAs it trusts.
    public enum TrustRoots: Sendable {
        /// The system store (`/etc/ssl/certs`), for public endpoints.
        case system
        /// Only these PEM CA certificates, e.g. a Kubernetes cluster CA.
        case pem([UInt8])
    }

    /// A client context that verifies the server against `trustRoots` (hostname or IP is checked
    /// per connection by ``TLSHandler``) and optionally presents a client certificate.
    public static func client(
        trustRoots: TrustRoots, certificateChainPEM: [UInt8]? = nil, privateKeyPEM: [UInt8]? = nil
    ) throws -> TLSContext {
        ERR_clear_error()
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw TLSError.fromQueue("cannot create a TLS client context") }
        var owned: OpaquePointer? = ctx
        defer { if let owned { SSL_CTX_free(owned) } }
        try applyPolicy(ctx)
        _ = tg_ssl_ctx_set_options(ctx, tg_ssl_default_server_options())
        switch trustRoots {
        case .system:
            guard SSL_CTX_set_default_verify_paths(ctx) == 1 else { throw TLSError.fromQueue("cannot load the system CA certificates") }
        case .pem(let pem):
            try addTrustedCertificates(ctx, pem: pem, what: "trusted CA")
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        var leaf: X509Certificate?
        if let chain = certificateChainPEM, let key = privateKeyPEM {
            leaf = try useCertificateChain(ctx, chain, key: key)
        }
        owned = nil
        return TLSContext(pointer: ctx, leafCertificate: leaf, isServer: false)
    }

    // MARK: - building blocks

    private static func applyPolicy(_ ctx: OpaquePointer) throws {
        guard tg_ssl_ctx_set_min_proto(ctx, TLS1_2_VERSION) == 1 else { throw TLSError.fromQueue("cannot set the TLS 1.2 minimum") }
        guard SSL_CTX_set_cipher_list(ctx, TLSPolicy.tls12Ciphers) == 1 else { throw TLSError.fromQueue("cannot set the TLS 1.2 cipher list") }
        guard SSL_CTX_set_ciphersuites(ctx, TLSPolicy.tls13Suites) == 1 else { throw TLSError.fromQueue("cannot set the TLS 1.3 cipher suites") }
        guard tg_ssl_ctx_set_groups(ctx, TLSPolicy.groups) == 1 else { throw TLSError.fromQueue("cannot set the key-exchange groups") }
        // SSL_MODE_RELEASE_BUFFERS is deliberately not set: it saves ~34 KiB per idle
        // connection but frees and re-allocates both record buffers on every request, which
        // costs measurably on the keep-alive request/response pattern of the API server.
        let idContext = TLSPolicy.sessionIDContext
        _ = SSL_CTX_set_session_id_context(ctx, idContext, UInt32(idContext.count))
    }

    /// Loads leaf + intermediates and the key, and checks they belong together.
    private static func useCertificateChain(_ ctx: OpaquePointer, _ chainPEM: [UInt8], key keyPEM: [UInt8]) throws -> X509Certificate {
        let chain: [X509Certificate]
        do { chain = try X509Certificate.chain(pem: chainPEM) } catch { throw TLSError("certificate file: \(error)") }
        guard let leaf = chain.first else {
            throw TLSError("certificate file holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)")
        }
        let key: X509Key
        do { key = try X509Key(pem: keyPEM) } catch { throw TLSError("key file: \(error); expected a PEM private key") }
        guard SSL_CTX_use_certificate(ctx, leaf.pointer) == 1 else { throw TLSError.fromQueue("the certificate was refused") }
        for intermediate in chain.dropFirst() {
            guard tg_ssl_ctx_add_chain_cert(ctx, intermediate.pointer) == 1 else {
                throw TLSError.fromQueue("an intermediate certificate was refused")
            }
        }
        guard X509_check_private_key(leaf.pointer, key.pointer) == 1 else {
            ERR_clear_error()
            throw TLSError("the private key does not match the certificate (\(leaf.subject), serial \(leaf.serialNumberHex)); check that tls.crt and tls.key come from the same pair")
        }
        guard SSL_CTX_use_PrivateKey(ctx, key.pointer) == 1 else { throw TLSError.fromQueue("the private key was refused") }
        return leaf
    }

    /// Requires and verifies client certificates against `caPEM`, and advertises those CAs in
    /// the CertificateRequest so clients pick the right certificate.
    private static func requireClientCertificates(_ ctx: OpaquePointer, caPEM: [UInt8]) throws {
        let authorities = try addTrustedCertificates(ctx, pem: caPEM, what: "client CA")
        for authority in authorities {
            guard SSL_CTX_add_client_CA(ctx, authority.pointer) == 1 else { throw TLSError.fromQueue("cannot advertise a client CA") }
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
    }

    @discardableResult
    private static func addTrustedCertificates(_ ctx: OpaquePointer, pem: [UInt8], what: String) throws -> [X509Certificate] {
        let certificates: [X509Certificate]
        do { certificates = try X509Certificate.chain(pem: pem) } catch { throw TLSError("\(what) file: \(error)") }
        guard !certificates.isEmpty else { throw TLSError("\(what) file holds no PEM certificate") }
        guard let store = SSL_CTX_get_cert_store(ctx) else { throw TLSError.fromQueue("cannot open the certificate store") }
        for certificate in certificates {
            guard X509_STORE_add_cert(store, certificate.pointer) == 1 else { throw TLSError.fromQueue("cannot trust a \(what) certificate") }
        }
        return certificates
    }
}
