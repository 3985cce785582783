// SPDX-License-Identifier: GPL-2.0
/* Must be refused: reads byte 4 of a 4-byte window. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "kstream_ingress.h"

SEC("struct_ops/verdict")
__u32 BPF_PROG(bad_verdict, struct kstream_ingress_ctx *msg)
{
	const volatile __u8 *p = bpf_kstream_msg_bytes(msg, 0, 4);

	if (p && p[4] == 'X')
		return KSTREAM_INGRESS_DROP;
	return KSTREAM_INGRESS_PASS;
}

SEC(".struct_ops.link")
struct kstream_ingress_ops bad = { .verdict = (void *)bad_verdict, .name = "bad" };

char LICENSE[] SEC("license") = "GPL";
