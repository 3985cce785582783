/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What probe.bpf.c records about the last message it judged, for
 * tests/kselftest/bpf_test.c to compare with what it published.
 */
#ifndef KSTREAM_TEST_PROBE_H
#define KSTREAM_TEST_PROBE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PROBE_NAME_MAX 64

struct probe_rec {
	__u64 count;		/* messages judged */
	__u64 seq_hint;
	__u64 ingress_ns;
	__u64 ingress_ns_again;	/* a second call: must be the same */
	__u32 len;
	__u32 topic_id;
	__u32 uid, gid, pid;
	__s32 name_ret;		/* bpf_kstream_topic_name() */
	__s32 short_name_ret;	/* the same into 4 bytes */
	__u32 bounds;		/* PROBE_* bits */
	__u8 head[8];		/* the first 8 bytes, if there are 8 */
	char name[PROBE_NAME_MAX];
	char short_name[4];
};

/* Bits of probe_rec.bounds: what bpf_kstream_msg_bytes() returned. */
#define PROBE_LAST_BYTE		0x1	/* (len - 1, 1) is not NULL */
#define PROBE_PAST_END_NULL	0x2	/* (len, 1) is NULL */
#define PROBE_OVERFLOW_NULL	0x4	/* (0xffffffff, 2) is NULL */
#define PROBE_WHOLE		0x8	/* (0, len) for len 16 is not NULL */
#define PROBE_TOO_BIG_NULL	0x10	/* (0, 4096) is NULL (len < 4096) */

/*
 * The verdict depends on the first payload byte: 'D' drop, 'S' drop
 * (sample), 'R' drop (rate limit), 'X' returns 77 (an unknown verdict,
 * which counts as a drop), anything else passes.
 */

#endif /* KSTREAM_TEST_PROBE_H */
