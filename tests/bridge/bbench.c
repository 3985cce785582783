// SPDX-License-Identifier: GPL-2.0
/*
 * bbench: load generator and meter of the bridge benchmark
 * (tests/bridge/bench).  One message format for every system: the
 * message's sequence number and its send time (CLOCK_MONOTONIC, ns) in
 * the first 16 bytes, then filler.  Publisher and subscriber run in one
 * machine (two network namespaces), so one clock times both ends.
 *
 *   bbench kpub TOPIC SIZE RATE SECS         publish into a kstream topic
 *   bbench ksub TOPIC IDLE MAXSECS           read a kstream topic from its oldest
 *   bbench mpub HOST PORT SIZE RATE SECS     publish with MQTT QoS 1 (topic bench/b)
 *   bbench msub HOST PORT IDLE MAXSECS       subscribe with MQTT QoS 1 (bench/#)
 *   bbench tcp-echo PORT                     echo one TCP client's bytes back
 *   bbench tcp-ping HOST PORT SIZE COUNT     round trips over one TCP connection
 *
 * RATE 0 publishes as fast as the destination takes messages (a kstream
 * block topic holds the producer back; MQTT: at most WINDOW messages
 * unacknowledged), for SECS seconds.  Publishers print "produced N"
 * (mpub: "produced N acked A").  Subscribers stop IDLE seconds after the
 * last message (once one arrived) or after MAXSECS, and print
 *
 *   received R distinct D duplicates X out_of_order O msg_s M mb_s B p50_us P p99_us Q
 *
 * where the rates run from the first message's send time to the last
 * one's arrival and the latencies from send to arrival.  tcp-ping prints
 * "rtt p50_us P p99_us Q".  Exit 0, or 1 with a message on stderr.
 *
 * MQTT clients use a clean session unless BBENCH_SESSION=persistent (the
 * fault runs: the brokers then keep QoS 1 state across reconnects).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <mosquitto.h>

#include "libkstream.h"

#define HDR 16
#define SIZE_MAX_MSG (1 << 20)
#define SEQ_MAX (1ULL << 28)		/* the distinct-bitmap bound: 32 MiB */
#define LAT_MAX (1 << 22)		/* latency samples kept */
#define WINDOW 1000			/* MQTT: unacknowledged publishes */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / 1000000000ULL),
			       .tv_nsec = (long)(t % 1000000000ULL) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bbench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static uint64_t num(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end)
		die("%s: not a number: %s", what, s);
	return v;
}

/* ---- the meter ---- */

struct meter {
	uint8_t *seen;			/* bitmap of sequences */
	uint64_t seen_bits;
	uint64_t received, distinct, dups, disorder, bytes;
	uint64_t max_seq;
	bool any;
	uint64_t first_sent, last_arrival;
	uint32_t *lat_us;
	uint64_t nlat;
};

static void meter_init(struct meter *m)
{
	memset(m, 0, sizeof(*m));
	m->lat_us = malloc(sizeof(*m->lat_us) * LAT_MAX);
	if (!m->lat_us)
		die("out of memory");
}

