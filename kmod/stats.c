// SPDX-License-Identifier: GPL-2.0
/*
 * Per-topic statistics, the reading half: sums, lag, reset, and their
 * sysfs view (the recording half is inline in stats.h).
 *
 * May call: consume (a reader's lost count and sequence).  Locks: the
 * topic lock, to read the commit-section counters and walk the readers.
 *
 * Cost on the hot paths:
 *   publish  - published/published_bytes are bumped inside the commit
 *              section, under the topic lock the commit holds anyway;
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
	st->dropped = st->dropped_filter + st->dropped_sample +
		      st->dropped_ratelimit;
	st->denied = atomic64_read(&t->sec.denied);
	st->writers = atomic_read(&t->nr_writers);

	spin_lock(&t->lock);
	st->published = t->published;
	st->published_bytes = t->published_bytes;
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
	for (i = 0; i < ARRAY_SIZE(t->dropped); i++)
		atomic64_set(&t->dropped[i], 0);
	atomic64_set(&t->sec.denied, 0);
	spin_lock(&t->lock);
	t->published = 0;
	t->published_bytes = 0;
	/* What mapped readers reported so far is not counted from now on. */
	list_for_each_entry(rd, &t->readers, node)
		if (rd->page)
			rd->lost_base = READ_ONCE(rd->page->lost);
	spin_unlock(&t->lock);
}

/* ---- sysfs: /sys/class/stream/<name>/stats/<counter>, read-only ---- */

struct kstream_stat_attr {
	struct device_attribute attr;
	size_t offset;		/* of the u64 in struct kstream_topic_stats */
};

static ssize_t kstream_stat_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct kstream_stat_attr *sa =
		container_of(attr, struct kstream_stat_attr, attr);
	struct kstream_topic_stats st;

	kstream_topic_stats(to_topic(dev), &st);
	return sysfs_emit(buf, "%llu\n",
			  *(u64 *)((char *)&st + sa->offset));
}

#define KSTREAM_STAT_ATTR(_name, _field)				\
	struct kstream_stat_attr kstream_stat_attr_##_name = {		\
		.attr = __ATTR(_name, 0444, kstream_stat_show, NULL),	\
		.offset = offsetof(struct kstream_topic_stats, _field),	\
	}

static KSTREAM_STAT_ATTR(published, published);
static KSTREAM_STAT_ATTR(published_bytes, published_bytes);
static KSTREAM_STAT_ATTR(delivered, delivered);
static KSTREAM_STAT_ATTR(delivered_bytes, delivered_bytes);
static KSTREAM_STAT_ATTR(dropped, dropped);
static KSTREAM_STAT_ATTR(dropped_filter, dropped_filter);
static KSTREAM_STAT_ATTR(dropped_sample, dropped_sample);
static KSTREAM_STAT_ATTR(dropped_ratelimit, dropped_ratelimit);
static KSTREAM_STAT_ATTR(denied, denied);
static KSTREAM_STAT_ATTR(lost, lost);
static KSTREAM_STAT_ATTR(readers, readers);
static KSTREAM_STAT_ATTR(writers, writers);
static KSTREAM_STAT_ATTR(head_seq, head_seq);
static KSTREAM_STAT_ATTR(tail_seq, tail_seq);
static KSTREAM_STAT_ATTR(ring_used, ring_used);
static KSTREAM_STAT_ATTR(max_lag, max_lag);
static KSTREAM_STAT_ATTR(max_lag_bytes, max_lag_bytes);
static KSTREAM_STAT_ATTR(err_empty, errors[KSTREAM_ERR_EMPTY]);
static KSTREAM_STAT_ATTR(err_too_big, errors[KSTREAM_ERR_TOO_BIG]);
static KSTREAM_STAT_ATTR(err_full, errors[KSTREAM_ERR_FULL]);
static KSTREAM_STAT_ATTR(err_intr, errors[KSTREAM_ERR_INTR]);
static KSTREAM_STAT_ATTR(err_fault, errors[KSTREAM_ERR_FAULT]);
static KSTREAM_STAT_ATTR(err_gone, errors[KSTREAM_ERR_GONE]);

static ssize_t latency_histogram_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	struct kstream_topic_stats st;
	unsigned int i;
	int n = 0;

	kstream_topic_stats(to_topic(dev), &st);
	for (i = 0; i < KSTREAM_LAT_BUCKETS; i++)
		n += sysfs_emit_at(buf, n, "%u %llu\n", i, st.latency[i]);
	return n;
}
static DEVICE_ATTR_RO(latency_histogram);

static struct attribute *kstream_stats_attrs[] = {
	&kstream_stat_attr_published.attr.attr,
	&kstream_stat_attr_published_bytes.attr.attr,
	&kstream_stat_attr_delivered.attr.attr,
	&kstream_stat_attr_delivered_bytes.attr.attr,
	&kstream_stat_attr_dropped.attr.attr,
	&kstream_stat_attr_dropped_filter.attr.attr,
	&kstream_stat_attr_dropped_sample.attr.attr,
	&kstream_stat_attr_dropped_ratelimit.attr.attr,
	&kstream_stat_attr_denied.attr.attr,
	&kstream_stat_attr_lost.attr.attr,
	&kstream_stat_attr_readers.attr.attr,
	&kstream_stat_attr_writers.attr.attr,
	&kstream_stat_attr_head_seq.attr.attr,
	&kstream_stat_attr_tail_seq.attr.attr,
	&kstream_stat_attr_ring_used.attr.attr,
	&kstream_stat_attr_max_lag.attr.attr,
	&kstream_stat_attr_max_lag_bytes.attr.attr,
	&kstream_stat_attr_err_empty.attr.attr,
	&kstream_stat_attr_err_too_big.attr.attr,
	&kstream_stat_attr_err_full.attr.attr,
	&kstream_stat_attr_err_intr.attr.attr,
	&kstream_stat_attr_err_fault.attr.attr,
	&kstream_stat_attr_err_gone.attr.attr,
	&dev_attr_latency_histogram.attr,
	NULL
};

static const struct attribute_group kstream_stats_group = {
	.name = "stats",
	.attrs = kstream_stats_attrs,
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
	return sysfs_emit(buf, "%u\n", to_topic(dev)->msg_max);
}
static DEVICE_ATTR_RO(msg_max);

static ssize_t policy_show(struct device *dev,
			   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  to_topic(dev)->policy == KSTREAM_POLICY_BLOCK ?
			  "block" : "overwrite");
}
static DEVICE_ATTR_RO(policy);

static struct attribute *kstream_topic_attrs[] = {
	&dev_attr_ring_size.attr,
	&dev_attr_msg_max.attr,
	&dev_attr_policy.attr,
	NULL
};

static const struct attribute_group kstream_topic_group = {
	.attrs = kstream_topic_attrs,
};

const struct attribute_group *kstream_topic_groups[] = {
	&kstream_topic_group,
	&kstream_stats_group,
	NULL
};
