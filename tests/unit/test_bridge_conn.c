// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka tests for conn_peer_dead() (userspace/bridge/conn.c): silence
 * longer than the bound is a dead peer unless TCP still hears from it
 * (a lossy link's retransmission backoff), and never longer than three
 * bounds.  Real TCP connections over 127.0.0.1 (loopback only).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "conn.h"

struct pair { int lfd, cfd, sfd; };

static void tcp_pair(struct pair *p)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	p->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(p->lfd >= 0);
	assert_int_equal(0, bind(p->lfd, (struct sockaddr *)&a, sizeof(a)));
	assert_int_equal(0, listen(p->lfd, 1));
	assert_int_equal(0, getsockname(p->lfd, (struct sockaddr *)&a, &len));
	p->cfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(p->cfd >= 0);
	assert_int_equal(0, connect(p->cfd, (struct sockaddr *)&a, sizeof(a)));
	p->sfd = accept(p->lfd, NULL, NULL);
	assert_true(p->sfd >= 0);
}

static void pair_close(struct pair *p)
{
	close(p->cfd);
	close(p->sfd);
	close(p->lfd);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static struct conn ready(int fd)
{
	struct conn c;

	memset(&c, 0, sizeof(c));
	c.fd = fd;
	c.state = CONN_READY;
	c.last_rx_ms = now_ms();
	return c;
}

static void within_bound_is_alive(void **state)
{
	struct conn c = ready(-1);

	(void)state;
	assert_false(conn_peer_dead(&c, c.last_rx_ms + 999, 1000));
}

static void silent_tcp_is_dead(void **state)
{
	struct pair p;
	struct conn c;

	(void)state;
	tcp_pair(&p);
	sleep_ms(250);
	c = ready(p.cfd);
	/* Nothing from the peer's TCP for 250 ms: a 100 ms bound has passed. */
	assert_true(conn_peer_dead(&c, c.last_rx_ms + 100, 100));
	pair_close(&p);
}

static void tcp_hearing_the_peer_keeps_it(void **state)
{
	struct pair p;
	struct conn c;
	char b[16];

	(void)state;
	tcp_pair(&p);
	sleep_ms(250);
	/* The peer's kernel just delivered data (its daemon's frames are late). */
	assert_int_equal(4, write(p.sfd, "ping", 4));
	assert_int_equal(4, read(p.cfd, b, sizeof(b)));
	c = ready(p.cfd);
	assert_false(conn_peer_dead(&c, c.last_rx_ms + 1000, 1000));
	/* ... but never beyond three bounds of silence. */
	assert_true(conn_peer_dead(&c, c.last_rx_ms + 3000, 1000));
	pair_close(&p);
}

static void not_ready_or_not_tcp_is_dead(void **state)
{
	struct pair p;
	struct conn c;
	int sv[2];

	(void)state;
	tcp_pair(&p);
	c = ready(p.cfd);
	c.state = CONN_HANDSHAKE;	/* the handshake has its own bound */
	assert_true(conn_peer_dead(&c, c.last_rx_ms + 1000, 1000));
	pair_close(&p);
	assert_int_equal(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	c = ready(sv[0]);
	assert_true(conn_peer_dead(&c, c.last_rx_ms + 1000, 1000));
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(within_bound_is_alive),
		cmocka_unit_test(silent_tcp_is_dead),
		cmocka_unit_test(tcp_hearing_the_peer_keeps_it),
		cmocka_unit_test(not_ready_or_not_tcp_is_dead),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
