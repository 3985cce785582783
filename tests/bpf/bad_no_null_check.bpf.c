// SPDX-License-Identifier: GPL-2.0
/* Must be refused: uses the payload pointer without checking for NULL. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "kstream_ingress.h"

SEC("struct_ops/verdict")
__u32 BPF_PROG(bad_verdict, struct kstream_ingress_ctx *msg)
{
	const volatile __u8 *p = bpf_kstream_msg_bytes(msg, 0, 4);

	return p[0] == 'X' ? KSTREAM_INGRESS_DROP : KSTREAM_INGRESS_PASS;
}

SEC(".struct_ops.link")
struct kstream_ingress_ops bad = { .verdict = (void *)bad_verdict, .name = "bad" };

char LICENSE[] SEC("license") = "GPL";
