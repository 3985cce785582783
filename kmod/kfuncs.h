/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kfuncs of eBPF ingress programs (bpf.c), for programs only: they are
 * global so that the verifier finds them by name, and declared here so
 * that nothing else needs to.  Programs declare them with __ksym
 * (bpf/kstream_ingress.h, which documents them for program authors).
 */
#ifndef _KSTREAM_KFUNCS_H
#define _KSTREAM_KFUNCS_H

#include <linux/types.h>

struct kstream_ingress_ctx;

u32 bpf_kstream_msg_len(struct kstream_ingress_ctx *ctx);
const u8 *bpf_kstream_msg_bytes(struct kstream_ingress_ctx *ctx, u32 offset,
				const u32 rdonly_buf_size);
u32 bpf_kstream_topic_id(struct kstream_ingress_ctx *ctx);
int bpf_kstream_topic_name(struct kstream_ingress_ctx *ctx, char *name,
			   u32 name__sz);
u64 bpf_kstream_seq_hint(struct kstream_ingress_ctx *ctx);
u64 bpf_kstream_ingress_ns(struct kstream_ingress_ctx *ctx);
void bpf_kstream_set_reason(struct kstream_ingress_ctx *ctx, u32 reason);
u32 bpf_kstream_producer_uid(struct kstream_ingress_ctx *ctx);
u32 bpf_kstream_producer_gid(struct kstream_ingress_ctx *ctx);
u32 bpf_kstream_producer_pid(struct kstream_ingress_ctx *ctx);

#endif /* _KSTREAM_KFUNCS_H */
