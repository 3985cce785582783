/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Configuration of the "filter" reference program (filter.bpf.c), shared
 * with streamctl, which fills it in from its command line before loading.
 *
 * A message matches when it satisfies every rule (at most
 * FILTER_MAX_RULES).  Rules test a numeric field of the payload, or its
 * length:
 *
 *	(value & mask) OP a		OP: eq ne lt le gt ge
 *	a <= (value & mask) <= b	range
 *
 * A message too short to hold a field matches no rule on that field.  By
 * default matching messages pass and the others are dropped
 * (KSTREAM_INGRESS_DROP); with drop_matching it is the other way round.
 * With deadletter, matching messages pass and the others are rejected as
 * invalid (KSTREAM_INGRESS_DEADLETTER, to the topic's dead-letter topic),
 * with reason 1 + the index of the first rule they fail.
 */
#ifndef KSTREAM_BPF_FILTER_H
#define KSTREAM_BPF_FILTER_H

#include "field.h"

#define FILTER_MAX_RULES	8

enum filter_kind {
	FILTER_FIELD,		/* the field described by rule.field */
	FILTER_LEN,		/* the payload length */
};

enum filter_op {
	FILTER_EQ,
	FILTER_NE,
	FILTER_LT,
	FILTER_LE,
	FILTER_GT,
	FILTER_GE,
	FILTER_RANGE,		/* a <= value <= b */
};

struct filter_rule {
	struct kst_field field;
	__u8 kind;		/* enum filter_kind */
	__u8 op;		/* enum filter_op */
	__u8 pad[6];
	__u64 mask;		/* applied to the value first (~0: all bits) */
	__u64 a, b;
};

struct filter_cfg {
	__u32 nr_rules;
	__u32 drop_matching;	/* 0: keep matching messages; 1: drop them */
	struct filter_rule rules[FILTER_MAX_RULES];
	__u32 deadletter;	/* 1: keep matching, dead-letter the others */
	__u32 pad;
};

#endif /* KSTREAM_BPF_FILTER_H */
