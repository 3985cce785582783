// SPDX-License-Identifier: GPL-2.0
/*
 * TLS contexts and peer identities (tls.h).  Uses: OpenSSL.  Peer
 * verification is OpenSSL's (chain to the configured CA, validity dates);
 * the pin and the grants are checked by the callers after the handshake.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "tls.h"

static void ssl_err(char *buf, size_t len, const char *what, const char *path)
{
	unsigned long e = ERR_get_error();
	char reason[256];

	ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();
	snprintf(buf, len, "%s %s: %s", what, path, e ? reason : "failed");
}

SSL_CTX *btls_ctx(const struct bc_tls *t, bool server, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

	if (!ctx) {
		ssl_err(err, errlen, "TLS", "context");
		return NULL;
	}
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION)) {
		ssl_err(err, errlen, "TLS", "1.3");
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, t->cert) != 1) {
		ssl_err(err, errlen, "certificate", t->cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, t->key, SSL_FILETYPE_PEM) != 1) {
		ssl_err(err, errlen, "key", t->key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_err(err, errlen, "key does not match certificate", t->cert);
		goto fail;
	}
	if (t->ca[0]) {
		if (SSL_CTX_load_verify_locations(ctx, t->ca, NULL) != 1) {
			ssl_err(err, errlen, "CA", t->ca);
			goto fail;
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	} else {
		/* Pin only (routes): the chain is not checked, the key is, after the handshake. */
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	/* One session per connection: no tickets to keep, no resumption to reason about. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

int btls_peer_identity(SSL *ssl, char *cn, size_t cnlen, uint8_t pin[32])
{
	X509 *cert = SSL_get1_peer_certificate(ssl);
	unsigned char *der = NULL;
	int n;

	cn[0] = 0;
	if (!cert)
		return -1;
	n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, (int)cnlen);
	if (n < 0)
		cn[0] = 0;
	n = i2d_PUBKEY(X509_get0_pubkey(cert), &der);
	if (n <= 0) {
		X509_free(cert);
		return -1;
	}
	SHA256(der, n, pin);
	OPENSSL_free(der);
	X509_free(cert);
	return 0;
}

void btls_error(SSL *ssl, char *buf, size_t len)
{
	unsigned long e = ERR_get_error();
	long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
	char reason[256];

	if (v != X509_V_OK)
		snprintf(buf, len, "certificate verification: %s", X509_verify_cert_error_string(v));
	else if (e) {
		ERR_error_string_n(e, reason, sizeof(reason));
		snprintf(buf, len, "%s", reason);
	} else
		snprintf(buf, len, "handshake failed");
	ERR_clear_error();
}
