// SPDX-License-Identifier: Apache-2.0
// Functions wrapping OpenSSL macros and C callbacks that do not import into Swift.
// Swift code imports `COpenSSL` for the library itself and this module for the wrappers.
#ifndef TOKENGATE_OPENSSL_SHIMS_H
#define TOKENGATE_OPENSSL_SHIMS_H

#include <openssl/ssl.h>
#include <openssl/bio.h>
#include <openssl/x509.h>
#include <openssl/evp.h>

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

/* ---- TLS server/client and X.509 generation (issue 2) ---- */
/// SSL_CTX_set1_groups_list (macro): key-exchange groups, e.g. "X25519:P-256:P-384".
int tg_ssl_ctx_set_groups(SSL_CTX *ctx, const char *groups);
/// SSL_CTX_add1_chain_cert (macro): an intermediate certificate sent after the leaf.
int tg_ssl_ctx_add_chain_cert(SSL_CTX *ctx, X509 *cert);
/// True when an error-queue code means "the client spoke plain HTTP to a TLS port" (ERR_GET_* are macros).
int tg_err_is_http_request(unsigned long error);
/// EVP_EC_gen("P-256") (a variadic macro): a new P-256 key, or NULL.
EVP_PKEY *tg_ec_p256_generate(void);
/// Adds one X.509v3 extension written in OpenSSL's config syntax ("critical,CA:TRUE",
/// "DNS:a,IP:127.0.0.1", "keyid:always"). X509V3_CTX is a stack struct that Swift cannot set up cleanly.
int tg_x509_add_ext(X509 *cert, X509 *issuer, int nid, const char *value);
/// notAfter as seconds since the epoch (UTC); *ok is 0 when the time cannot be read.
long tg_x509_not_after_epoch(const X509 *cert, int *ok);

#endif
