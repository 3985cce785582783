// SPDX-License-Identifier: GPL-2.0
/*
 * Peer connections (conn.h).  Uses: OpenSSL, frame.c.  Never blocks: every
 * call does what the socket allows now and reports what it waits for.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "conn.h"
#include "tls.h"

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int conn_init(struct conn *c, int fd, SSL_CTX *ctx, bool server, const char *verify_host,
	      uint32_t max_frame, size_t outcap)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->server = server;
	c->state = server ? (ctx ? CONN_HANDSHAKE : CONN_HELLO) : CONN_CONNECTING;
	c->last_rx_ms = c->last_tx_ms = now_ms();
	c->peer_max = BF_MIN_FRAME;
	if (bf_dec_init(&c->dec, max_frame) || bf_buf_init(&c->out, outcap))
		goto fail;
	if (ctx) {
		c->ssl = SSL_new(ctx);
		if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1)
			goto fail;
		if (server) {
			SSL_set_accept_state(c->ssl);
		} else {
			SSL_set_connect_state(c->ssl);
			if (verify_host && SSL_CTX_get_verify_mode(ctx) != SSL_VERIFY_NONE) {
				X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
				unsigned char buf[16];

				/* The server's certificate must name the host (DNS or IP SAN). */
				if (inet_pton(AF_INET, verify_host, buf) == 1 ||
				    inet_pton(AF_INET6, verify_host, buf) == 1) {
					if (X509_VERIFY_PARAM_set1_ip_asc(vp, verify_host) != 1)
						goto fail;
				} else if (SSL_set1_host(c->ssl, verify_host) != 1) {
					goto fail;
				}
				SSL_set_tlsext_host_name(c->ssl, verify_host);
			}
		}
	}
	return 0;
fail:
	bf_dec_free(&c->dec);
	bf_buf_free(&c->out);
	SSL_free(c->ssl);
	c->ssl = NULL;
	return -1;
}

void conn_free(struct conn *c)
{
	if (c->ssl) {
		if (c->state >= CONN_HELLO && c->state != CONN_CLOSED)
			SSL_shutdown(c->ssl);	/* best effort close_notify */
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	bf_dec_free(&c->dec);
	bf_buf_free(&c->out);
	c->state = CONN_CLOSED;
}

int conn_handshake(struct conn *c, char *err, size_t errlen)
{
	int r, e;

	if (c->state == CONN_CONNECTING) {
		socklen_t len = sizeof(e);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
			e = errno;
		if (e == EINPROGRESS || e == EALREADY)
			return 0;
		if (e) {
			snprintf(err, errlen, "connect: %s", strerror(e));
			return -1;
		}
		c->state = c->ssl ? CONN_HANDSHAKE : CONN_HELLO;
		if (!c->ssl)
			return 1;
	}
	if (c->state != CONN_HANDSHAKE)
		return 1;
	ERR_clear_error();
	r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		c->has_identity = btls_peer_identity(c->ssl, c->peer_cn, sizeof(c->peer_cn),
						     c->peer_pin) == 0;
		c->state = CONN_HELLO;
		return 1;
	}
	e = SSL_get_error(c->ssl, r);
	c->want_write_for_read = e == SSL_ERROR_WANT_WRITE;
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	if (e == SSL_ERROR_SYSCALL && !ERR_peek_error())
		snprintf(err, errlen, "TLS handshake: %s",
			 errno ? strerror(errno) : "connection closed by peer");
	else
		btls_error(c->ssl, err, errlen);
	return -1;
}

