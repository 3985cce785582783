/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Configuration of the "sample" reference program (sample.bpf.c), shared
 * with streamctl, which fills it in before loading.
 *
 *   SAMPLE_EVERY     keep message 0, N, 2N, ... of each topic (1 in N,
 *                    deterministic: 10000 messages at N = 10 keep 1000)
 *   SAMPLE_RANDOM    keep each message with probability threshold / 2^32
 *   SAMPLE_ADAPTIVE  watch a field: while it is inside [lo, hi] keep at
 *                    the normal rate, otherwise (or if the message is too
 *                    short to hold it) at the anomaly rate.  Rates are
 *                    "1 in N messages" (message i of the topic is kept if
 *                    i is a multiple of the N in force for it) or, with
 *                    per_time, "at most one per N ns".
 *
 * Messages not kept are dropped as KSTREAM_INGRESS_DROP_SAMPLE.
 */
#ifndef KSTREAM_BPF_SAMPLE_H
#define KSTREAM_BPF_SAMPLE_H

#include "field.h"

enum sample_mode {
	SAMPLE_EVERY,
	SAMPLE_RANDOM,
	SAMPLE_ADAPTIVE,
};

struct sample_cfg {
	__u32 mode;		/* enum sample_mode */
	__u32 per_time;		/* ADAPTIVE: normal/anomaly are ns */
	__u64 every;		/* EVERY: N >= 1 */
	__u64 threshold;	/* RANDOM: probability * 2^32, 0 to 2^32 */
	struct kst_field field;	/* ADAPTIVE: the watched field */
	__u64 lo, hi;		/* ADAPTIVE: the normal band, inclusive */
	__u64 normal;		/* ADAPTIVE: N (>= 1) inside the band */
	__u64 anomaly;		/* ADAPTIVE: N (>= 1) outside it */
};

#endif /* KSTREAM_BPF_SAMPLE_H */
