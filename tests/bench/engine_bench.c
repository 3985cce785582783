// SPDX-License-Identifier: GPL-2.0
/*
 * engine_bench: what streambridge's engine routes cost on top of the
 * engine (tests/bench/suite runs it; a benchmark, not a test).
 *
 *   engine_bench mqtt-pair SIZE SECS   libmosquitto publisher -> Mosquitto
 *                                      (127.0.0.1:1883) -> subscriber, QoS 1,
 *                                      256 publishes in flight
 *   engine_bench nats-pair SIZE SECS   nats.c asynchronous JetStream publishes
 *                                      (256 pending) -> stream EB (memory) on
 *                                      127.0.0.1:4222 -> pull consumer, acks
 *   engine_bench route SRC DST SIZE SECS NAME
 *                                      kstream topic SRC -> (streambridge's out
 *                                      and in routes through an engine) -> DST
 *
 * Each prints one line: "result workload=engine transport=NAME size=SIZE
 * msg_s=... p50_us=... p99_us=... status=ok": messages per second
 * received while the sender keeps its window full for SECS, then the
 * one-way latency of 300 messages sent one at a time (sender and receiver
 * are in this process: one clock).  The route's figure minus the pair's is
 * what the route adds.  Every message carries its index: a lost,
 * repeated or reordered one makes the status FAILED.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>
#include <nats/nats.h>

#include "libkstream.h"

#define WINDOW		256
#define LAT_ROUNDS	300
#define MAXSIZE		65536

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Payload: u64 index, u64 send time, filler. */
static void stamp(uint8_t *buf, size_t size, uint64_t i)
{
	uint64_t t = now_ns();

	memcpy(buf, &i, 8);
	memcpy(buf + 8, &t, 8);
	memset(buf + 16, (int)(i & 0xff), size - 16);
}

struct recv {
	uint64_t next, bad;		/* next index expected; out of order/lost/repeated */
	uint64_t lat_ns;		/* of the last message */
	uint64_t last_ns;
};

static void got(struct recv *r, const void *data, size_t len)
{
	uint64_t i, t;

	if (len < 16) {
		r->bad++;
		return;
	}
	memcpy(&i, data, 8);
	memcpy(&t, (const uint8_t *)data + 8, 8);
	if (i != r->next)
		r->bad++;
	r->next = i + 1;
	r->last_ns = now_ns();
	r->lat_ns = r->last_ns - t;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *name, size_t size, double msg_s, uint64_t *lat, int n, bool ok)
{
	if (!ok || n < LAT_ROUNDS) {
		printf("result workload=engine transport=%s size=%zu status=FAILED\n", name, size);
	} else {
		qsort(lat, (size_t)n, sizeof(*lat), cmp_u64);
		printf("result workload=engine transport=%s size=%zu msg_s=%.0f p50_us=%.1f "
		       "p99_us=%.1f status=ok\n", name, size, msg_s, lat[n / 2] / 1e3,
		       lat[n * 99 / 100] / 1e3);
	}
	fflush(stdout);	/* the figure survives a failing teardown */
}

/* ---- MQTT ---- */

struct mq {
	struct mosquitto *pub, *sub;
	struct recv r;
	int inflight;
	bool subscribed;
};

static void mq_on_publish(struct mosquitto *m, void *obj, int mid)
{
	struct mq *q = obj;

	(void)m;
	(void)mid;
	q->inflight--;
}

static void mq_on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
	struct mq *q = obj;

	(void)m;
	got(&q->r, msg->payload, (size_t)msg->payloadlen);
}

static void mq_on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *granted)
{
	struct mq *q = obj;

	(void)m;
	(void)mid;
	(void)n;
	(void)granted;
	q->subscribed = true;
}

static int mq_pump(struct mq *q, int timeout_ms)
{
	struct mosquitto *c[2] = { q->pub, q->sub };
	struct pollfd p[2];
	int i;

	for (i = 0; i < 2; i++)
		p[i] = (struct pollfd){ .fd = mosquitto_socket(c[i]), .events = POLLIN |
					(mosquitto_want_write(c[i]) ? POLLOUT : 0) };
	poll(p, 2, timeout_ms);
	for (i = 0; i < 2; i++) {
		if ((p[i].revents & POLLIN) && mosquitto_loop_read(c[i], 64) != MOSQ_ERR_SUCCESS)
			return -1;
		if (mosquitto_want_write(c[i]) && mosquitto_loop_write(c[i], 64) != MOSQ_ERR_SUCCESS)
			return -1;
		mosquitto_loop_misc(c[i]);
	}
	return 0;
}

static struct mosquitto *mq_client(struct mq *q)
{
	struct mosquitto *m = mosquitto_new(NULL, true, q);

	if (!m)
		return NULL;
	mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_publish_callback_set(m, mq_on_publish);
	mosquitto_message_callback_set(m, mq_on_message);
	mosquitto_subscribe_callback_set(m, mq_on_subscribe);
	if (mosquitto_connect(m, "127.0.0.1", 1883, 60) != MOSQ_ERR_SUCCESS) {
		mosquitto_destroy(m);
		return NULL;
	}
	return m;
}

