/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Configuration of the "ratelimit" reference program (ratelimit.bpf.c),
 * shared with streamctl, which fills it in before loading.
 *
 * A token bucket of burst tokens refilled at rate tokens per second; each
 * message takes one token or is dropped as KSTREAM_INGRESS_DROP_RATELIMIT.
 * One bucket per topic, or per topic and producer (its uid, or the pid of
 * the process that opened the topic).  Buckets start full.
 */
#ifndef KSTREAM_BPF_RATELIMIT_H
#define KSTREAM_BPF_RATELIMIT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

enum ratelimit_per {
	RATELIMIT_TOPIC,
	RATELIMIT_UID,
	RATELIMIT_PID,
};

#define RATELIMIT_BUCKETS_DEFAULT	4096

struct ratelimit_cfg {
	__u64 interval_ns;	/* 10^9 / rate: one token per interval */
	__u64 tolerance_ns;	/* (burst - 1) * interval_ns */
	__u32 per;		/* enum ratelimit_per */
	__u32 pad;
};

#endif /* KSTREAM_BPF_RATELIMIT_H */
