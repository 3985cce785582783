// SPDX-License-Identifier: GPL-2.0
/*
 * probe: records what every kfunc returns for the last message (probe.h)
 * and picks the verdict from the first payload byte, so that the test can
 * check the kfuncs and the drop counters exactly.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "kstream_ingress.h"
#include "probe.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct probe_rec);
} probe_last SEC(".maps");

SEC("struct_ops/verdict")
__u32 BPF_PROG(probe_verdict, struct kstream_ingress_ctx *msg)
{
	__u32 zero = 0, len = bpf_kstream_msg_len(msg);
	struct probe_rec *r = bpf_map_lookup_elem(&probe_last, &zero);
	const __u8 *p;

	if (!r)
		return KSTREAM_INGRESS_PASS;
	r->count++;
	r->len = len;
	r->topic_id = bpf_kstream_topic_id(msg);
	r->seq_hint = bpf_kstream_seq_hint(msg);
	r->ingress_ns = bpf_kstream_ingress_ns(msg);
	r->ingress_ns_again = bpf_kstream_ingress_ns(msg);
	r->uid = bpf_kstream_producer_uid(msg);
	r->gid = bpf_kstream_producer_gid(msg);
	r->pid = bpf_kstream_producer_pid(msg);
	r->name_ret = bpf_kstream_topic_name(msg, r->name, sizeof(r->name));
	r->short_name_ret = bpf_kstream_topic_name(msg, r->short_name,
						   sizeof(r->short_name));
	r->bounds = 0;
	if (len > 0 && bpf_kstream_msg_bytes(msg, len - 1, 1))
		r->bounds |= PROBE_LAST_BYTE;
	if (!bpf_kstream_msg_bytes(msg, len, 1))
		r->bounds |= PROBE_PAST_END_NULL;
	if (!bpf_kstream_msg_bytes(msg, 0xffffffff, 2))
		r->bounds |= PROBE_OVERFLOW_NULL;
	if (len == 16 && bpf_kstream_msg_bytes(msg, 0, 16))
		r->bounds |= PROBE_WHOLE;
	if (!bpf_kstream_msg_bytes(msg, 0, 4096))
		r->bounds |= PROBE_TOO_BIG_NULL;
	p = bpf_kstream_msg_bytes(msg, 0, 8);
	if (p)
		__builtin_memcpy(r->head, p, 8);

	p = bpf_kstream_msg_bytes(msg, 0, 1);
	if (!p)
		return KSTREAM_INGRESS_PASS;
	switch (p[0]) {
	case 'D':
		return KSTREAM_INGRESS_DROP;
	case 'S':
		return KSTREAM_INGRESS_DROP_SAMPLE;
	case 'R':
		return KSTREAM_INGRESS_DROP_RATELIMIT;
	case 'X':
		return 77;
	}
	return KSTREAM_INGRESS_PASS;
}

SEC(".struct_ops.link")
struct kstream_ingress_ops probe = {
	.verdict = (void *)probe_verdict,
	.name = "probe",
};

char LICENSE[] SEC("license") = "GPL";