static int mqtt_pair(size_t size, double secs)
{
	static uint8_t buf[MAXSIZE];
	uint64_t lat[LAT_ROUNDS], sent = 0, t0, end, deadline;
	struct mq q = { 0 };
	int n = 0;
	bool ok;

	mosquitto_lib_init();
	q.pub = mq_client(&q);
	q.sub = mq_client(&q);
	if (!q.pub || !q.sub || mosquitto_subscribe(q.sub, NULL, "eb/t", 1) != MOSQ_ERR_SUCCESS)
		return 1;
	deadline = now_ns() + 10000000000ULL;
	while (!q.subscribed && now_ns() < deadline)
		mq_pump(&q, 100);
	t0 = now_ns();
	end = t0 + (uint64_t)(secs * 1e9);
	while (now_ns() < end) {
		while (q.inflight < WINDOW) {
			stamp(buf, size, sent);
			if (mosquitto_publish(q.pub, NULL, "eb/t", (int)size, buf, 1, false))
				return 1;
			sent++;
			q.inflight++;
		}
		if (mq_pump(&q, 100))
			return 1;
	}
	deadline = now_ns() + 30000000000ULL;
	while (q.r.next < sent && now_ns() < deadline)
		mq_pump(&q, 100);
	ok = q.r.next == sent && !q.r.bad;
	double rate = (double)sent / ((double)(q.r.last_ns - t0) / 1e9);

	for (n = 0; n < LAT_ROUNDS; n++) {
		uint64_t want = q.r.next + 1;

		stamp(buf, size, q.r.next);
		mosquitto_publish(q.pub, NULL, "eb/t", (int)size, buf, 1, false);
		deadline = now_ns() + 5000000000ULL;
		while (q.r.next < want && now_ns() < deadline)
			mq_pump(&q, 10);
		if (q.r.next < want)
			break;
		lat[n] = q.r.lat_ns;
	}
	report("mqtt-pair", size, rate, lat, n, ok && !q.r.bad);
	mosquitto_destroy(q.pub);
	mosquitto_destroy(q.sub);
	mosquitto_lib_cleanup();
	return 0;
}

/* ---- NATS JetStream ---- */

struct np {
	jsCtx *js;
	size_t size;
	uint64_t end_ns, sent;
	volatile bool done;
};

static void *np_publisher(void *arg)
{
	static uint8_t buf[MAXSIZE];
	struct np *p = arg;

	while (now_ns() < p->end_ns) {
		stamp(buf, p->size, p->sent);
		if (js_PublishAsync(p->js, "eb.t", buf, (int)p->size, NULL) != NATS_OK)
			break;
		p->sent++;
	}
	js_PublishAsyncComplete(p->js, NULL);
	p->done = true;
	return NULL;
}

static int nats_fetch(natsSubscription *sub, struct recv *r, int batch, int64_t timeout_ms)
{
	natsMsgList list = { 0 };
	int i;

	if (natsSubscription_Fetch(&list, sub, batch, timeout_ms, NULL) != NATS_OK)
		return 0;
	for (i = 0; i < list.Count; i++) {
		got(r, natsMsg_GetData(list.Msgs[i]), (size_t)natsMsg_GetDataLength(list.Msgs[i]));
		natsMsg_Ack(list.Msgs[i], NULL);
	}
	i = list.Count;
	natsMsgList_Destroy(&list);
	return i;
}

static int nats_pair(size_t size, double secs)
{
	static uint8_t buf[MAXSIZE];
	natsConnection *nc = NULL;
	natsSubscription *sub = NULL;
	jsStreamInfo *si = NULL;
	jsStreamConfig sc;
	jsSubOptions so;
	jsOptions jo;
	const char *subj[1] = { "eb.t" };
	uint64_t lat[LAT_ROUNDS], t0, deadline;
	struct np p = { .size = size };
	struct recv r = { 0 };
	pthread_t th;
	int n;

	if (nats_Open(-1) != NATS_OK || natsConnection_ConnectTo(&nc, "nats://127.0.0.1:4222"))
		return 1;
	jsOptions_Init(&jo);
	jo.PublishAsync.MaxPending = WINDOW;
	if (natsConnection_JetStream(&p.js, nc, &jo) != NATS_OK)
		return 1;
	js_DeleteStream(p.js, "EB", NULL, NULL);
	jsStreamConfig_Init(&sc);
	sc.Name = "EB";
	sc.Subjects = subj;
	sc.SubjectsLen = 1;
	sc.Storage = js_MemoryStorage;
	if (js_AddStream(&si, p.js, &sc, NULL, NULL) != NATS_OK)
		return 1;
	jsStreamInfo_Destroy(si);
	jsSubOptions_Init(&so);
	so.Config.AckPolicy = js_AckExplicit;
	if (js_PullSubscribe(&sub, p.js, "eb.t", "eb", NULL, &so, NULL) != NATS_OK)
		return 1;
	t0 = now_ns();
	p.end_ns = t0 + (uint64_t)(secs * 1e9);
	pthread_create(&th, NULL, np_publisher, &p);
	deadline = p.end_ns + 30000000000ULL;
	while ((!p.done || r.next < p.sent) && now_ns() < deadline)
		nats_fetch(sub, &r, WINDOW, 100);
	pthread_join(th, NULL);
	double rate = (double)p.sent / ((double)(r.last_ns - t0) / 1e9);
	bool ok = r.next == p.sent && !r.bad;

	for (n = 0; n < LAT_ROUNDS; n++) {
		uint64_t want = r.next + 1;

		stamp(buf, size, r.next);
		if (js_PublishAsync(p.js, "eb.t", buf, (int)size, NULL) != NATS_OK)
			break;
		deadline = now_ns() + 5000000000ULL;
		while (r.next < want && now_ns() < deadline)
			nats_fetch(sub, &r, 1, 1000);
		if (r.next < want)
			break;
		lat[n] = r.lat_ns;
	}
	report("nats-pair", size, rate, lat, n, ok && !r.bad);
	{
		/* No context destroyed under a publish acknowledgement still on its way. */
		jsPubOptions po;

		jsPubOptions_Init(&po);
		po.MaxWait = 5000;
		js_PublishAsyncComplete(p.js, &po);
	}
	natsSubscription_Destroy(sub);
	js_DeleteStream(p.js, "EB", NULL, NULL);
	jsCtx_Destroy(p.js);
	natsConnection_Destroy(nc);
	nats_Close();
	return 0;
}

