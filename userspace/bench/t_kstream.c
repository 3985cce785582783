// SPDX-License-Identifier: GPL-2.0
/*
 * kstream through libkstream, as an application uses it.  The topic
 * (cfg.name) must exist (tests/bench/suite creates it with the block
 * policy, so that the run is lossless and can be checked).
 *
 *   kstream-read   read(2), one message per call, into the reader's buffer
 *   kstream-batch  libkstream's copy consumer: records mode, many messages
 *                  per read(2)
 *   kstream-mmap   libkstream's zero-copy consumer (the ring mapped); with
 *                  -s it busy-polls instead of sleeping in poll(2)
 *   kstream-batch-cw, kstream-mmap-cw
 *                  the same with coalesced wakeups (ks_consumer_set_wakeup:
 *                  KS_CW_BYTES, at most KS_CW_DELAY_MS late), as a
 *                  throughput-bound consumer would configure them
 *   kstream-mmap-batchpub
 *                  kstream-mmap, the producer batching (libkstream's
 *                  batching producer: KS_BATCH_MSGS messages per write(2),
 *                  the kernel's batch publish), flushed after the final
 *                  message and after every ping-pong send
 *   kstream-mmap-adaptive
 *                  kstream-mmap whose consumer spins up to KS_SPIN_US on
 *                  the ring before it sleeps (ks_consumer_set_spin())
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/kstream.h>
#include <libkstream.h>

#include "bench.h"

enum ks_mode { KS_READ, KS_BATCH, KS_MMAP };

#define KS_CW_BYTES (BENCH_BUDGET / 64)
#define KS_CW_DELAY_MS 1
#define KS_BATCH_MSGS 64
#define KS_BATCH_BYTES (64 * 1024)
#define KS_BATCH_LINGER_US 1000
#define KS_SPIN_US 100

struct bench_stream {
	struct bench_cfg cfg;
	enum ks_mode mode;
	bool coalesce;
	bool batchpub;
	bool adaptive;
	struct bench_reader *readers;
	struct bench_prod *prods;
};

struct bench_reader {
	struct bench_stream *s;
	struct ks_consumer *c;
	uint8_t *buf;		/* read mode */
};

struct bench_prod {
	struct ks_producer *p;
	bool batch;
};

static int ks_open(const struct bench_cfg *cfg, enum ks_mode mode,
		   bool coalesce, struct bench_stream **sp)
{
	struct bench_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	s->mode = mode;
	s->coalesce = coalesce;
	s->readers = calloc(cfg->readers, sizeof(*s->readers));
	s->prods = calloc(cfg->producers, sizeof(*s->prods));
	if (!s->readers || !s->prods) {
		free(s->readers);
		free(s);
		return -ENOMEM;
	}
	*sp = s;
	return 0;
}

static int ks_open_read(const struct bench_cfg *cfg, struct bench_stream **s)
{
	return ks_open(cfg, KS_READ, false, s);
}

static int ks_open_batch(const struct bench_cfg *cfg, struct bench_stream **s)
{
	return ks_open(cfg, KS_BATCH, false, s);
}

static int ks_open_mmap(const struct bench_cfg *cfg, struct bench_stream **s)
{
	return ks_open(cfg, KS_MMAP, false, s);
}

static int ks_open_batch_cw(const struct bench_cfg *cfg, struct bench_stream **s)
{
	return ks_open(cfg, KS_BATCH, true, s);
}

static int ks_open_mmap_cw(const struct bench_cfg *cfg, struct bench_stream **s)
{
	return ks_open(cfg, KS_MMAP, true, s);
}

static int ks_open_mmap_batchpub(const struct bench_cfg *cfg,
				 struct bench_stream **s)
{
	int err = ks_open(cfg, KS_MMAP, false, s);

	if (!err)
		(*s)->batchpub = true;
	return err;
}

static int ks_open_mmap_adaptive(const struct bench_cfg *cfg,
				 struct bench_stream **s)
{
	int err = ks_open(cfg, KS_MMAP, false, s);

	if (!err)
		(*s)->adaptive = true;
	return err;
}

static int ks_reader(struct bench_stream *s, unsigned int idx,
		     struct bench_reader **rp)
{
	struct bench_reader *r = &s->readers[idx];
	unsigned int flags = 0;
	__u32 plain = 0;
	int err;

