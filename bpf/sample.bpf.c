// SPDX-License-Identifier: GPL-2.0
/*
 * sample: keep a subset of a topic's messages (sample.h has the modes).
 *
 * Per-topic state (a message counter and the time of the last message
 * kept) lives in a hash map keyed by topic id, so one loaded sampler can
 * serve several topics independently.  Counters are advanced with atomic
 * adds and the time with compare-and-swap: concurrent producers never
 * lose a count, so 1-in-N is exact whatever the concurrency.
 *
 * Time-based adaptive sampling uses CLOCK_MONOTONIC (bpf_ktime_get_ns()).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "kstream_ingress.h"
#include "sample.h"

const volatile struct sample_cfg cfg = {};

struct sample_state {
	__u64 count;		/* messages seen */
	__u64 last_ns;		/* when the last message was kept (time) */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, __u32);			/* topic id */
	__type(value, struct sample_state);
} sample_topics SEC(".maps");

static __always_inline struct sample_state *
topic_state(struct kstream_ingress_ctx *msg)
{
	__u32 id = bpf_kstream_topic_id(msg);
	struct sample_state zero = {}, *s;

	s = bpf_map_lookup_elem(&sample_topics, &id);
	if (s)
		return s;
	/* First message of the topic; another producer may race us. */
	bpf_map_update_elem(&sample_topics, &id, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&sample_topics, &id);
}

/* Keep at most one message per interval ns. */
static __always_inline bool keep_per_time(struct sample_state *s,
					  __u64 interval)
{
	__u64 now = bpf_ktime_get_ns(), last;
	int i;

	for (i = 0; i < 8; i++) {
		last = s->last_ns;
		if (last && now - last < interval)
			return false;
		if (__sync_val_compare_and_swap(&s->last_ns, last, now) == last)
			return true;
	}
	return false;	/* others kept one just now */
}

static __always_inline bool in_band(struct kstream_ingress_ctx *msg)
{
	__u64 v;

	if (!kst_field_read(msg, &cfg.field, &v))
		return false;
	return kst_field_le(&cfg.field, cfg.lo, v) &&
	       kst_field_le(&cfg.field, v, cfg.hi);
}

SEC("struct_ops/verdict")
__u32 BPF_PROG(sample_verdict, struct kstream_ingress_ctx *msg)
{
	struct sample_state *s;
	__u64 n, i;

	if (cfg.mode == SAMPLE_RANDOM) {
		if ((__u64)bpf_get_prandom_u32() < cfg.threshold)
			return KSTREAM_INGRESS_PASS;
		return KSTREAM_INGRESS_DROP_SAMPLE;
	}

	s = topic_state(msg);
	if (!s)		/* the state table is full: keep everything */
		return KSTREAM_INGRESS_PASS;

	if (cfg.mode == SAMPLE_EVERY) {
		n = cfg.every;
	} else {
		n = in_band(msg) ? cfg.normal : cfg.anomaly;
		if (cfg.per_time)
			return keep_per_time(s, n) ? KSTREAM_INGRESS_PASS :
						     KSTREAM_INGRESS_DROP_SAMPLE;
	}
	i = __sync_fetch_and_add(&s->count, 1);
	if (n <= 1 || i % n == 0)
		return KSTREAM_INGRESS_PASS;
	return KSTREAM_INGRESS_DROP_SAMPLE;
}

SEC(".struct_ops.link")
struct kstream_ingress_ops sample = {
	.verdict = (void *)sample_verdict,
	.name = "sample",
};

char LICENSE[] SEC("license") = "GPL";
