// SPDX-License-Identifier: GPL-2.0
/*
 * Per-topic statistics, the reading half: sums, lag, reset, and their
 * sysfs view (the recording half is inline in stats.h).
 *
 * May call: consume (a reader's lost count and sequence), dedup (ids
 * held).  Locks: the topic lock, to read the commit-section counters and
 * walk the readers.
 *
 * Cost on the hot paths:
 *   publish  - published/published_bytes, and an idempotent producer's
 *              duplicates, gaps and evictions, are bumped inside the
 *              commit section, under the topic lock it holds anyway;
 *   read     - deliveries and the latency histogram are per-CPU counters
 *              (this_cpu_add: no shared cache line, no lock, preemption
 *              safe on PREEMPT_RT), plus the reader's own counters under
 *              its file lock;
 *   errors   - refused publishes are rare: atomics.
 * Readers of statistics sum the per-CPU counters; a reset zeroes them and
 * may miss increments that race with it, which is what a reset means.
 */

#include <linux/device.h>
#include <linux/log2.h>
#include <linux/percpu.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>

#include "consume.h"
#include "dedup.h"
#include "stats.h"
#include "topic.h"

int kstream_stats_init(struct kstream_topic *t)
{
	t->pcpu = alloc_percpu_gfp(struct kstream_pcpu_stats,
				   GFP_KERNEL_ACCOUNT);
	return t->pcpu ? 0 : -ENOMEM;
}

void kstream_stats_free(struct kstream_topic *t)
{
	free_percpu(t->pcpu);
}

/* Lock held: how far behind the newest message is @rd? */
static void kstream_reader_lag_locked(struct kstream_topic *t,
				      struct kstream_reader *rd,
				      u64 *msgs, u64 *bytes)
{
	struct kstream_ring_ctl *ctl = t->ring.ctl;
	u64 pos = clamp(READ_ONCE(*rd->posp), ctl->tail, ctl->head);

	*bytes = ctl->head - pos;
	*msgs = ctl->head_seq - kstream_reader_seq_locked(t, rd, pos);
}

void kstream_topic_stats(struct kstream_topic *t,
			 struct kstream_topic_stats *st)
{
	struct kstream_ring_ctl *ctl = t->ring.ctl;
	struct kstream_reader *rd;
	unsigned int cpu, i;

	memset(st, 0, sizeof(*st));
	for_each_possible_cpu(cpu) {
		struct kstream_pcpu_stats *p = per_cpu_ptr(t->pcpu, cpu);

		st->delivered += READ_ONCE(p->delivered);
		st->delivered_bytes += READ_ONCE(p->delivered_bytes);
		for (i = 0; i < KSTREAM_LAT_BUCKETS; i++)
			st->latency[i] += READ_ONCE(p->latency[i]);
	}
	for (i = 0; i < KSTREAM_ERR_NR; i++)
		st->errors[i] = atomic64_read(&t->errors[i]);
	st->lost = atomic64_read(&t->lost);
	st->dropped_filter = atomic64_read(&t->dropped[KSTREAM_INGRESS_DROP]);
	st->dropped_sample =
		atomic64_read(&t->dropped[KSTREAM_INGRESS_DROP_SAMPLE]);
	st->dropped_ratelimit =
		atomic64_read(&t->dropped[KSTREAM_INGRESS_DROP_RATELIMIT]);
	st->dropped_deadletter =
		atomic64_read(&t->dropped[KSTREAM_INGRESS_DEADLETTER]);
	st->dropped = st->dropped_filter + st->dropped_sample +
		      st->dropped_ratelimit + st->dropped_deadletter;
	st->deadlettered = atomic64_read(&t->deadlettered);
	st->deadletter_lost = atomic64_read(&t->deadletter_lost);
	st->deadletter_in = atomic64_read(&t->deadletter_in);
	st->denied = atomic64_read(&t->sec.denied);
	st->writers = atomic_read(&t->nr_writers);

