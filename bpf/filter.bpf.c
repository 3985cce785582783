// SPDX-License-Identifier: GPL-2.0
/*
 * filter: keep or drop messages by a predicate on their bytes.
 *
 * Every rule of cfg (filter.h) tests one field of the payload, or its
 * length, against a value or a range, after an optional mask; a message
 * matches when all rules hold.  That covers a field compared with a value
 * ("offset 8 u32 eq 0xCAFE"), a magic number and version check ("offset 0
 * u32be eq 0x4b53544d offset 4 u8 mask 0xf0 eq 0x10") and a size check
 * ("len range 16 256"): schema validation at ingress.  Drops count as
 * KSTREAM_INGRESS_DROP; with "action deadletter" the messages that fail
 * go to the topic's dead-letter topic instead (KSTREAM_INGRESS_DEADLETTER,
 * reason: 1 + the index of the first rule they fail).
 *
 * cfg is read-only data set by the loader (streamctl filter load filter)
 * before the program is verified: the verifier sees the rules as
 * constants and prunes whatever they do not use.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "kstream_ingress.h"
#include "filter.h"

const volatile struct filter_cfg cfg = {};

static __always_inline bool rule_holds(struct kstream_ingress_ctx *msg,
				       const volatile struct filter_rule *r)
{
	__u64 v;

	if (r->kind == FILTER_LEN)
		v = bpf_kstream_msg_len(msg);
	else if (!kst_field_read(msg, &r->field, &v))
		return false;
	v &= r->mask;

	switch (r->op) {
	case FILTER_EQ:
		return v == r->a;
	case FILTER_NE:
		return v != r->a;
	case FILTER_LT:
		return !kst_field_le(&r->field, r->a, v);
	case FILTER_LE:
		return kst_field_le(&r->field, v, r->a);
	case FILTER_GT:
		return !kst_field_le(&r->field, v, r->a);
	case FILTER_GE:
		return kst_field_le(&r->field, r->a, v);
	case FILTER_RANGE:
		return kst_field_le(&r->field, r->a, v) &&
		       kst_field_le(&r->field, v, r->b);
	}
	return false;
}

SEC("struct_ops/verdict")
__u32 BPF_PROG(filter_verdict, struct kstream_ingress_ctx *msg)
{
	bool match = true;
	int i;

	for (i = 0; i < FILTER_MAX_RULES; i++) {
		if (i >= cfg.nr_rules)
			break;
		if (!rule_holds(msg, &cfg.rules[i])) {
			match = false;
			break;
		}
	}
	if (cfg.deadletter) {
		if (match)
			return KSTREAM_INGRESS_PASS;
		/* Why: the first rule the message fails, counted from 1. */
		bpf_kstream_set_reason(msg, i + 1);
		return KSTREAM_INGRESS_DEADLETTER;
	}
	if (match != !cfg.drop_matching)
		return KSTREAM_INGRESS_DROP;
	return KSTREAM_INGRESS_PASS;
}

SEC(".struct_ops.link")
struct kstream_ingress_ops filter = {
	.verdict = (void *)filter_verdict,
	.name = "filter",
};

char LICENSE[] SEC("license") = "GPL";
