/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One peer connection: a non-blocking socket, TLS or plaintext, a bounded
 * frame decoder for what comes in and a bounded buffer for what goes out.
 * Shared by routes (client side) and listeners (server side).
 */
#ifndef BRIDGE_CONN_H
#define BRIDGE_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "frame.h"

enum conn_state {
	CONN_CONNECTING,	/* TCP connect in progress */
	CONN_HANDSHAKE,		/* TLS handshake */
	CONN_HELLO,		/* HELLO sent, waiting for the peer's */
	CONN_READY,		/* streams may flow */
	CONN_CLOSED,
};

struct conn {
	int fd;
	SSL *ssl;		/* NULL: plaintext */
	bool server;
	enum conn_state state;
	struct bf_decoder dec;
	struct bf_buf out;
	struct bf_hello peer;	/* valid from CONN_READY */
	uint32_t features;	/* agreed */
	uint32_t peer_max;	/* largest payload we may send */
	uint64_t last_rx_ms, last_tx_ms;
	bool want_read_for_write, want_write_for_read;
	bool eof;
	/*
	 * The last conn_read() found nothing more on the socket (EAGAIN, or
	 * OpenSSL wants more bytes): stop reading until epoll says so, even
	 * when SSL_has_pending() is true, which it also is for half a TLS
	 * record (reading again would spin until the rest arrives).
	 */
	bool drained;
	char peer_cn[256];
	uint8_t peer_pin[32];
	bool has_identity;
	char addr[80];		/* peer address, for logs */
};

uint64_t now_ms(void);

/* Set up @c around a connected (or connecting) socket; @ctx NULL for plaintext. */
int conn_init(struct conn *c, int fd, SSL_CTX *ctx, bool server, const char *verify_host,
	      uint32_t max_frame, size_t outcap);
void conn_free(struct conn *c);
/*
 * Drive the handshake (TCP connect, TLS): 1 when done (state becomes
 * CONN_HELLO; the caller sends HELLO), 0 in progress, -1 failed (*err).
 */
int conn_handshake(struct conn *c, char *err, size_t errlen);
/*
 * Read what the socket has into the decoder: >0 bytes, 0 nothing now
 * (c->drained tells whether the socket is empty or the decoder full), -1
 * closed or failed.
 */
int conn_read(struct conn *c, char *err, size_t errlen);
/* Write out what is buffered: 0 (all or some written, or would block), -1 failed. */
int conn_flush(struct conn *c, char *err, size_t errlen);
/* epoll events this connection waits for now (EPOLLIN/EPOLLOUT). */
uint32_t conn_events(const struct conn *c, bool want_read);
/* Room in the output buffer. */
size_t conn_room(const struct conn *c);
/* Handle the peer's HELLO: 0, or -1 with an ERROR queued (*err). */
int conn_hello(struct conn *c, const struct bf_frame *f, const struct bf_hello *mine,
	       char *err, size_t errlen);
/* Queue an ERROR (stream 0) or CLOSE frame, ignoring a full buffer. */
void conn_send_error(struct conn *c, uint8_t type, uint32_t code, const char *text);

#endif