	spin_lock(&t->lock);
	st->published = t->published;
	st->published_bytes = t->published_bytes;
	st->dropped_duplicate = t->dropped_duplicate;
	st->producer_gaps = t->producer_gaps;
	st->producers_evicted = t->producers_evicted;
	st->producers = kstream_dedup_count(t);
	st->readers = t->nr_readers;
	st->head_seq = ctl->head_seq;
	st->tail_seq = ctl->tail_seq;
	st->ring_used = ctl->head - ctl->tail;
	list_for_each_entry(rd, &t->readers, node) {
		u64 lag, lag_bytes;

		/* Mapped readers count their losses in their pages. */
		st->lost += kstream_reader_page_lost(rd);
		kstream_reader_lag_locked(t, rd, &lag, &lag_bytes);
		st->max_lag = max(st->max_lag, lag);
		st->max_lag_bytes = max(st->max_lag_bytes, lag_bytes);
	}
	spin_unlock(&t->lock);
}

int kstream_visit_readers(struct kstream_topic *t,
			  const struct kstream_reader_visitor *v)
{
	struct kstream_reader_stats rs;
	struct kstream_reader *rd;
	int err = 0;

	spin_lock(&t->lock);
	list_for_each_entry(rd, &t->readers, node) {
		rs.pid = rd->pid;
		rs.mapped = !!rd->page;
		rs.delivered = READ_ONCE(rd->delivered);
		rs.lost = kstream_reader_lost(rd);
		kstream_reader_lag_locked(t, rd, &rs.lag, &rs.lag_bytes);
		err = v->fn(v->arg, &rs);
		if (err)
			break;
	}
	spin_unlock(&t->lock);
	return err;
}

void kstream_stats_reset(struct kstream_topic *t)
{
	struct kstream_reader *rd;
	unsigned int cpu, i;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(t->pcpu, cpu), 0,
		       sizeof(struct kstream_pcpu_stats));
	for (i = 0; i < KSTREAM_ERR_NR; i++)
		atomic64_set(&t->errors[i], 0);
	atomic64_set(&t->lost, 0);
	atomic64_set(&t->deadlettered, 0);
	atomic64_set(&t->deadletter_lost, 0);
	atomic64_set(&t->deadletter_in, 0);
	for (i = 0; i < ARRAY_SIZE(t->dropped); i++)
		atomic64_set(&t->dropped[i], 0);
	atomic64_set(&t->sec.denied, 0);
	spin_lock(&t->lock);
	t->published = 0;
	t->published_bytes = 0;
	t->dropped_duplicate = 0;
	t->producer_gaps = 0;
	t->producers_evicted = 0;
	/* What mapped readers reported so far is not counted from now on. */
	list_for_each_entry(rd, &t->readers, node)
		if (rd->page)
			rd->lost_base = READ_ONCE(rd->page->lost);
	spin_unlock(&t->lock);
}

/* ---- the table ---- */

#define KSTREAM_OFF(field) offsetof(struct kstream_topic_stats, field)

