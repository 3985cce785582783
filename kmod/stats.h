/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-topic statistics.
 *
 * Two halves.  Recording (inline here) is what the data path does: bump
 * a per-CPU or atomic counter, no lock of its own, nothing else called.
 * Reading (stats.c) sums the counters, walks the readers for their lag,
 * resets, and shows them in sysfs; netlink and sysfs call it.
 */
#ifndef _KSTREAM_STATS_H
#define _KSTREAM_STATS_H

#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/percpu.h>
#include <linux/types.h>
#include <linux/kstream.h>

#include "consume.h"
#include "topic.h"

struct attribute_group;

struct kstream_pcpu_stats {
	u64 delivered;
	u64 delivered_bytes;
	u64 latency[KSTREAM_LAT_BUCKETS];
};

struct kstream_topic_stats {
	u64 published, published_bytes, delivered, delivered_bytes;
	u64 dropped, lost, errors[KSTREAM_ERR_NR];
	u64 readers, writers, head_seq, tail_seq, ring_used;
	u64 dropped_filter, dropped_sample, dropped_ratelimit;
	u64 max_lag, max_lag_bytes;
	u64 latency[KSTREAM_LAT_BUCKETS];
	u64 denied;
	u64 dropped_duplicate, producer_gaps, producers_evicted, producers;
	u64 dropped_deadletter, deadlettered, deadletter_lost, deadletter_in;
};

/*
 * The counters and gauges of a topic, one table (stats.c) used by netlink
 * (KSTREAM_A_TOPIC_STATS) and sysfs (stats/<name>); the names are also
 * streamctl's JSON and Prometheus names.  The latency histogram (an
 * array) is not in it.
 */
struct kstream_stat_desc {
	const char *name;
	u16 attr;		/* enum kstream_stat */
	u16 offset;		/* of the u64 in struct kstream_topic_stats */
};

extern const struct kstream_stat_desc kstream_stat_table[];
extern const unsigned int kstream_stat_table_len;

static inline u64 kstream_stat_value(const struct kstream_topic_stats *st,
				     const struct kstream_stat_desc *d)
{
	return *(const u64 *)((const char *)st + d->offset);
}

struct kstream_reader_stats {
	pid_t pid;
	bool mapped;
	u64 delivered, lost, lag, lag_bytes;
};

/* What one read() delivered, counted once the copy is known good. */
struct kstream_delivery {
	u64 now_ns;
	u32 msgs;
	u64 bytes;
	u32 latency[KSTREAM_LAT_BUCKETS];
};

/* ---- recording: the data path ---- */

static inline unsigned int kstream_lat_bucket(u64 ns)
{
	unsigned int b = ns > 1 ? ilog2(ns) : 0;

	return min(b, KSTREAM_LAT_BUCKETS - 1);
}

/*
 * One message copied out by read(), in a local tally: the copy may still
 * turn out torn (consume.c), so nothing is counted before it is validated.
 * Latency is from the ingress timestamp to d->now_ns, both CLOCK_REALTIME;
 * a clock step backwards counts as 0.
 */
static inline void kstream_delivery_add(struct kstream_delivery *d, u64 ts_ns,
					u32 len)
{
	u64 lat = d->now_ns > ts_ns ? d->now_ns - ts_ns : 0;

	d->msgs++;
	d->bytes += len;
	d->latency[kstream_lat_bucket(lat)]++;
}

/*
 * A validated read(): count what it delivered.  Per-CPU counters
 * (this_cpu_add: no shared cache line, no lock, preemption safe on
 * PREEMPT_RT), plus the reader's own counter under its file lock.
 */
static inline void kstream_stats_delivered(struct kstream_topic *t,
					   struct kstream_reader *rd,
					   const struct kstream_delivery *d)
{
	unsigned int i;

	rd->delivered += d->msgs;
	this_cpu_add(t->pcpu->delivered, d->msgs);
	this_cpu_add(t->pcpu->delivered_bytes, d->bytes);
	for (i = 0; i < KSTREAM_LAT_BUCKETS; i++)
		if (d->latency[i])
			this_cpu_add(t->pcpu->latency[i], d->latency[i]);
}

/* A refused publish: count it by kind (rare: atomics); returns @err. */
static inline int kstream_stats_error(struct kstream_topic *t, int err)
{
	enum kstream_err kind;

	switch (err) {
	case -EINVAL:
		kind = KSTREAM_ERR_EMPTY;
		break;
	case -EMSGSIZE:
		kind = KSTREAM_ERR_TOO_BIG;
		break;
	case -EAGAIN:
		kind = KSTREAM_ERR_FULL;
		break;
	case -EINTR:
	case -ERESTARTSYS:
		kind = KSTREAM_ERR_INTR;
		break;
	case -EFAULT:
		kind = KSTREAM_ERR_FAULT;
		break;
	case -ENODEV:
		kind = KSTREAM_ERR_GONE;
		break;
	default:
		return err;
	}
	atomic64_inc(&t->errors[kind]);
	return err;
}

/* ---- reading: stats.c ---- */

int kstream_stats_init(struct kstream_topic *t);
void kstream_stats_free(struct kstream_topic *t);
void kstream_topic_stats(struct kstream_topic *t,
			 struct kstream_topic_stats *st);

struct kstream_reader_visitor {
	int (*fn)(void *arg, const struct kstream_reader_stats *rs);
	void *arg;
};

/*
 * Visit the readers for the netlink reply: @fn gets a snapshot of each,
 * taken under the topic lock; it must not sleep.  Stops at an error.
 */
int kstream_visit_readers(struct kstream_topic *t,
			  const struct kstream_reader_visitor *v);
void kstream_stats_reset(struct kstream_topic *t);
/* The sysfs attributes of a topic device (configuration, stats/). */
extern const struct attribute_group *kstream_topic_groups[];
/* Module init: the stats/ attributes, from the table. */
void kstream_stats_setup(void);

#endif /* _KSTREAM_STATS_H */