/* ---- through a route ---- */

struct rp {
	struct ks_producer *p;
	size_t size;
	uint64_t end_ns, sent;
	volatile bool done;
};

static void *route_producer(void *arg)
{
	static uint8_t buf[MAXSIZE];
	struct rp *p = arg;

	while (now_ns() < p->end_ns) {
		stamp(buf, p->size, p->sent);
		if (ks_publish(p->p, buf, p->size))
			break;
		p->sent++;
	}
	p->done = true;
	return NULL;
}

static int route_next(struct ks_consumer *c, struct recv *r, int timeout_ms)
{
	struct pollfd pfd = { .fd = ks_consumer_fd(c), .events = POLLIN };
	struct ks_msg m;
	int n = ks_next(c, &m);

	if (n == 0) {
		poll(&pfd, 1, timeout_ms);
		n = ks_next(c, &m);
	}
	if (n <= 0)
		return 0;
	got(r, m.data, m.len);
	ks_release(c);
	return 1;
}

static int route(const char *src, const char *dst, size_t size, double secs, const char *name)
{
	static uint8_t buf[MAXSIZE];
	struct ks_consumer *c = NULL;
	uint64_t lat[LAT_ROUNDS], t0, deadline;
	struct rp p = { .size = size };
	struct recv r = { 0 };
	pthread_t th;
	int n;

	if (ks_producer_open(&p.p, src, 0) || ks_consumer_open(&c, dst, KS_NONBLOCK))
		return 1;
	t0 = now_ns();
	p.end_ns = t0 + (uint64_t)(secs * 1e9);
	pthread_create(&th, NULL, route_producer, &p);
	deadline = p.end_ns + 30000000000ULL;
	while ((!p.done || r.next < p.sent) && now_ns() < deadline)
		route_next(c, &r, 100);
	pthread_join(th, NULL);
	double rate = (double)p.sent / ((double)(r.last_ns - t0) / 1e9);
	bool ok = r.next == p.sent && !r.bad && !ks_lost(c);

	for (n = 0; n < LAT_ROUNDS; n++) {
		uint64_t want = r.next + 1;

		stamp(buf, size, r.next);
		if (ks_publish(p.p, buf, size))
			break;
		deadline = now_ns() + 5000000000ULL;
		while (r.next < want && now_ns() < deadline)
			route_next(c, &r, 100);
		if (r.next < want)
			break;
		lat[n] = r.lat_ns;
	}
	report(name, size, rate, lat, n, ok && !r.bad);
	ks_consumer_close(c);
	ks_producer_close(p.p);
	return 0;
}

int main(int argc, char **argv)
{
	size_t size;
	double secs;

	if (argc == 4 && (!strcmp(argv[1], "mqtt-pair") || !strcmp(argv[1], "nats-pair"))) {
		size = strtoul(argv[2], NULL, 0);
		secs = atof(argv[3]);
		if (size < 16 || size > MAXSIZE || secs <= 0)
			return 2;
		return argv[1][0] == 'm' ? mqtt_pair(size, secs) : nats_pair(size, secs);
	}
	if (argc == 7 && !strcmp(argv[1], "route")) {
		size = strtoul(argv[4], NULL, 0);
		secs = atof(argv[5]);
		if (size < 16 || size > MAXSIZE || secs <= 0)
			return 2;
		return route(argv[2], argv[3], size, secs, argv[6]);
	}
	fprintf(stderr, "usage: engine_bench mqtt-pair|nats-pair SIZE SECS\n"
		"       engine_bench route SRC DST SIZE SECS NAME\n");
	return 2;
}
