/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kstream-bench: kstream and the transports users would pick instead,
 * measured by the same workloads in the same run.
 *
 * A transport carries messages from P producers to R readers, every reader
 * getting every message (fan-out), losslessly: the workloads check that,
 * so a transport that cannot be lossless must be configured to be (or it
 * is not measured).  Each transport implements this interface; the
 * workloads (workload.c) know nothing of the transports.
 *
 * Threads: one per producer and one per reader, all in one process (the
 * iceoryx runtime is per process).  A producer handle and a reader handle
 * are each used by one thread only.
 */
#ifndef KSTREAM_BENCH_H
#define KSTREAM_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One stream: what the workload asked for. */
struct bench_cfg {
	const char *name;	/* stream name, unique per stream of a run */
	size_t size;		/* message size, fixed for the run */
	unsigned int readers;
	unsigned int producers;
	bool spin;		/* readers busy-poll instead of sleeping */
};

/* A message handed to a reader: valid until release. */
struct bench_msg {
	const void *data;
	size_t len;
};

struct bench_stream;	/* a transport's stream */
struct bench_prod;	/* a transport's producer handle */
struct bench_reader;	/* a transport's reader handle */

struct bench_transport {
	const char *name;
	const char *desc;
	/* Can it serve readers that busy-poll (cfg.spin)? */
	bool can_spin;
	/*
	 * No end-to-end backpressure (a broker that queues without bound):
	 * the workload holds producers within BENCH_BUDGET bytes (and 1024
	 * messages) of the slowest reader, as the other transports' buffers
	 * do.
	 */
	bool window;
	/* Process-wide setup (daemons must already run); 0 or -errno. */
	int (*init)(void);
	/* Create the stream; readers and producers attach afterwards. */
	int (*open)(const struct bench_cfg *cfg, struct bench_stream **s);
	int (*reader)(struct bench_stream *s, unsigned int idx,
		      struct bench_reader **r);
	/*
	 * Called once every reader is attached and before any producer
	 * attaches: wait until the transport routes messages to every reader
	 * (subscription handshakes of brokers).  May be NULL.
	 */
	int (*ready)(struct bench_stream *s);
	int (*producer)(struct bench_stream *s, unsigned int idx,
			struct bench_prod **p);
	/* Publish one message to every reader; 0 or -errno. */
	int (*send)(struct bench_prod *p, const void *buf, size_t len);
	/*
	 * Transports that batch sends: send what is batched now (after a
	 * producer's final message, after every ping-pong send).  May be
	 * NULL.
	 */
	int (*flush)(struct bench_prod *p);
	/* The next message (blocking, or busy-polling if cfg.spin). */
	int (*recv)(struct bench_reader *r, struct bench_msg *m);
	void (*release)(struct bench_reader *r);
	void (*close)(struct bench_stream *s);	/* frees handles too */
};

extern const struct bench_transport bench_kstream_read, bench_kstream_batch,
	bench_kstream_mmap, bench_kstream_batch_cw, bench_kstream_mmap_cw,
	bench_kstream_mmap_batchpub, bench_kstream_mmap_adaptive, bench_pipe,
	bench_unix, bench_mq, bench_zmq, bench_mqtt, bench_iceoryx;

/* Message layout: every message starts with this header. */
struct bench_hdr {
	uint32_t producer;
	uint32_t last;		/* the producer's final message */
	uint64_t idx;		/* per-producer index, from 0 */
	uint64_t t_ns;		/* ping-pong: send time */
};

#define BENCH_MIN_SIZE	sizeof(struct bench_hdr)
#define BENCH_MAX_SIZE	(64 * 1024)
/*
 * Buffer space per reader a transport gets, where its API lets us choose:
 * the size of the kstream topics the suite creates (tests/bench/suite).
 */
#define BENCH_BUDGET	(1 << 20)

/* Topics created and deleted by the topics workload (nl.c). */
struct bench_nl {
	int fd;
	int family;
	uint32_t seq;
};

int bench_nl_open(struct bench_nl *nl);
int bench_nl_topic_add(struct bench_nl *nl, const char *name, uint32_t ring,
		       uint32_t policy);
int bench_nl_topic_del(struct bench_nl *nl, const char *name);
void bench_nl_close(struct bench_nl *nl);

uint64_t bench_now_ns(void);
/* Error helper for transports: prints and returns -err. */
int bench_err(const char *what, int err);

#endif /* KSTREAM_BENCH_H */
