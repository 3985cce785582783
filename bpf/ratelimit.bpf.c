// SPDX-License-Identifier: GPL-2.0
/*
 * ratelimit: a token bucket per topic, or per topic and producer
 * (ratelimit.h).
 *
 * The bucket is kept in its GCRA form (the "virtual scheduling" algorithm
 * of ATM's generic cell rate algorithm, equivalent to a token bucket):
 * one 64-bit theoretical arrival time (tat) per bucket.  With T = 1/rate
 * and tau = (burst - 1) * T, a message at time now passes iff
 * max(tat, now) - now <= tau, and then tat = max(tat, now) + T.  A full
 * bucket lets burst messages through back to back, then one per T.  A
 * single word means the update is one compare-and-swap: no lock, however
 * many producers publish at once.
 *
 * Buckets live in an LRU hash keyed by (topic id, uid or pid or 0): when
 * more producers than it holds are active, the least recently seen one
 * loses its bucket and starts again with a full one.  Times are
 * CLOCK_MONOTONIC (bpf_ktime_get_ns()).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "kstream_ingress.h"
#include "ratelimit.h"

const volatile struct ratelimit_cfg cfg = {};

struct bucket_key {
	__u32 topic;
	__u32 who;		/* uid, pid, or 0 */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RATELIMIT_BUCKETS_DEFAULT);
	__type(key, struct bucket_key);
	__type(value, __u64);			/* tat, ns */
} ratelimit_buckets SEC(".maps");

static __always_inline __u64 *bucket(struct kstream_ingress_ctx *msg)
{
	struct bucket_key key = { .topic = bpf_kstream_topic_id(msg) };
	__u64 zero = 0, *tat;

	if (cfg.per == RATELIMIT_UID)
		key.who = bpf_kstream_producer_uid(msg);
	else if (cfg.per == RATELIMIT_PID)
		key.who = bpf_kstream_producer_pid(msg);
	tat = bpf_map_lookup_elem(&ratelimit_buckets, &key);
	if (tat)
		return tat;
	bpf_map_update_elem(&ratelimit_buckets, &key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&ratelimit_buckets, &key);
}

SEC("struct_ops/verdict")
__u32 BPF_PROG(ratelimit_verdict, struct kstream_ingress_ctx *msg)
{
	__u64 now = bpf_ktime_get_ns(), old, tat, *b;
	int i;

	b = bucket(msg);
	if (!b)
		return KSTREAM_INGRESS_DROP_RATELIMIT;
	for (i = 0; i < 16; i++) {
		old = *(volatile __u64 *)b;
		tat = old > now ? old : now;
		if (tat - now > cfg.tolerance_ns)
			return KSTREAM_INGRESS_DROP_RATELIMIT;
		if (__sync_val_compare_and_swap(b, old, tat + cfg.interval_ns) == old)
			return KSTREAM_INGRESS_PASS;
	}
	/* Sixteen other messages just took tokens: this one is over. */
	return KSTREAM_INGRESS_DROP_RATELIMIT;
}

SEC(".struct_ops.link")
struct kstream_ingress_ops ratelimit = {
	.verdict = (void *)ratelimit_verdict,
	.name = "ratelimit",
};

char LICENSE[] SEC("license") = "GPL";
