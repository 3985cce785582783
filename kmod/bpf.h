/* SPDX-License-Identifier: GPL-2.0 */
/*
 * eBPF ingress filters (bpf.c): the struct_ops type kstream_ingress_ops,
 * the filter registry, binding filters to topics, the verdict call.  All
 * but kstream_filter_run(), kstream_filter_attached() and
 * kstream_topic_filter_name() need the registry lock held.  Without
 * KSTREAM_HAVE_BPF_INGRESS (compat.h) the requests fail with EOPNOTSUPP.
 */
#ifndef _KSTREAM_BPF_H
#define _KSTREAM_BPF_H

#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/kstream.h>

#include "compat.h"
#include "topic.h"

struct kstream_filter;
struct kstream_producer_cred;
struct netlink_ext_ack;

void kstream_bpf_init(void);
/* 0, or -EOPNOTSUPP with an extack message naming the kernel needed. */
int kstream_filter_supported(struct netlink_ext_ack *extack);
/*
 * Registry locked, @t live and the caller past topic_configure: attach
 * @filter to @t (replacing its filter) or detach @t's filter.  0 or
 * -ENOENT with an extack message.  *@sync is set when a filter that was
 * attached may still be judging messages: once unlocked, synchronize_rcu()
 * makes sure none does.
 */
int kstream_filter_attach(struct kstream_topic *t, const char *filter,
			  bool *sync, struct netlink_ext_ack *extack);
int kstream_filter_detach(struct kstream_topic *t, bool *sync,
			  struct netlink_ext_ack *extack);
/* Registry locked: next registered filter with id >= *@id, or NULL. */
struct kstream_filter *kstream_filter_next(unsigned long *id);
/* Registry locked: the registered filter named @name, or NULL. */
struct kstream_filter *kstream_filter_find(const char *name);
const char *kstream_filter_name(const struct kstream_filter *f);
u32 kstream_filter_id(const struct kstream_filter *f);
/* Registry locked: is @f attached to @t? */
bool kstream_filter_of(struct kstream_topic *t, const struct kstream_filter *f);
/* Copy the name of @t's filter to @name; false if it has none. */
bool kstream_topic_filter_name(struct kstream_topic *t,
			       char name[KSTREAM_NAME_MAX]);
/* Registry locked: @t is being deleted, detach its filter. */
void kstream_topic_filter_clear(struct kstream_topic *t);
enum kstream_ingress_verdict
kstream_filter_run(struct kstream_topic *t,
		   const struct kstream_producer_cred *producer,
		   const void *data, u32 len, u32 *reason);

/* The whole cost of ingress filtering for a topic without one. */
static inline bool kstream_filter_attached(struct kstream_topic *t)
{
	return rcu_access_pointer(t->filter);
}

#endif /* _KSTREAM_BPF_H */