const struct kstream_stat_desc kstream_stat_table[] = {
	{ "published", KSTREAM_STAT_PUBLISHED, KSTREAM_OFF(published) },
	{ "published_bytes", KSTREAM_STAT_PUBLISHED_BYTES,
	  KSTREAM_OFF(published_bytes) },
	{ "delivered", KSTREAM_STAT_DELIVERED, KSTREAM_OFF(delivered) },
	{ "delivered_bytes", KSTREAM_STAT_DELIVERED_BYTES,
	  KSTREAM_OFF(delivered_bytes) },
	{ "dropped", KSTREAM_STAT_DROPPED, KSTREAM_OFF(dropped) },
	{ "dropped_filter", KSTREAM_STAT_DROPPED_FILTER,
	  KSTREAM_OFF(dropped_filter) },
	{ "dropped_sample", KSTREAM_STAT_DROPPED_SAMPLE,
	  KSTREAM_OFF(dropped_sample) },
	{ "dropped_ratelimit", KSTREAM_STAT_DROPPED_RATELIMIT,
	  KSTREAM_OFF(dropped_ratelimit) },
	{ "denied", KSTREAM_STAT_DENIED, KSTREAM_OFF(denied) },
	{ "dropped_duplicate", KSTREAM_STAT_DROPPED_DUPLICATE,
	  KSTREAM_OFF(dropped_duplicate) },
	{ "producer_gaps", KSTREAM_STAT_PRODUCER_GAPS,
	  KSTREAM_OFF(producer_gaps) },
	{ "producers_evicted", KSTREAM_STAT_PRODUCERS_EVICTED,
	  KSTREAM_OFF(producers_evicted) },
	{ "producers", KSTREAM_STAT_PRODUCERS, KSTREAM_OFF(producers) },
	{ "dropped_deadletter", KSTREAM_STAT_DROPPED_DEADLETTER,
	  KSTREAM_OFF(dropped_deadletter) },
	{ "deadlettered", KSTREAM_STAT_DEADLETTERED, KSTREAM_OFF(deadlettered) },
	{ "deadletter_lost", KSTREAM_STAT_DEADLETTER_LOST,
	  KSTREAM_OFF(deadletter_lost) },
	{ "deadletter_in", KSTREAM_STAT_DEADLETTER_IN,
	  KSTREAM_OFF(deadletter_in) },
	{ "lost", KSTREAM_STAT_LOST, KSTREAM_OFF(lost) },
	{ "readers", KSTREAM_STAT_READERS, KSTREAM_OFF(readers) },
	{ "writers", KSTREAM_STAT_WRITERS, KSTREAM_OFF(writers) },
	{ "head_seq", KSTREAM_STAT_HEAD_SEQ, KSTREAM_OFF(head_seq) },
	{ "tail_seq", KSTREAM_STAT_TAIL_SEQ, KSTREAM_OFF(tail_seq) },
	{ "ring_used", KSTREAM_STAT_RING_USED, KSTREAM_OFF(ring_used) },
	{ "max_lag", KSTREAM_STAT_MAX_LAG, KSTREAM_OFF(max_lag) },
	{ "max_lag_bytes", KSTREAM_STAT_MAX_LAG_BYTES,
	  KSTREAM_OFF(max_lag_bytes) },
	{ "err_empty", KSTREAM_STAT_ERR_EMPTY,
	  KSTREAM_OFF(errors[KSTREAM_ERR_EMPTY]) },
	{ "err_too_big", KSTREAM_STAT_ERR_TOO_BIG,
	  KSTREAM_OFF(errors[KSTREAM_ERR_TOO_BIG]) },
	{ "err_full", KSTREAM_STAT_ERR_FULL,
	  KSTREAM_OFF(errors[KSTREAM_ERR_FULL]) },
	{ "err_intr", KSTREAM_STAT_ERR_INTR,
	  KSTREAM_OFF(errors[KSTREAM_ERR_INTR]) },
	{ "err_fault", KSTREAM_STAT_ERR_FAULT,
	  KSTREAM_OFF(errors[KSTREAM_ERR_FAULT]) },
	{ "err_gone", KSTREAM_STAT_ERR_GONE,
	  KSTREAM_OFF(errors[KSTREAM_ERR_GONE]) },
};

const unsigned int kstream_stat_table_len = ARRAY_SIZE(kstream_stat_table);

/*
 * ---- sysfs: /sys/class/stream/<name>/stats/<counter>, read-only ----
 * Every file is in Documentation/ABI/testing/sysfs-class-stream (a test
 * walks the directory and checks).
 */

struct kstream_stat_attr {
	struct device_attribute attr;
	const struct kstream_stat_desc *desc;
};

