// SPDX-License-Identifier: GPL-2.0
/*
 * MQTT, QoS 0, through a Mosquitto broker on 127.0.0.1:1883 (the suite
 * starts it with tests/bench/mosquitto.conf: no limit on queued messages,
 * so QoS 0 is lossless on loopback, and TCP_NODELAY).  A libmosquitto
 * client per reader and per producer, each driven by the thread that uses
 * it (no library threads): a reader runs the client's loop until its
 * message callback has queued something; a producer publishes and then
 * writes until the client has nothing left to send, so TCP gives it the
 * broker's backpressure.  That is not end-to-end: the broker reads faster
 * than it delivers to many subscribers and queues the rest without bound,
 * so the workload keeps producers within a window of the slowest reader
 * (bench.h: window).  No busy-polling readers: the broker is a third
 * party that needs the CPUs they would spin on.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mosquitto.h>

#include "bench.h"

#define MQTT_HOST "127.0.0.1"
#define MQTT_PORT 1883

struct bench_reader {
	struct mosquitto *m;
	bool subscribed;
	size_t size;
	/* messages received, not handed out yet: a ring of size-byte slots */
	uint8_t *slots;
	size_t *lens;
	unsigned int cap, head, tail;	/* free-running */
	int err;
};

struct bench_prod {
	struct mosquitto *m;
	const char *topic;
};

struct bench_stream {
	struct bench_cfg cfg;
	struct bench_reader *readers;
	struct bench_prod *prods;
};

static int mq_errno(int rc)
{
	return rc == MOSQ_ERR_ERRNO ? -errno : -EIO;
}

static int mt_init(void)
{
	return mosquitto_lib_init() == MOSQ_ERR_SUCCESS ? 0 : -EIO;
}

static int mt_open(const struct bench_cfg *cfg, struct bench_stream **sp)
{
	struct bench_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	s->readers = calloc(cfg->readers, sizeof(*s->readers));
	s->prods = calloc(cfg->producers, sizeof(*s->prods));
	*sp = s;
	return s->readers && s->prods ? 0 : -ENOMEM;
}

static int mt_grow(struct bench_reader *r)
{
	unsigned int cap = r->cap ? r->cap * 2 : 64, i, n = r->head - r->tail;
	uint8_t *slots = malloc((size_t)cap * r->size);
	size_t *lens = malloc(cap * sizeof(*lens));

	if (!slots || !lens) {
		free(slots);
		free(lens);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		unsigned int k = (r->tail + i) % r->cap;

		memcpy(slots + (size_t)i * r->size, r->slots + (size_t)k * r->size, r->size);
		lens[i] = r->lens[k];
	}
	free(r->slots);
	free(r->lens);
	r->slots = slots;
	r->lens = lens;
	r->cap = cap;
	r->tail = 0;
	r->head = n;
	return 0;
}

static void mt_on_message(struct mosquitto *m, void *obj,
			  const struct mosquitto_message *msg)
{
	struct bench_reader *r = obj;
	unsigned int k;

	(void)m;
	if (r->head - r->tail == r->cap && (r->err = mt_grow(r)))
		return;
	if ((size_t)msg->payloadlen > r->size) {
		r->err = -EMSGSIZE;
		return;
	}
	k = r->head++ % r->cap;
	memcpy(r->slots + (size_t)k * r->size, msg->payload, msg->payloadlen);
	r->lens[k] = msg->payloadlen;
}

static void mt_on_subscribe(struct mosquitto *m, void *obj, int mid,
			    int qos_count, const int *granted)
{
	struct bench_reader *r = obj;

	(void)m;
	(void)mid;
	(void)qos_count;
	(void)granted;
	r->subscribed = true;
}

static int mt_client(struct mosquitto **mp, void *obj)
{
	struct mosquitto *m = mosquitto_new(NULL, true, obj);
	int rc;

	if (!m)
		return -errno;
	*mp = m;
	mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
	rc = mosquitto_connect(m, MQTT_HOST, MQTT_PORT, 600);
	return rc == MOSQ_ERR_SUCCESS ? 0 : mq_errno(rc);
}

static int mt_reader(struct bench_stream *s, unsigned int idx,
		     struct bench_reader **rp)
{
	struct bench_reader *r = &s->readers[idx];
	int err, rc;

	r->size = s->cfg.size;
	err = mt_client(&r->m, r);
	if (err)
		return err;
	mosquitto_message_callback_set(r->m, mt_on_message);
	mosquitto_subscribe_callback_set(r->m, mt_on_subscribe);
	rc = mosquitto_subscribe(r->m, NULL, s->cfg.name, 0);
	if (rc != MOSQ_ERR_SUCCESS)
		return mq_errno(rc);
	/* The broker routes to us once it acknowledged the subscription. */
	while (!r->subscribed) {
		rc = mosquitto_loop(r->m, 1000, 1);
		if (rc != MOSQ_ERR_SUCCESS)
			return mq_errno(rc);
	}
	*rp = r;
	return 0;
}

static int mt_producer(struct bench_stream *s, unsigned int idx,
		       struct bench_prod **pp)
{
	struct bench_prod *p = &s->prods[idx];
	int err = mt_client(&p->m, p);

	p->topic = s->cfg.name;
	if (!err)
		*pp = p;
	return err;
}

static int mt_send(struct bench_prod *p, const void *buf, size_t len)
{
	struct pollfd pfd = { .fd = mosquitto_socket(p->m), .events = POLLOUT };
	int rc;

	rc = mosquitto_publish(p->m, NULL, p->topic, len, buf, 0, false);
	if (rc != MOSQ_ERR_SUCCESS)
		return mq_errno(rc);
	while (mosquitto_want_write(p->m)) {
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return -errno;
		rc = mosquitto_loop_write(p->m, 1);
		if (rc != MOSQ_ERR_SUCCESS)
			return mq_errno(rc);
	}
	return 0;
}

static int mt_recv(struct bench_reader *r, struct bench_msg *m)
{
	int rc;

	while (r->head == r->tail && !r->err) {
		rc = mosquitto_loop(r->m, 1000, 1);
		if (rc != MOSQ_ERR_SUCCESS)
			return mq_errno(rc);
	}
	if (r->err)
		return r->err;
	m->data = r->slots + (size_t)(r->tail % r->cap) * r->size;
	m->len = r->lens[r->tail % r->cap];
	return 0;
}

static void mt_release(struct bench_reader *r)
{
	r->tail++;
}

static void mt_close(struct bench_stream *s)
{
	unsigned int i;

	for (i = 0; s->readers && i < s->cfg.readers; i++) {
		if (s->readers[i].m) {
			mosquitto_disconnect(s->readers[i].m);
			mosquitto_destroy(s->readers[i].m);
		}
		free(s->readers[i].slots);
		free(s->readers[i].lens);
	}
	for (i = 0; s->prods && i < s->cfg.producers; i++) {
		if (s->prods[i].m) {
			mosquitto_disconnect(s->prods[i].m);
			mosquitto_destroy(s->prods[i].m);
		}
	}
	free(s->readers);
	free(s->prods);
	free(s);
}

const struct bench_transport bench_mqtt = {
	.name = "mqtt",
	.desc = "MQTT QoS 0 via a Mosquitto broker on loopback",
	.window = true,
	.init = mt_init,
	.open = mt_open,
	.reader = mt_reader,
	.producer = mt_producer,
	.send = mt_send,
	.recv = mt_recv,
	.release = mt_release,
	.close = mt_close,
};
