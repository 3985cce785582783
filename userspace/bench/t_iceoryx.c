// SPDX-License-Identifier: GPL-2.0
/*
 * Eclipse iceoryx (Debian's 2.0 packages) through its C binding: shared
 * memory managed by the RouDi daemon (the suite starts iox-roudi), true
 * zero-copy: the producer loans a chunk, writes the message into it and
 * publishes it; every reader gets a reference to the same chunk.  Lossless
 * configuration: the publisher waits for a full subscriber queue
 * (WAIT_FOR_CONSUMER / BLOCK_PRODUCER).  Subscriber queues hold the budget
 * of a kstream ring in the suite, in messages, within iceoryx's limit of
 * 256.  Blocking readers sleep in a WaitSet; busy-polling ones retry
 * iox_sub_take_chunk().
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iceoryx_binding_c/enums.h>
#include <iceoryx_binding_c/log.h>
#include <iceoryx_binding_c/notification_info.h>
#include <iceoryx_binding_c/publisher.h>
#include <iceoryx_binding_c/runtime.h>
#include <iceoryx_binding_c/subscriber.h>
#include <iceoryx_binding_c/wait_set.h>

#include "bench.h"

#define IOX_QUEUE_MAX 256
#define IOX_SERVICE "kstream-bench"

struct bench_reader {
	iox_sub_storage_t storage;
	iox_sub_t sub;
	iox_ws_storage_t ws_storage;
	iox_ws_t ws;
	const void *chunk;
	size_t size;
	bool spin;
};

struct bench_prod {
	iox_pub_storage_t storage;
	iox_pub_t pub;
};

struct bench_stream {
	struct bench_cfg cfg;
	struct bench_reader *readers;
	struct bench_prod *prods;
	unsigned int n_readers, n_prods;
};

static int ix_init(void)
{
	char name[64];

	iox_set_loglevel(Iceoryx_LogLevel_Warn);
	snprintf(name, sizeof(name), "kstream-bench-%d", getpid());
	iox_runtime_init(name);	/* aborts if RouDi does not answer */
	return 0;
}

static int ix_open(const struct bench_cfg *cfg, struct bench_stream **sp)
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

static int ix_reader(struct bench_stream *s, unsigned int idx,
		     struct bench_reader **rp)
{
	struct bench_reader *r = &s->readers[idx];
	iox_sub_options_t o;
	uint64_t q = BENCH_BUDGET / s->cfg.size;

	iox_sub_options_init(&o);
	o.queueCapacity = q < 2 ? 2 : q > IOX_QUEUE_MAX ? IOX_QUEUE_MAX : q;
	o.queueFullPolicy = QueueFullPolicy_BLOCK_PRODUCER;
	o.historyRequest = 16;	/* what was published before we connected */
	o.subscribeOnCreate = true;
	r->sub = iox_sub_init(&r->storage, IOX_SERVICE, s->cfg.name, "data", &o);
	if (!r->sub)
		return -EIO;
	s->n_readers = idx + 1;
	r->spin = s->cfg.spin;
	r->size = s->cfg.size;
	r->ws = iox_ws_init(&r->ws_storage);
	if (iox_ws_attach_subscriber_state(r->ws, r->sub, SubscriberState_HAS_DATA,
					   0, NULL) != WaitSetResult_SUCCESS)
		return -EIO;
	*rp = r;
	return 0;
}

static int ix_producer(struct bench_stream *s, unsigned int idx,
		       struct bench_prod **pp)
{
	struct bench_prod *p = &s->prods[idx];
	iox_pub_options_t o;
	unsigned int i, tries;

	iox_pub_options_init(&o);
	o.historyCapacity = 16;
	o.offerOnCreate = true;
	o.subscriberTooSlowPolicy = ConsumerTooSlowPolicy_WAIT_FOR_CONSUMER;
	p->pub = iox_pub_init(&p->storage, IOX_SERVICE, s->cfg.name, "data", &o);
	if (!p->pub)
		return -EIO;
	s->n_prods = idx + 1;
	*pp = p;
	if (idx + 1 < s->cfg.producers)
		return 0;
	/* RouDi connects subscribers to offers asynchronously: wait for it. */
	for (i = 0; i < s->cfg.readers; i++) {
		for (tries = 0; iox_sub_get_subscription_state(s->readers[i].sub) !=
				SubscribeState_SUBSCRIBED; tries++) {
			if (tries == 1000)
				return -ETIMEDOUT;
			usleep(10000);
		}
	}
	/* Subscribed to one publisher; give RouDi time for the others. */
	if (s->cfg.producers > 1)
		usleep(500000);
	return 0;
}

static int ix_send(struct bench_prod *p, const void *buf, size_t len)
{
	enum iox_AllocationResult res;
	void *chunk;

	/* Out of chunks: readers still hold them; retry. */
	while ((res = iox_pub_loan_chunk(p->pub, &chunk, len)) ==
	       AllocationResult_RUNNING_OUT_OF_CHUNKS)
		sched_yield();
	if (res != AllocationResult_SUCCESS)
		return -ENOMEM;
	memcpy(chunk, buf, len);
	iox_pub_publish_chunk(p->pub, chunk);	/* waits for full queues */
	return 0;
}

static int ix_recv(struct bench_reader *r, struct bench_msg *m)
{
	iox_notification_info_t info[1];
	enum iox_ChunkReceiveResult res;
	uint64_t missed;

	for (;;) {
		res = iox_sub_take_chunk(r->sub, &r->chunk);
		if (res == ChunkReceiveResult_SUCCESS)
			break;
		if (res != ChunkReceiveResult_NO_CHUNK_AVAILABLE)
			return -EIO;
		if (!r->spin)
			iox_ws_wait(r->ws, info, 1, &missed);
	}
	m->data = r->chunk;
	/*
	 * The C binding of 2.0 does not expose the payload size: every
	 * message of a run has the stream's size (the trailer check still
	 * catches a short one).
	 */
	m->len = r->size;
	return 0;
}

static void ix_release(struct bench_reader *r)
{
	iox_sub_release_chunk(r->sub, r->chunk);
}

static void ix_close(struct bench_stream *s)
{
	unsigned int i;

	for (i = 0; i < s->n_readers; i++) {
		iox_ws_detach_subscriber_state(s->readers[i].ws, s->readers[i].sub,
					       SubscriberState_HAS_DATA);
		iox_ws_deinit(s->readers[i].ws);
		iox_sub_deinit(s->readers[i].sub);
	}
	for (i = 0; i < s->n_prods; i++)
		iox_pub_deinit(s->prods[i].pub);
	free(s->readers);
	free(s->prods);
	free(s);
}

const struct bench_transport bench_iceoryx = {
	.name = "iceoryx",
	.desc = "Eclipse iceoryx 2.0 publish/subscribe in shared memory (C binding)",
	.can_spin = true,
	.init = ix_init,
	.open = ix_open,
	.reader = ix_reader,
	.producer = ix_producer,
	.send = ix_send,
	.recv = ix_recv,
	.release = ix_release,
	.close = ix_close,
};