static ssize_t kstream_stat_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct kstream_stat_attr *sa =
		container_of(attr, struct kstream_stat_attr, attr);
	struct kstream_topic_stats st;

	kstream_topic_stats(to_topic(dev), &st);
	return sysfs_emit(buf, "%llu\n", kstream_stat_value(&st, sa->desc));
}

/*
 * The latency histogram: one file per bucket, one value per file,
 * /sys/class/stream/<name>/latency_histogram/bucket<i> (uapi.h,
 * KSTREAM_LAT_BUCKETS, says what bucket i counts).
 */
struct kstream_lat_attr {
	struct device_attribute attr;
	unsigned int bucket;
	char name[sizeof("bucket") + 3];
};

static ssize_t kstream_lat_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct kstream_lat_attr *la =
		container_of(attr, struct kstream_lat_attr, attr);
	struct kstream_topic_stats st;

	kstream_topic_stats(to_topic(dev), &st);
	return sysfs_emit(buf, "%llu\n", st.latency[la->bucket]);
}

/* Filled at module init: from the table, and one per bucket. */
static struct kstream_stat_attr kstream_stat_attrs[ARRAY_SIZE(kstream_stat_table)];
static struct attribute *kstream_stats_attrs[ARRAY_SIZE(kstream_stat_table) + 1];
static struct kstream_lat_attr kstream_lat_attrs[KSTREAM_LAT_BUCKETS];
static struct attribute *kstream_lat_attrs_list[KSTREAM_LAT_BUCKETS + 1];

void __init kstream_stats_setup(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kstream_stat_table); i++) {
		struct kstream_stat_attr *a = &kstream_stat_attrs[i];

		a->desc = &kstream_stat_table[i];
		sysfs_attr_init(&a->attr.attr);
		a->attr.attr.name = a->desc->name;
		a->attr.attr.mode = 0444;
		a->attr.show = kstream_stat_show;
		kstream_stats_attrs[i] = &a->attr.attr;
	}
	for (i = 0; i < KSTREAM_LAT_BUCKETS; i++) {
		struct kstream_lat_attr *la = &kstream_lat_attrs[i];

		la->bucket = i;
		snprintf(la->name, sizeof(la->name), "bucket%u", i);
		sysfs_attr_init(&la->attr.attr);
		la->attr.attr.name = la->name;
		la->attr.attr.mode = 0444;
		la->attr.show = kstream_lat_show;
		kstream_lat_attrs_list[i] = &la->attr.attr;
	}
}

static const struct attribute_group kstream_stats_group = {
	.name = "stats",
	.attrs = kstream_stats_attrs,
};

static const struct attribute_group kstream_lat_group = {
	.name = "latency_histogram",
	.attrs = kstream_lat_attrs_list,
};

/* Configuration, at the top of the device directory. */
static ssize_t ring_size_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", to_topic(dev)->ring.size);
}
static DEVICE_ATTR_RO(ring_size);

static ssize_t msg_max_show(struct device *dev,
			    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_topic(dev)->msg_max));
}
static DEVICE_ATTR_RO(msg_max);

static ssize_t policy_show(struct device *dev,
			   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  READ_ONCE(to_topic(dev)->policy) == KSTREAM_POLICY_BLOCK ?
			  "block" : "overwrite");
}
static DEVICE_ATTR_RO(policy);

static ssize_t producers_max_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_topic(dev)->producers_max);
}
static DEVICE_ATTR_RO(producers_max);

static struct attribute *kstream_topic_attrs[] = {
	&dev_attr_ring_size.attr,
	&dev_attr_msg_max.attr,
	&dev_attr_policy.attr,
	&dev_attr_producers_max.attr,
	NULL
};

static const struct attribute_group kstream_topic_group = {
	.attrs = kstream_topic_attrs,
};

const struct attribute_group *kstream_topic_groups[] = {
	&kstream_topic_group,
	&kstream_stats_group,
	&kstream_lat_group,
	NULL
};
