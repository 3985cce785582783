// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka tests for userspace/bridge/conn.c: reading a TLS connection when
 * only part of a record has arrived (a lossy link delivers a record's
 * first segment and retransmits the rest seconds later).  OpenSSL then
 * holds half a record, SSL_has_pending() is true, and SSL_read() wants
 * more bytes: conn_read() must say the socket is drained, or a caller
 * that reads "while OpenSSL holds something" spins until the rest comes,
 * and its single-threaded daemon serves no other peer meanwhile (what
 * stalled every other route and listener peer under netem).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "conn.h"
#include "frame.h"

/* A server context with a throwaway self-signed P-256 certificate. */
static SSL_CTX *server_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();

	assert_non_null(ctx);
	assert_non_null(key);
	assert_non_null(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"test", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, key);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	assert_int_equal(1, SSL_CTX_use_certificate(ctx, x));
	assert_int_equal(1, SSL_CTX_use_PrivateKey(ctx, key));
	X509_free(x);
	EVP_PKEY_free(key);
	return ctx;
}

static void half_a_record_drains(void **state)
{
	SSL_CTX *sctx = server_ctx(), *cctx = SSL_CTX_new(TLS_client_method());
	struct bf_buf out;
	struct conn c;
	char err[256];
	int sv[2], i, r = 0;
	uint8_t wire[4096];
	BIO *mem;
	SSL *srv;
	long n;

	(void)state;
	assert_non_null(cctx);
	SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);
	assert_int_equal(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	assert_int_equal(0, conn_init(&c, sv[0], cctx, false, NULL, BF_MIN_FRAME, 4096));
	c.state = CONN_HANDSHAKE;	/* the socket is connected already */
	srv = SSL_new(sctx);
	SSL_set_fd(srv, sv[1]);
	SSL_set_accept_state(srv);
	/* Both handshakes, turn by turn, over the socket pair. */
	for (i = 0; i < 100 && (c.state == CONN_HANDSHAKE || r != 1); i++) {
		if (c.state == CONN_HANDSHAKE)
			assert_true(conn_handshake(&c, err, sizeof(err)) >= 0);
		if (r != 1)
			r = SSL_do_handshake(srv);
	}
	assert_int_equal(CONN_HELLO, c.state);
	assert_int_equal(1, r);

	/* The server's next records go to memory; the test decides what arrives. */
	mem = BIO_new(BIO_s_mem());
	SSL_set0_wbio(srv, mem);
	assert_int_equal(0, bf_buf_init(&out, 256));
	assert_int_equal(0, bf_put_keepalive(&out, 42));
	assert_int_equal((int)out.len, SSL_write(srv, out.data, (int)out.len));
	n = BIO_read(mem, wire, sizeof(wire));
	assert_true(n > 20);

	/* Half of it: no frame yet, and the socket is drained. */
	assert_int_equal(n / 2, write(sv[1], wire, (size_t)n / 2));
	for (i = 0; i < 10; i++) {
		r = conn_read(&c, err, sizeof(err));
		assert_true(r >= 0);
		if (c.drained)
			break;
	}
	assert_int_equal(0, r);
	assert_true(c.drained);
	/* Why a loop on SSL_has_pending() alone spun: it is true now. */
	assert_true(SSL_has_pending(c.ssl));

	/* The rest arrives: the frame is read whole. */
	assert_int_equal(n - n / 2, write(sv[1], wire + n / 2, (size_t)(n - n / 2)));
	r = conn_read(&c, err, sizeof(err));
	assert_int_equal((int)out.len, r);
	assert_false(c.drained);
	{
		struct bf_frame f;
		uint64_t stamp;

		assert_int_equal(1, bf_dec_next(&c.dec, &f));
		assert_int_equal(BF_KEEPALIVE, f.type);
		assert_int_equal(0, bf_parse_keepalive(&f, &stamp));
		assert_int_equal(42, stamp);
	}

	bf_buf_free(&out);
	SSL_free(srv);
	close(sv[1]);
	c.state = CONN_CLOSED;	/* no close_notify into a socket nobody reads */
	conn_free(&c);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(half_a_record_drains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
