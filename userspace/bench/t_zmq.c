// SPDX-License-Identifier: GPL-2.0
/*
 * ZeroMQ PUB/SUB over ipc://, made lossless: each producer binds an XPUB
 * socket with ZMQ_XPUB_NODROP (a full subscriber pipe makes the send fail
 * with EAGAIN instead of dropping; the producer then waits for POLLOUT),
 * every reader connects a SUB socket to every producer.  The producer
 * counts the subscriptions its XPUB receives (ZMQ_XPUB_VERBOSE: all of
 * them, not only the first of each topic) before it starts, so that no
 * message goes out before every reader is subscribed.  High-water marks:
 * the budget of a kstream ring in the suite, in messages.  No busy-polling
 * readers: messages cross ZeroMQ's I/O thread, which spinning readers
 * would starve.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "bench.h"


struct bench_reader {
	void *sub;
	zmq_msg_t msg;
};

struct bench_prod {
	void *pub;
};

struct bench_stream {
	struct bench_cfg cfg;
	void *ctx;
	struct bench_prod *prods;
	struct bench_reader *readers;
	int hwm;
};

static void zb_endpoint(const struct bench_stream *s, unsigned int p,
			char *buf, size_t len)
{
	snprintf(buf, len, "ipc:///tmp/kstream-bench-%s.%u", s->cfg.name, p);
}

static void zb_close(struct bench_stream *s);

/* On failure nothing is left open: *sp is set only on success. */
static int zb_open(const struct bench_cfg *cfg, struct bench_stream **sp)
{
	struct bench_stream *s = calloc(1, sizeof(*s));
	int one = 1, linger = 0, err = -ENOMEM;
	char ep[128];
	unsigned int i;

	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	s->hwm = BENCH_BUDGET / cfg->size;
	if (s->hwm < 2)
		s->hwm = 2;
	s->ctx = zmq_ctx_new();
	s->prods = calloc(cfg->producers, sizeof(*s->prods));
	s->readers = calloc(cfg->readers, sizeof(*s->readers));
	if (!s->ctx || !s->prods || !s->readers)
		goto fail;
	/* Bound first, so that readers can connect. */
	for (i = 0; i < cfg->producers; i++) {
		void *pub = zmq_socket(s->ctx, ZMQ_XPUB);

		if (!pub)
			goto fail_errno;
		s->prods[i].pub = pub;
		zb_endpoint(s, i, ep, sizeof(ep));
		if (zmq_setsockopt(pub, ZMQ_SNDHWM, &s->hwm, sizeof(s->hwm)) ||
		    zmq_setsockopt(pub, ZMQ_XPUB_NODROP, &one, sizeof(one)) ||
		    zmq_setsockopt(pub, ZMQ_XPUB_VERBOSE, &one, sizeof(one)) ||
		    zmq_setsockopt(pub, ZMQ_LINGER, &linger, sizeof(linger)) ||
		    zmq_bind(pub, ep))
			goto fail_errno;
	}
	*sp = s;
	return 0;
fail_errno:
	err = -errno;
fail:
	zb_close(s);
	return err;
}

static int zb_reader(struct bench_stream *s, unsigned int idx,
		     struct bench_reader **rp)
{
	struct bench_reader *r = &s->readers[idx];
	int linger = 0;
	char ep[128];
	unsigned int i;

	r->sub = zmq_socket(s->ctx, ZMQ_SUB);
	if (!r->sub)
		return -errno;
	zmq_msg_init(&r->msg);
	if (zmq_setsockopt(r->sub, ZMQ_RCVHWM, &s->hwm, sizeof(s->hwm)) ||
	    zmq_setsockopt(r->sub, ZMQ_LINGER, &linger, sizeof(linger)) ||
	    zmq_setsockopt(r->sub, ZMQ_SUBSCRIBE, "", 0))
		return -errno;
	for (i = 0; i < s->cfg.producers; i++) {
		zb_endpoint(s, i, ep, sizeof(ep));
		if (zmq_connect(r->sub, ep))
			return -errno;
	}
	*rp = r;
	return 0;
}

/* Every XPUB has seen every reader's subscription. */
static int zb_ready(struct bench_stream *s)
{
	uint8_t buf[64];
	unsigned int i, n;
	int len;

	for (i = 0; i < s->cfg.producers; i++) {
		for (n = 0; n < s->cfg.readers;) {
			len = zmq_recv(s->prods[i].pub, buf, sizeof(buf), 0);
			if (len < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			if (len >= 1 && buf[0] == 1)	/* subscribe */
				n++;
		}
	}
	return 0;
}

static int zb_producer(struct bench_stream *s, unsigned int idx,
		       struct bench_prod **pp)
{
	*pp = &s->prods[idx];
	return 0;
}

static int zb_send(struct bench_prod *p, const void *buf, size_t len)
{
	zmq_pollitem_t it = { .socket = p->pub, .events = ZMQ_POLLOUT };

	while (zmq_send(p->pub, buf, len, ZMQ_DONTWAIT) < 0) {
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		/* NODROP: a subscriber's pipe is full; wait for room. */
		if (zmq_poll(&it, 1, 100) < 0 && errno != EINTR)
			return -errno;
	}
	return 0;
}

static int zb_recv(struct bench_reader *r, struct bench_msg *m)
{
	while (zmq_msg_recv(&r->msg, r->sub, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	m->data = zmq_msg_data(&r->msg);
	m->len = zmq_msg_size(&r->msg);
	return 0;
}

static void zb_release(struct bench_reader *r)
{
	(void)r;	/* the next zmq_msg_recv() releases the message */
}

static void zb_close(struct bench_stream *s)
{
	unsigned int i;

	for (i = 0; s->readers && i < s->cfg.readers; i++) {
		if (s->readers[i].sub) {
			zmq_msg_close(&s->readers[i].msg);
			zmq_close(s->readers[i].sub);
		}
	}
	for (i = 0; s->prods && i < s->cfg.producers; i++)
		if (s->prods[i].pub)
			zmq_close(s->prods[i].pub);
	if (s->ctx)
		zmq_ctx_term(s->ctx);
	free(s->readers);
	free(s->prods);
	free(s);
}

const struct bench_transport bench_zmq = {
	.name = "zeromq",
	.desc = "ZeroMQ XPUB/SUB over ipc:// (NODROP, lossless)",
	.open = zb_open,
	.reader = zb_reader,
	.ready = zb_ready,
	.producer = zb_producer,
	.send = zb_send,
	.recv = zb_recv,
	.release = zb_release,
	.close = zb_close,
};
