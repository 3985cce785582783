// SPDX-License-Identifier: GPL-2.0
/* Must be refused: verdict programs run under RCU and may not sleep. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "kstream_ingress.h"

SEC("struct_ops.s/verdict")
__u32 BPF_PROG(bad_verdict, struct kstream_ingress_ctx *msg)
{
	return KSTREAM_INGRESS_PASS;
}

SEC(".struct_ops.link")
struct kstream_ingress_ops bad = { .verdict = (void *)bad_verdict, .name = "bad" };

char LICENSE[] SEC("license") = "GPL";
