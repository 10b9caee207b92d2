// SPDX-License-Identifier: Apache-2.0
// Functions wrapping OpenSSL macros and C callbacks that do not import into Swift.
// Swift code imports `COpenSSL` for the library itself and this module for the wrappers.
#ifndef TOKENGATE_OPENSSL_SHIMS_H
#define TOKENGATE_OPENSSL_SHIMS_H

#include <openssl/ssl.h>
#include <openssl/bio.h>
#include <openssl/x509.h>

/// SSL_CTX_set_min_proto_version / SSL_CTX_set_max_proto_version (macros).
int tg_ssl_ctx_set_min_proto(SSL_CTX *ctx, int version);
int tg_ssl_ctx_set_max_proto(SSL_CTX *ctx, int version);
/// SSL_CTX_set_options (a function in 3.x, but takes uint64_t; kept for symmetry).
uint64_t tg_ssl_ctx_set_options(SSL_CTX *ctx, uint64_t options);
/// The hardening options TokenGate always sets: no SSLv2/3, TLS 1.0/1.1, compression,
/// renegotiation; server cipher preference.
uint64_t tg_ssl_default_server_options(void);
/// SSL_CTX_set_mode (macro).
long tg_ssl_ctx_set_mode(SSL_CTX *ctx, long mode);
/// SSL_CTX_set_session_cache_mode (macro).
long tg_ssl_ctx_set_session_cache_mode(SSL_CTX *ctx, long mode);
/// Installs an ALPN select callback that picks "http/1.1" when the client offers it and
/// otherwise proceeds without ALPN (clients that send no ALPN or only h2 still get HTTP/1.1).
void tg_ssl_ctx_select_alpn_http11(SSL_CTX *ctx);
/// Client-side ALPN list: "http/1.1" only.
int tg_ssl_set_alpn_http11(SSL *ssl);
/// SSL_set_tlsext_host_name (macro): SNI for client connections.
int tg_ssl_set_sni(SSL *ssl, const char *name);
/// BIO_set_mem_eof_return (macro): make an empty memory BIO report "retry" instead of EOF.
long tg_bio_set_mem_eof_return(BIO *bio, int value);
/// OPENSSL_free (macro).
void tg_openssl_free(void *ptr);
/// Counts renegotiation attempts is not needed in TLS 1.3; for TLS 1.2 we refuse them via options.

#endif
