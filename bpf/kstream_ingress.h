/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an eBPF ingress program for kstream needs besides vmlinux.h (made
 * from the module's BTF, which declares struct kstream_ingress_ops, struct
 * kstream_ingress_ctx and enum kstream_ingress_verdict) and libbpf's
 * bpf_helpers.h: the kfuncs that look at a message.  Documentation/bpf.rst
 * has the whole story; in short:
 *
 *	SEC("struct_ops/verdict")
 *	__u32 BPF_PROG(my_verdict, struct kstream_ingress_ctx *msg)
 *	{
 *		const __u8 *magic = bpf_kstream_msg_bytes(msg, 0, 2);
 *
 *		if (!magic || magic[0] != 0xCA || magic[1] != 0xFE)
 *			return KSTREAM_INGRESS_DROP;
 *		return KSTREAM_INGRESS_PASS;
 *	}
 *
 *	SEC(".struct_ops.link")
 *	struct kstream_ingress_ops my_filter = {
 *		.verdict = (void *)my_verdict,
 *		.name = "my-filter",
 *	};
 *
 *	char LICENSE[] SEC("license") = "GPL";	(kfuncs need GPL)
 *
 * Verdict programs must not sleep (SEC("struct_ops.s/...") is refused)
 * and cannot write the message.
 */
#ifndef KSTREAM_INGRESS_BPF_H
#define KSTREAM_INGRESS_BPF_H

#ifndef __ksym
#define __ksym __attribute__((section(".ksyms")))
#endif

/* Payload length in bytes (1 to the topic's msg_max). */
extern __u32 bpf_kstream_msg_len(struct kstream_ingress_ctx *ctx) __ksym;

/*
 * Read-only pointer to payload bytes [offset, offset + size), or NULL if
 * they are not all inside the payload.  size must be a constant (the
 * verifier bounds accesses through the pointer by it); check for NULL
 * before use.
 */
extern const __u8 *bpf_kstream_msg_bytes(struct kstream_ingress_ctx *ctx,
					 __u32 offset,
					 const __u32 rdonly_buf_size) __ksym;

/*
 * The reason code of a KSTREAM_INGRESS_DEADLETTER verdict: the reason
 * field of the dead-letter record (0 unless set; the last call wins).
 */
extern void bpf_kstream_set_reason(struct kstream_ingress_ctx *ctx,
				   __u32 reason) __ksym;

/* The topic's id (KSTREAM_A_TOPIC_ID, its device minor). */
extern __u32 bpf_kstream_topic_id(struct kstream_ingress_ctx *ctx) __ksym;

/*
 * Copy the topic's name, NUL-terminated, into name[0..name__sz).  Returns
 * its length, or -E2BIG if it was truncated.
 */
extern int bpf_kstream_topic_name(struct kstream_ingress_ctx *ctx,
				  char *name, __u32 name__sz) __ksym;

/*
 * The sequence number the message gets if it passes and no other
 * producer commits first (the verdict runs before the commit, without the
 * topic lock).  Exact when the topic has a single producer.
 */
extern __u64 bpf_kstream_seq_hint(struct kstream_ingress_ctx *ctx) __ksym;

/*
 * Ingress time, CLOCK_REALTIME ns, read when first asked for and then the
 * same for the whole verdict.  The record's own timestamp is taken at
 * commit, a little later.  For intervals use bpf_ktime_get_ns()
 * (CLOCK_MONOTONIC) instead.
 */
extern __u64 bpf_kstream_ingress_ns(struct kstream_ingress_ctx *ctx) __ksym;

/*
 * The producer, as it was when it opened /dev/stream/<topic>: effective
 * uid and gid of the file's credentials, and the opener's process id, in
 * the initial namespaces.
 */
extern __u32 bpf_kstream_producer_uid(struct kstream_ingress_ctx *ctx) __ksym;
extern __u32 bpf_kstream_producer_gid(struct kstream_ingress_ctx *ctx) __ksym;
extern __u32 bpf_kstream_producer_pid(struct kstream_ingress_ctx *ctx) __ksym;

#endif /* KSTREAM_INGRESS_BPF_H */
