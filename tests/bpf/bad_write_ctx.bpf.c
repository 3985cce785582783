// SPDX-License-Identifier: GPL-2.0
/* Must be refused: writes the message context (its length). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "kstream_ingress.h"

SEC("struct_ops/verdict")
__u32 BPF_PROG(bad_verdict, struct kstream_ingress_ctx *msg)
{
	msg->len = 1;
	return KSTREAM_INGRESS_PASS;
}

SEC(".struct_ops.link")
struct kstream_ingress_ops bad = { .verdict = (void *)bad_verdict, .name = "bad" };

char LICENSE[] SEC("license") = "GPL";