static void meter_add(struct meter *m, const uint8_t *data, size_t len, uint64_t arrival)
{
	uint64_t seq, sent;

	m->received++;
	m->last_arrival = arrival;
	if (len < HDR)
		return;
	memcpy(&seq, data, 8);
	memcpy(&sent, data + 8, 8);
	if (seq >= SEQ_MAX)
		die("sequence %llu beyond the meter's bound", (unsigned long long)seq);
	if (seq >= m->seen_bits) {
		uint64_t bits = m->seen_bits ? m->seen_bits : 1 << 16;
		uint8_t *p;

		while (bits <= seq)
			bits *= 2;
		p = realloc(m->seen, bits / 8);
		if (!p)
			die("out of memory");
		memset(p + m->seen_bits / 8, 0, (bits - m->seen_bits) / 8);
		m->seen = p;
		m->seen_bits = bits;
	}
	if (m->seen[seq / 8] & (1u << (seq % 8))) {
		m->dups++;
		return;
	}
	m->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
	m->distinct++;
	m->bytes += len;
	if (m->any && seq < m->max_seq)
		m->disorder++;
	if (!m->any || seq > m->max_seq)
		m->max_seq = seq;
	if (!m->any || sent < m->first_sent)
		m->first_sent = sent;
	m->any = true;
	if (m->nlat < LAT_MAX)
		m->lat_us[m->nlat++] = arrival > sent ? (uint32_t)((arrival - sent) / 1000) : 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The @p quantile of the sorted @v[@n]. */
static uint32_t pct(const uint32_t *v, uint64_t n, double p)
{
	if (!n)
		return 0;
	return v[(uint64_t)(p * (double)(n - 1) + 0.5)];
}

static void meter_print(struct meter *m)
{
	double secs = m->any && m->last_arrival > m->first_sent ?
		(double)(m->last_arrival - m->first_sent) / 1e9 : 0;

	qsort(m->lat_us, m->nlat, sizeof(*m->lat_us), cmp_u32);
	printf("received %llu distinct %llu duplicates %llu out_of_order %llu "
	       "msg_s %.0f mb_s %.3f p50_us %u p99_us %u\n",
	       (unsigned long long)m->received, (unsigned long long)m->distinct,
	       (unsigned long long)m->dups, (unsigned long long)m->disorder,
	       secs > 0 ? (double)m->distinct / secs : 0,
	       secs > 0 ? (double)m->bytes / secs / 1e6 : 0,
	       pct(m->lat_us, m->nlat, 0.5), pct(m->lat_us, m->nlat, 0.99));
}

/* The message with sequence @seq, stamped now. */
static void stamp(uint8_t *buf, uint64_t seq)
{
	uint64_t t = now_ns();

	memcpy(buf, &seq, 8);
	memcpy(buf + 8, &t, 8);
}

static uint8_t *message_buffer(size_t size)
{
	uint8_t *buf;
	size_t i;

	if (size < HDR || size > SIZE_MAX_MSG)
		die("size %zu: from %d to %d bytes", size, HDR, SIZE_MAX_MSG);
	buf = malloc(size);
	if (!buf)
		die("out of memory");
	/* Filler that does not compress to nothing. */
	for (i = HDR; i < size; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	return buf;
}

/* ---- kstream ---- */

static int kpub(const char *topic, size_t size, uint64_t rate, uint64_t secs)
{
	struct ks_producer *p;
	uint8_t *buf = message_buffer(size);
	uint64_t start = now_ns(), end = start + secs * 1000000000ULL, n = 0;
	int e;

	e = ks_producer_open(&p, topic, 0);
	if (e)
		die("%s: %s", topic, strerror(-e));
	while (now_ns() < end) {
		if (rate)
			sleep_until(start + n * 1000000000ULL / rate);
		stamp(buf, n);
		e = ks_publish(p, buf, size);
		if (e == -EINTR)
			continue;
		if (e)
			die("publishing to %s: %s", topic, strerror(-e));
		n++;
	}
	ks_producer_close(p);
	printf("produced %llu\n", (unsigned long long)n);
	return 0;
}

static int ksub(const char *topic, uint64_t idle, uint64_t maxsecs)
{
	struct ks_consumer *c;
	struct meter m;
	struct ks_msg msg;
	uint64_t start = now_ns(), last = start;
	int e;

	meter_init(&m);
	e = ks_consumer_open(&c, topic, KS_NONBLOCK);
	if (e)
		die("%s: %s", topic, strerror(-e));
	if (ks_seek(c, KS_SEEK_OLDEST, 0) < 0)
		die("%s: seek", topic);
	for (;;) {
		uint64_t now = now_ns();
		struct pollfd pfd = { .fd = ks_consumer_fd(c), .events = POLLIN };

		e = ks_next(c, &msg);
		if (e == 1) {
			last = now_ns();
			meter_add(&m, msg.data, msg.len, last);
			continue;
		}
		if (e < 0)
			break;	/* deleted */
		if (now - start >= maxsecs * 1000000000ULL ||
		    (m.received && now - last >= idle * 1000000000ULL))
			break;
		poll(&pfd, 1, 100);
	}
	ks_consumer_close(c);
	meter_print(&m);
	return 0;
}

/* ---- MQTT (libmosquitto) ---- */

static atomic_ullong mq_acked;
static struct meter mq_meter;
static uint64_t mq_last;

static void on_publish(struct mosquitto *mosq, void *obj, int mid)
{
	(void)mosq;
	(void)obj;
	(void)mid;
	atomic_fetch_add(&mq_acked, 1);
}

static void on_connect_sub(struct mosquitto *mosq, void *obj, int rc)
{
	(void)obj;
	if (!rc)
		mosquitto_subscribe(mosq, NULL, "bench/#", 1);
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
	(void)mosq;
	(void)obj;
	mq_last = now_ns();
	meter_add(&mq_meter, msg->payload, (size_t)msg->payloadlen, mq_last);
}

static struct mosquitto *mq_new(const char *role, bool pub)
{
	char id[64];
	struct mosquitto *mosq;

	mosquitto_lib_init();
	const char *session = getenv("BBENCH_SESSION");
	bool persistent = session && !strcmp(session, "persistent");

	snprintf(id, sizeof(id), "bbench-%s-%d", role, (int)getpid());
	mosq = mosquitto_new(id, !persistent, NULL);
	if (!mosq)
		die("mosquitto_new: %s", strerror(errno));
	mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_reconnect_delay_set(mosq, 1, 2, false);
	if (pub)
		mosquitto_publish_callback_set(mosq, on_publish);
	else
		mosquitto_connect_callback_set(mosq, on_connect_sub);
	return mosq;
}

/*
 * Publishes not yet acknowledged.  After a reconnect a resent message can
 * be acknowledged twice (on_publish counts each PUBACK), so acked may
 * exceed n: then nothing is outstanding.
 */
static uint64_t outstanding(uint64_t n)
{
	uint64_t acked = atomic_load(&mq_acked);

	return n > acked ? n - acked : 0;
}

static int mpub(const char *host, int port, size_t size, uint64_t rate, uint64_t secs)
{
	struct mosquitto *mosq = mq_new("pub", true);
	uint8_t *buf = message_buffer(size);
	uint64_t start, end, n = 0, wait_end;
	int rc;

	mosquitto_max_inflight_messages_set(mosq, WINDOW);
	rc = mosquitto_connect(mosq, host, port, 10);
	if (rc)
		die("connecting to %s:%d: %s", host, port, mosquitto_strerror(rc));
	if (mosquitto_loop_start(mosq))
		die("mosquitto_loop_start");
	start = now_ns();
	end = start + secs * 1000000000ULL;
	while (now_ns() < end) {
		if (rate)
			sleep_until(start + n * 1000000000ULL / rate);
		while (outstanding(n) >= WINDOW && now_ns() < end)
			usleep(100);
		if (outstanding(n) >= WINDOW)
			break;
		stamp(buf, n);
		rc = mosquitto_publish(mosq, NULL, "bench/b", (int)size, buf, 1, false);
		if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST) {
			usleep(10000);	/* the loop thread reconnects; the same message again */
			continue;
		}
		if (rc)
			die("publish: %s", mosquitto_strerror(rc));
		n++;
	}
	/* What was published gets its acknowledgement, or 60 s pass. */
	wait_end = now_ns() + 60000000000ULL;
	while (outstanding(n) && now_ns() < wait_end)
		usleep(10000);
	mosquitto_disconnect(mosq);
	mosquitto_loop_stop(mosq, false);
	mosquitto_destroy(mosq);
	printf("produced %llu unacknowledged %llu\n", (unsigned long long)n,
	       (unsigned long long)outstanding(n));
	return 0;
}

static int msub(const char *host, int port, uint64_t idle, uint64_t maxsecs)
{
	struct mosquitto *mosq = mq_new("sub", false);
	uint64_t start = now_ns();
	int rc;

	meter_init(&mq_meter);
	mosquitto_message_callback_set(mosq, on_message);
	rc = mosquitto_connect(mosq, host, port, 10);
	if (rc)
		die("connecting to %s:%d: %s", host, port, mosquitto_strerror(rc));
	for (;;) {
		uint64_t now = now_ns();

		if (now - start >= maxsecs * 1000000000ULL ||
		    (mq_meter.received && now - mq_last >= idle * 1000000000ULL))
			break;
		rc = mosquitto_loop(mosq, 100, 1);
		if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST) {
			usleep(500000);	/* the broker restarts: try again */
			mosquitto_reconnect(mosq);
		}
	}
	mosquitto_disconnect(mosq);
	mosquitto_destroy(mosq);
	meter_print(&mq_meter);
	return 0;
}

