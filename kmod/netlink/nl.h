/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of the netlink family share (family.c defines it).
 */
#ifndef _KSTREAM_NL_H
#define _KSTREAM_NL_H

#include <net/genetlink.h>
#include <linux/kstream.h>

struct kstream_audit;
struct kstream_subject;
struct kstream_topic;
struct kstream_topic_change;

enum kstream_mcgrp {
	KSTREAM_MCGRP_EVENTS_ID,
};

extern struct genl_family kstream_genl_family;
extern const struct nla_policy kstream_acl_entry_policy[KSTREAM_ACL_A_MAX + 1];

/* Validated names; NULL (extack set) if missing or bad. */
const char *kstream_get_name(struct genl_info *info);
const char *kstream_get_filter_name(struct genl_info *info);
const char *kstream_get_deadletter_name(struct genl_info *info);
/* -ENOENT: the topic KSTREAM_A_TOPIC_NAME names does not exist. */
int kstream_no_such_topic(struct genl_info *info);
/* The end of one part of a dump that stopped at @id with @err. */
int kstream_dump_done(struct sk_buff *skb, struct netlink_callback *cb,
		      unsigned long id, int err);

/* Nests of a topic message. */
int kstream_fill_topic(struct sk_buff *skb, struct kstream_topic *t,
		       u32 portid, u32 seq, int flags, u8 cmd,
		       bool with_readers);
int kstream_fill_stats(struct sk_buff *skb, struct kstream_topic *t);
int kstream_fill_readers(struct sk_buff *skb, struct kstream_topic *t);
int kstream_fill_acl(struct sk_buff *skb, struct kstream_topic *t,
		     struct user_namespace *ns);

/*
 * Every change of an existing topic: find it, ask topic_configure, apply,
 * under the registry lock; then make it bite, send the event, audit.
 */
int kstream_configure(struct sk_buff *skb, struct genl_info *info,
		      const char *name,
		      const struct kstream_topic_change *change,
		      struct kstream_audit *a);

/* The operations. */
int kstream_cmd_topic_new(struct sk_buff *skb, struct genl_info *info);
int kstream_cmd_topic_del(struct sk_buff *skb, struct genl_info *info);
int kstream_cmd_topic_get(struct sk_buff *skb, struct genl_info *info);
int kstream_dump_topics(struct sk_buff *skb, struct netlink_callback *cb);
int kstream_cmd_acl(struct sk_buff *skb, struct genl_info *info);
int kstream_cmd_stats_reset(struct sk_buff *skb, struct genl_info *info);
int kstream_cmd_filter_attach(struct sk_buff *skb, struct genl_info *info);
int kstream_cmd_filter_detach(struct sk_buff *skb, struct genl_info *info);
int kstream_cmd_filter_get(struct sk_buff *skb, struct genl_info *info);
int kstream_dump_filters(struct sk_buff *skb, struct netlink_callback *cb);
int kstream_cmd_producer_get(struct sk_buff *skb, struct genl_info *info);
int kstream_dump_producers(struct sk_buff *skb, struct netlink_callback *cb);
int kstream_cmd_deadletter_set(struct sk_buff *skb, struct genl_info *info);
int kstream_cmd_topic_set(struct sk_buff *skb, struct genl_info *info);
int kstream_cmd_config_get(struct sk_buff *skb, struct genl_info *info);
int kstream_cmd_config_set(struct sk_buff *skb, struct genl_info *info);
/*
 * Registry locked: may @subj make @dlq (by @name; NULL: none) the
 * dead-letter topic of @t, and is the link sound?  The dlq found (or NULL).
 */
int kstream_deadletter_allowed(const struct kstream_subject *subj,
			       struct kstream_topic *t, const char *name,
			       struct kstream_topic **dlq,
			       struct kstream_audit *a,
			       struct netlink_ext_ack *extack);

/* events.c: the notifier that multicasts events. */
int kstream_nl_events_init(void);
void kstream_nl_events_exit(void);

#endif /* _KSTREAM_NL_H */
