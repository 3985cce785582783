// SPDX-License-Identifier: GPL-2.0
/*
 * ACLs in netlink: the KSTREAM_A_TOPIC_ACL nest, KSTREAM_CMD_ACL_ADD and
 * KSTREAM_CMD_ACL_DEL.
 */

#include <linux/cred.h>
#include <net/genetlink.h>

#include "../acl.h"
#include "../security.h"
#include "../topic.h"
#include "nl.h"

/* The KSTREAM_A_TOPIC_ACL nest; ids as @ns sees them. */
int kstream_fill_acl(struct sk_buff *skb, struct kstream_topic *t,
		     struct user_namespace *ns)
{
	struct kstream_acl_entry acl[KSTREAM_ACL_MAX_ENTRIES];
	struct nlattr *nest, *entry;
	unsigned int i, n;
	u32 id;

	n = kstream_acl_snapshot(t, acl);
	nest = nla_nest_start(skb, KSTREAM_A_TOPIC_ACL);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		if (acl[i].type == KSTREAM_ACL_USER)
			id = from_kuid_munged(ns, acl[i].uid);
		else
			id = from_kgid_munged(ns, acl[i].gid);
		entry = nla_nest_start(skb, KSTREAM_A_ACL_ENTRY);
		if (!entry ||
		    nla_put_u32(skb, KSTREAM_ACL_A_TYPE, acl[i].type) ||
		    nla_put_u32(skb, KSTREAM_ACL_A_ID, id) ||
		    nla_put_u32(skb, KSTREAM_ACL_A_RIGHTS, acl[i].rights)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, entry);
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* The ACL entry of an ACL command; rights default to all for _DEL. */
static int kstream_parse_acl_entry(struct genl_info *info, bool del,
				   struct kstream_acl_entry *e)
{
	struct nlattr *attr = info->attrs[KSTREAM_A_ACL_ENTRY];
	struct user_namespace *ns = current_user_ns();
	struct nlattr *tb[KSTREAM_ACL_A_MAX + 1];
	u32 id;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, KSTREAM_A_ACL_ENTRY)) {
		NL_SET_ERR_MSG(info->extack, "ACL entry missing");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, KSTREAM_ACL_A_MAX, attr,
			       kstream_acl_entry_policy, info->extack);
	if (err)
		return err;
	/* Missing ones are named in the ack: the nest and the type. */
	if (NL_REQ_ATTR_CHECK(info->extack, attr, tb, KSTREAM_ACL_A_TYPE)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "ACL entry type missing");
		return -EINVAL;
	}
	if (NL_REQ_ATTR_CHECK(info->extack, attr, tb, KSTREAM_ACL_A_ID)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "ACL entry id missing");
		return -EINVAL;
	}
	if (!del &&
	    NL_REQ_ATTR_CHECK(info->extack, attr, tb, KSTREAM_ACL_A_RIGHTS)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "ACL entry rights missing");
		return -EINVAL;
	}
	e->rights = KSTREAM_ACL_RIGHTS_ALL;
	if (tb[KSTREAM_ACL_A_RIGHTS])
		e->rights = nla_get_u32(tb[KSTREAM_ACL_A_RIGHTS]);
	if (!e->rights) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[KSTREAM_ACL_A_RIGHTS],
				    "no right given");
		return -EINVAL;
	}
	e->type = nla_get_u32(tb[KSTREAM_ACL_A_TYPE]);
	id = nla_get_u32(tb[KSTREAM_ACL_A_ID]);
	if (e->type == KSTREAM_ACL_USER) {
		e->uid = make_kuid(ns, id);
		err = uid_valid(e->uid) ? 0 : -EINVAL;
	} else {
		e->gid = make_kgid(ns, id);
		err = gid_valid(e->gid) ? 0 : -EINVAL;
	}
	if (err)
		NL_SET_ERR_MSG_ATTR(info->extack, tb[KSTREAM_ACL_A_ID],
				    "id not valid in this user namespace");
	return err;
}

/* KSTREAM_CMD_ACL_ADD and KSTREAM_CMD_ACL_DEL. */
int kstream_cmd_acl(struct sk_buff *skb, struct genl_info *info)
{
	bool del = info->genlhdr->cmd == KSTREAM_CMD_ACL_DEL;
	const char *name = kstream_get_name(info);
	struct kstream_topic_change change = {
		.op = del ? KSTREAM_CHANGE_ACL_DEL : KSTREAM_CHANGE_ACL_ADD,
	};
	struct kstream_audit a = {
		.op = del ? "acl_del" : "acl_add", .topic = name,
		.entry = &change.entry,
	};
	int err;

	if (!name)
		return -EINVAL;
	err = kstream_parse_acl_entry(info, del, &change.entry);
	if (err)
		return err;
	return kstream_configure(skb, info, name, &change, &a);
}