/* ---- raw TCP ---- */

static int full(int fd, uint8_t *buf, size_t len, bool wr)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = wr ? write(fd, buf + off, len - off) : read(fd, buf + off, len - off);

		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static int tcp_echo(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	uint8_t buf[65536];
	int one = 1, l, fd;
	ssize_t n;

	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 1))
		die("tcp-echo: port %d: %s", port, strerror(errno));
	fd = accept(l, NULL, NULL);
	if (fd < 0)
		die("accept: %s", strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (full(fd, buf, (size_t)n, true))
			break;
	close(fd);
	close(l);
	return 0;
}

static int tcp_ping(const char *host, const char *port, size_t size, uint64_t count)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	uint8_t *buf = message_buffer(size);
	uint32_t *rtt = malloc(sizeof(*rtt) * count);
	int fd, one = 1, e, tries;
	uint64_t i;

	if (!rtt || !count)
		die("count %llu", (unsigned long long)count);
	e = getaddrinfo(host, port, &hints, &ai);
	if (e)
		die("%s: %s", host, gai_strerror(e));
	/* The echo server may still be starting. */
	for (tries = 0;; tries++) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && !connect(fd, ai->ai_addr, ai->ai_addrlen))
			break;
		if (fd >= 0)
			close(fd);
		if (tries == 50)
			die("connecting to %s:%s: %s", host, port, strerror(errno));
		usleep(100000);
	}
	freeaddrinfo(ai);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (i = 0; i < count; i++) {
		uint64_t t = now_ns();

		if (full(fd, buf, size, true) || full(fd, buf, size, false))
			die("round trip %llu: %s", (unsigned long long)i, strerror(errno));
		rtt[i] = (uint32_t)((now_ns() - t) / 1000);
	}
	close(fd);
	qsort(rtt, count, sizeof(*rtt), cmp_u32);
	printf("rtt p50_us %u p99_us %u\n", pct(rtt, count, 0.5), pct(rtt, count, 0.99));
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "kpub") && argc == 6)
		return kpub(argv[2], num(argv[3], "size"), num(argv[4], "rate"),
			    num(argv[5], "secs"));
	if (!strcmp(cmd, "ksub") && argc == 5)
		return ksub(argv[2], num(argv[3], "idle"), num(argv[4], "maxsecs"));
	if (!strcmp(cmd, "mpub") && argc == 7)
		return mpub(argv[2], (int)num(argv[3], "port"), num(argv[4], "size"),
			    num(argv[5], "rate"), num(argv[6], "secs"));
	if (!strcmp(cmd, "msub") && argc == 6)
		return msub(argv[2], (int)num(argv[3], "port"), num(argv[4], "idle"),
			    num(argv[5], "maxsecs"));
	if (!strcmp(cmd, "tcp-echo") && argc == 3)
		return tcp_echo((int)num(argv[2], "port"));
	if (!strcmp(cmd, "tcp-ping") && argc == 6)
		return tcp_ping(argv[2], argv[3], num(argv[4], "size"), num(argv[5], "count"));
	fprintf(stderr, "usage: see the top of tests/bridge/bbench.c\n");
	return 2;
}
