// SPDX-License-Identifier: GPL-2.0
/*
 * The module's settings in netlink: KSTREAM_CMD_CONFIG_GET (anyone) and
 * KSTREAM_CMD_CONFIG_SET (CAP_SYS_ADMIN, audited).  Today one setting:
 * the group whose members may create topics (the creator_gid module
 * parameter, read-only in sysfs so that every change passes here).
 *
 * May call: params (the setting), security (audit).  Locks: the kernel's
 * parameter lock of the module, in params.c.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <net/genetlink.h>

#include "../params.h"
#include "../security.h"
#include "nl.h"

/* The creator gid as the caller's user namespace sees it. */
static u32 kstream_creator_gid_seen(void)
{
	kgid_t gid = make_kgid(&init_user_ns,
			       (gid_t)READ_ONCE(kstream_creator_gid));

	if (!gid_valid(gid))
		return KSTREAM_CREATOR_GID_NONE;
	return from_kgid(current_user_ns(), gid);	/* (u32)-1 if unmapped */
}

int kstream_cmd_config_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *reply;
	void *hdr;

	reply = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	hdr = genlmsg_put_reply(reply, info, &kstream_genl_family, 0,
				KSTREAM_CMD_CONFIG_GET);
	if (!hdr || nla_put_u32(reply, KSTREAM_A_CREATOR_GID,
				kstream_creator_gid_seen())) {
		nlmsg_free(reply);
		return -EMSGSIZE;
	}
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);
}

/*
 * Who may create topics is a security policy: CAP_SYS_ADMIN in the
 * initial user namespace, held by the sender and by the socket's opener
 * (netlink_capable()), and every attempt is audited.
 */
int kstream_cmd_config_set(struct sk_buff *skb, struct genl_info *info)
{
	struct kstream_audit a = { .op = "config_set", .creator_gid = true };
	struct nlattr *attr = info->attrs[KSTREAM_A_CREATOR_GID];
	int err = 0, gid = -1;
	kgid_t kgid;

	if (GENL_REQ_ATTR_CHECK(info, KSTREAM_A_CREATOR_GID)) {
		NL_SET_ERR_MSG(info->extack, "creator gid missing");
		return -EINVAL;
	}
	if (nla_get_u32(attr) != KSTREAM_CREATOR_GID_NONE) {
		kgid = make_kgid(current_user_ns(), nla_get_u32(attr));
		if (!gid_valid(kgid)) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "gid not valid in this user namespace");
			return -EINVAL;
		}
		gid = from_kgid(&init_user_ns, kgid);
	}
	a.creator_gid_new = gid;
	a.creator_gid_old = READ_ONCE(kstream_creator_gid);
	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(info->extack,
			       "changing the module's settings needs CAP_SYS_ADMIN");
		err = -EPERM;
	} else {
		a.creator_gid_old = kstream_creator_gid_set(gid);
	}
	a.err = err;
	kstream_audit(&a, GFP_KERNEL);
	return err;
}
