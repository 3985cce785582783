// SPDX-License-Identifier: GPL-2.0
/*
 * pass: the smallest ingress program; it lets every message through.
 * Useful to measure what running a program costs (userspace/bench), and
 * as the skeleton of a new one (Documentation/bpf.rst).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("struct_ops/verdict")
__u32 BPF_PROG(pass_verdict, struct kstream_ingress_ctx *msg)
{
	return KSTREAM_INGRESS_PASS;
}

SEC(".struct_ops.link")
struct kstream_ingress_ops pass = {
	.verdict = (void *)pass_verdict,
	.name = "pass",
};

char LICENSE[] SEC("license") = "GPL";
