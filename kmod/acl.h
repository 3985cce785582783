/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The default security policy "acl" (acl.c): a topic's owner, group, mode
 * and ACL entries.  Its hooks are reached through the security layer only
 * (security.h); the rest is for topic lifetime and the control plane.
 */
#ifndef _KSTREAM_ACL_H
#define _KSTREAM_ACL_H

#include <linux/types.h>

struct kstream_acl_entry;
struct kstream_security_ops;
struct kstream_topic;
struct kstream_topic_change;
struct kstream_topic_config;
struct netlink_ext_ack;

extern const struct kstream_security_ops kstream_acl_policy;

int kstream_acl_init(struct kstream_topic *t,
		     const struct kstream_topic_config *cfg);
void kstream_acl_free(struct kstream_topic *t);
/* A copy of the entries into @out (KSTREAM_ACL_MAX_ENTRIES); the count. */
unsigned int kstream_acl_snapshot(struct kstream_topic *t,
				  struct kstream_acl_entry *out);
/* The "acl" sysfs attribute of @t into @buf (a page); its length. */
ssize_t kstream_acl_show(struct kstream_topic *t, char *buf);
/*
 * Registry locked, @t live, the caller past topic_configure: apply an ACL
 * change.  *@changed: the ACL changed; *@revoked: rights may have been
 * taken away (for kstream_security_enforce()).
 */
int kstream_acl_change(struct kstream_topic *t,
		       const struct kstream_topic_change *c, bool *changed,
		       bool *revoked, struct netlink_ext_ack *extack);

/*
 * Registry locked, @t live, the caller past topic_configure: the mode,
 * owner and group of a KSTREAM_CMD_TOPIC_SET.  Cannot fail.  The caller
 * enforces (revoked).
 */
struct kstream_topic_set;
void kstream_acl_set_ownership(struct kstream_topic *t,
			       const struct kstream_topic_set *set);

#endif /* _KSTREAM_ACL_H */