	if (s->mode == KS_MMAP)
		flags = KS_ZEROCOPY | (s->cfg.spin ? KS_NONBLOCK : 0);
	err = ks_consumer_open(&r->c, s->cfg.name, flags);
	if (err)
		return err;
	r->s = s;
	if (s->coalesce) {
		err = ks_consumer_set_wakeup(r->c, KS_CW_BYTES, KS_CW_DELAY_MS);
		if (err)
			return err;
	}
	if (s->adaptive) {
		err = ks_consumer_set_spin(r->c, KS_SPIN_US);
		if (err)
			return err;
	}
	if (s->mode == KS_READ) {
		/* Plain read(): one message per call, no record headers. */
		if (ioctl(ks_consumer_fd(r->c), KSTREAM_IOC_SET_FLAGS, &plain))
			return -errno;
		r->buf = malloc(s->cfg.size);
		if (!r->buf)
			return -ENOMEM;
	}
	*rp = r;
	return 0;
}

static int ks_producer(struct bench_stream *s, unsigned int idx,
		       struct bench_prod **pp)
{
	struct bench_prod *p = &s->prods[idx];
	int err = ks_producer_open(&p->p, s->cfg.name, 0);

	if (err)
		return err;
	p->batch = s->batchpub;
	if (p->batch) {
		err = ks_producer_batch_init(p->p, KS_BATCH_MSGS, KS_BATCH_BYTES,
					     KS_BATCH_LINGER_US);
		if (err)
			return err;
	}
	*pp = p;
	return 0;
}

static int ks_send(struct bench_prod *p, const void *buf, size_t len)
{
	if (p->batch)
		return ks_producer_batch_add(p->p, buf, len);
	return ks_publish(p->p, buf, len);
}

static int ks_flush(struct bench_prod *p)
{
	return p->batch ? ks_producer_batch_flush(p->p) : 0;
}

static int ks_recv(struct bench_reader *r, struct bench_msg *m)
{
	struct ks_msg km;
	ssize_t n;
	int err;

	if (r->s->mode == KS_READ) {
		n = read(ks_consumer_fd(r->c), r->buf, r->s->cfg.size);
		if (n < 0)
			return -errno;
		m->data = r->buf;
		m->len = n;
		return 0;
	}
	do
		err = ks_next(r->c, &km);
	while (err == 0);	/* busy-polling (KS_NONBLOCK): nothing yet */
	if (err < 0)
		return err;
	m->data = km.data;
	m->len = km.len;
	return 0;
}

static void ks_release_msg(struct bench_reader *r)
{
	if (r->s->mode == KS_MMAP)
		ks_release(r->c);
}

static void ks_close(struct bench_stream *s)
{
	unsigned int i;

	for (i = 0; i < s->cfg.readers; i++) {
		ks_consumer_close(s->readers[i].c);
		free(s->readers[i].buf);
	}
	for (i = 0; i < s->cfg.producers; i++)
		ks_producer_close(s->prods[i].p);
	free(s->readers);
	free(s->prods);
	free(s);
}

#define KS_TRANSPORT(tname, tdesc, topen, spin)				\
	{								\
		.name = tname, .desc = tdesc, .can_spin = spin,		\
		.open = topen, .reader = ks_reader,			\
		.producer = ks_producer, .send = ks_send,		\
		.flush = ks_flush,					\
		.recv = ks_recv, .release = ks_release_msg,		\
		.close = ks_close,					\
	}

const struct bench_transport bench_kstream_read =
	KS_TRANSPORT("kstream-read", "kstream, read(2) per message", ks_open_read, false);
const struct bench_transport bench_kstream_batch =
	KS_TRANSPORT("kstream-batch", "kstream, libkstream copy consumer (records, batched read)",
		     ks_open_batch, false);
const struct bench_transport bench_kstream_mmap =
	KS_TRANSPORT("kstream-mmap", "kstream, libkstream zero-copy consumer (mmap)",
		     ks_open_mmap, true);
const struct bench_transport bench_kstream_batch_cw =
	KS_TRANSPORT("kstream-batch-cw", "kstream-batch with coalesced wakeups (16 KiB, 1 ms)",
		     ks_open_batch_cw, false);
const struct bench_transport bench_kstream_mmap_cw =
	KS_TRANSPORT("kstream-mmap-cw", "kstream-mmap with coalesced wakeups (16 KiB, 1 ms)",
		     ks_open_mmap_cw, false);
const struct bench_transport bench_kstream_mmap_batchpub =
	KS_TRANSPORT("kstream-mmap-batchpub",
		     "kstream-mmap, batch publish (64 messages per write, 1 ms linger)",
		     ks_open_mmap_batchpub, true);
const struct bench_transport bench_kstream_mmap_adaptive =
	KS_TRANSPORT("kstream-mmap-adaptive",
		     "kstream-mmap, the consumer spins 100 us before it sleeps",
		     ks_open_mmap_adaptive, false);