int conn_read(struct conn *c, char *err, size_t errlen)
{
	size_t room;
	uint8_t *p = bf_dec_space(&c->dec, &room);
	ssize_t n;
	int e;

	c->want_write_for_read = false;
	c->drained = false;
	if (!room)
		return 0;	/* a whole frame waits to be taken: backpressure */
	if (!c->ssl) {
		n = recv(c->fd, p, room, 0);
		if (n > 0)
			goto got;
		if (n == 0) {
			snprintf(err, errlen, "connection closed by peer");
			c->eof = true;
			return -1;
		}
		if (errno == EAGAIN || errno == EINTR) {
			c->drained = true;
			return 0;
		}
		snprintf(err, errlen, "recv: %s", strerror(errno));
		return -1;
	}
	ERR_clear_error();
	n = SSL_read(c->ssl, p, (int)(room > INT32_MAX ? INT32_MAX : room));
	if (n > 0)
		goto got;
	e = SSL_get_error(c->ssl, (int)n);
	if (e == SSL_ERROR_WANT_READ) {
		c->drained = true;	/* perhaps half a record: the rest raises EPOLLIN */
		return 0;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		c->want_write_for_read = true;
		c->drained = true;
		return 0;
	}
	if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && !ERR_peek_error() && !errno)) {
		snprintf(err, errlen, "connection closed by peer");
		c->eof = true;
	} else if (e == SSL_ERROR_SYSCALL && !ERR_peek_error()) {
		snprintf(err, errlen, "recv: %s", strerror(errno));
	} else {
		btls_error(c->ssl, err, errlen);
	}
	return -1;
got:
	bf_dec_commit(&c->dec, (size_t)n);
	c->last_rx_ms = now_ms();
	return (int)n;
}

int conn_flush(struct conn *c, char *err, size_t errlen)
{
	ssize_t n;
	int e;

	c->want_read_for_write = false;
	while (c->out.len) {
		if (!c->ssl) {
			n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					return 0;
				snprintf(err, errlen, "send: %s", strerror(errno));
				return -1;
			}
		} else {
			ERR_clear_error();
			n = SSL_write(c->ssl, c->out.data,
				      (int)(c->out.len > INT32_MAX ? INT32_MAX : c->out.len));
			if (n <= 0) {
				e = SSL_get_error(c->ssl, (int)n);
				if (e == SSL_ERROR_WANT_WRITE)
					return 0;
				if (e == SSL_ERROR_WANT_READ) {
					c->want_read_for_write = true;
					return 0;
				}
				if (e == SSL_ERROR_SYSCALL && !ERR_peek_error())
					snprintf(err, errlen, "send: %s",
						 errno ? strerror(errno) : "connection closed");
				else
					btls_error(c->ssl, err, errlen);
				return -1;
			}
		}
		bf_buf_consume(&c->out, (size_t)n);
		c->last_tx_ms = now_ms();
	}
	return 0;
}

uint32_t conn_events(const struct conn *c, bool want_read)
{
	uint32_t ev = 0;

	if (c->state == CONN_CONNECTING)
		return EPOLLOUT;
	if (c->state == CONN_HANDSHAKE)
		return c->want_write_for_read ? EPOLLOUT : EPOLLIN;
	if (want_read || c->want_read_for_write)
		ev |= EPOLLIN;
	if (c->out.len || c->want_write_for_read)
		ev |= EPOLLOUT;
	return ev;
}

size_t conn_room(const struct conn *c)
{
	return c->out.cap - c->out.len;
}

int conn_hello(struct conn *c, const struct bf_frame *f, const struct bf_hello *mine,
	       char *err, size_t errlen)
{
	int r;

	if (f->type != BF_HELLO) {
		snprintf(err, errlen, "expected HELLO, got frame type %u", f->type);
		conn_send_error(c, BF_ERROR, BF_C_PROTOCOL, "expected HELLO");
		return -1;
	}
	r = bf_parse_hello(f, &c->peer);
	if (r) {
		snprintf(err, errlen, "bad HELLO: %s", bf_strerror(r));
		conn_send_error(c, BF_ERROR, r == -BF_E_VERSION ? BF_C_VERSION : BF_C_PROTOCOL,
				bf_strerror(r));
		return -1;
	}
	if (bf_negotiate_version(mine, &c->peer) < 0) {
		snprintf(err, errlen, "peer speaks protocol versions %u-%u, we speak %u-%u",
			 c->peer.version_min, c->peer.version_max, mine->version_min,
			 mine->version_max);
		conn_send_error(c, BF_ERROR, BF_C_VERSION, "no common protocol version");
		return -1;
	}
	c->features = mine->features & c->peer.features;
	c->peer_max = c->peer.max_frame;
	c->state = CONN_READY;
	return 0;
}

void conn_send_error(struct conn *c, uint8_t type, uint32_t code, const char *text)
{
	bf_put_error(&c->out, type, 0, code, text);
}
