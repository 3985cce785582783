/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dead-letter topics (deadletter.c): which topic a topic's rejected
 * messages go to, and the header of the records written there.  The
 * record itself is committed by publish.c.  uapi/linux/kstream.h (eBPF
 * ingress filters, Dead-letter topics) is the contract.
 */
#ifndef _KSTREAM_DEADLETTER_H
#define _KSTREAM_DEADLETTER_H

#include <linux/types.h>
#include <linux/kstream.h>

struct kstream_file;
struct kstream_topic;
struct netlink_ext_ack;

/*
 * Registry locked: make @dlq (NULL: none) the dead-letter topic of @t.
 * -EINVAL with an extack message if @dlq is @t, would close a loop, or
 * cannot hold a record header.  @t holds a reference on its dead-letter
 * topic while it is set.
 */
int kstream_deadletter_set(struct kstream_topic *t, struct kstream_topic *dlq,
			   struct netlink_ext_ack *extack);
/* The checks of kstream_deadletter_set() alone (registry locked). */
int kstream_deadletter_check(struct kstream_topic *t, struct kstream_topic *dlq,
			     struct netlink_ext_ack *extack);
/*
 * Registry locked, @t being deleted: @t drops its dead-letter topic, and
 * every topic whose dead-letter topic @t was falls back to none.
 */
void kstream_deadletter_unlink(struct kstream_topic *t);
/* Registry locked: is @dlq the dead-letter topic of some topic? */
bool kstream_deadletter_is_target(struct kstream_topic *dlq);
/* The name of @t's dead-letter topic in @buf; false if none. */
bool kstream_deadletter_name(struct kstream_topic *t,
			     char buf[KSTREAM_NAME_MAX]);

/*
 * Data path: @t's dead-letter topic with a reference (put it with
 * kstream_topic_put()), or NULL.  Takes @t's lock briefly.
 */
struct kstream_topic *kstream_deadletter_get(struct kstream_topic *t);
/*
 * The header of the record of a message of @len bytes that @kf's
 * producer sent to @t, for a dead-letter topic whose payloads hold at
 * most @dl_msg_max bytes; returns the bytes of the payload that fit.
 */
u32 kstream_deadletter_fill(struct kstream_deadletter *dl,
			    struct kstream_file *kf, u32 len, u32 reason,
			    u64 producer_id, u64 producer_seq, u32 dl_msg_max);

#endif /* _KSTREAM_DEADLETTER_H */
