/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TLS for streambridge (OpenSSL 3): TLS 1.3 only, certificates on both
 * sides, optional SHA-256 pin of the peer's public key.
 */
#ifndef BRIDGE_TLS_H
#define BRIDGE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "config.h"

/* A context for a route (client) or a listener (server); NULL and @err on failure. */
SSL_CTX *btls_ctx(const struct bc_tls *t, bool server, char *err, size_t errlen);
/* After the handshake: the peer's certificate CN and key pin.  0 or -1 (no certificate). */
int btls_peer_identity(SSL *ssl, char *cn, size_t cnlen, uint8_t pin[32]);
/* The last OpenSSL error queue entry, or the verify result, as text (clears the queue). */
void btls_error(SSL *ssl, char *buf, size_t len);

#endif
