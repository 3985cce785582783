// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "kstream": the family, its policies, its
 * operations and multicast group, and what every command shares (names,
 * errors, dumps).  The commands are in topic.c, acl.c, filter.c,
 * stats.c, producer.c and config.c of this directory, events in events.c.
 *
 * Attribute validation is strict and done by the policy where it can be
 * (types, exact lengths, ranges); what the policy cannot express (names,
 * powers of two, msg_max against the ring size) is checked by the
 * commands, and every rejection says why in the extended ack.  The family
 * exists in the initial network namespace only.
 *
 * Who may do what is the security layer's to say (security.h): every
 * command passes exactly one hook with the sender as its subject, and
 * the operations on an existing topic run under the registry lock, hook
 * included, so nothing changes between the decision and the operation.
 * Every change (or refused change) of the configuration is audited once
 * the lock is dropped.
 *
 * The top of the module: may call everything below (registry, topic,
 * acl, bpf, stats, security, file, events); nothing calls it but main.c.
 * Locks: the registry lock (topic.c has the rules).
 */

#include <net/genetlink.h>

#include "../netlink.h"
#include "../registry.h"
#include "nl.h"

/* Not const: 6.1 takes a non-const pointer in NLA_POLICY_FULL_RANGE. */
static struct netlink_range_validation kstream_ring_range = {
	.min = KSTREAM_RING_SIZE_MIN,
	.max = KSTREAM_RING_SIZE_MAX,
};

static struct netlink_range_validation kstream_msg_range = {
	.min = 1,
	.max = KSTREAM_MSG_MAX_LIMIT,
};

const struct nla_policy kstream_acl_entry_policy[KSTREAM_ACL_A_MAX + 1] = {
	[KSTREAM_ACL_A_TYPE] = NLA_POLICY_MAX(NLA_U32, KSTREAM_ACL_TYPE_MAX),
	[KSTREAM_ACL_A_ID] = { .type = NLA_U32 },
	[KSTREAM_ACL_A_RIGHTS] = NLA_POLICY_MASK(NLA_U32, KSTREAM_ACL_RIGHTS_ALL),
};

static struct netlink_range_validation kstream_producers_range = {
	.min = 1,
	.max = KSTREAM_PRODUCERS_MAX_LIMIT,
};

/*
 * One policy per command, strictly validated: an attribute a command does
 * not list is refused ("Unsupported attribute", pointing at it), and so is
 * an attribute type the family does not know.  Every policy spans the
 * whole attribute space, so info->attrs[] can be indexed by any
 * KSTREAM_A_*.  Required attributes are checked by the commands with
 * GENL_REQ_ATTR_CHECK(), which names the missing one in the extended ack
 * (NLMSGERR_ATTR_MISS_TYPE).  Documentation/netlink/specs/kstream.yaml
 * lists the same attributes per command (tests/netlink-spec checks it).
 */
static const struct nla_policy kstream_topic_new_policy[KSTREAM_A_MAX + 1] = {
	[KSTREAM_A_TOPIC_NAME] = { .type = NLA_NUL_STRING,
				   .len = KSTREAM_NAME_MAX - 1 },
	[KSTREAM_A_TOPIC_RING_SIZE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &kstream_ring_range),
	[KSTREAM_A_TOPIC_MSG_MAX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &kstream_msg_range),
	[KSTREAM_A_TOPIC_POLICY] = NLA_POLICY_MAX(NLA_U32, KSTREAM_POLICY_MAX),
	/* Not 0: a topic only CAP_DAC_OVERRIDE could use. */
	[KSTREAM_A_TOPIC_MODE] = NLA_POLICY_RANGE(NLA_U16, 1, 0777),
	[KSTREAM_A_TOPIC_UID] = { .type = NLA_U32 },
	[KSTREAM_A_TOPIC_GID] = { .type = NLA_U32 },
	[KSTREAM_A_TOPIC_PRODUCERS_MAX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &kstream_producers_range),
	[KSTREAM_A_TOPIC_DEADLETTER] = { .type = NLA_NUL_STRING,
					 .len = KSTREAM_NAME_MAX - 1 },
	/* Refused, saying how (not a request attribute: the spec omits it). */
	[KSTREAM_A_FILTER_NAME] = {
		.type = NLA_REJECT,
		.reject_message = "attach filters with KSTREAM_CMD_FILTER_ATTACH",
	},
};

/* TOPIC_NEW's, but what cannot change on a live topic (uapi). */
static const struct nla_policy kstream_topic_set_policy[KSTREAM_A_MAX + 1] = {
	[KSTREAM_A_TOPIC_NAME] = { .type = NLA_NUL_STRING,
				   .len = KSTREAM_NAME_MAX - 1 },
	[KSTREAM_A_TOPIC_MSG_MAX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &kstream_msg_range),
	[KSTREAM_A_TOPIC_POLICY] = NLA_POLICY_MAX(NLA_U32, KSTREAM_POLICY_MAX),
	/* Not 0: a topic only CAP_DAC_OVERRIDE could use. */
	[KSTREAM_A_TOPIC_MODE] = NLA_POLICY_RANGE(NLA_U16, 1, 0777),
	[KSTREAM_A_TOPIC_UID] = { .type = NLA_U32 },
	[KSTREAM_A_TOPIC_GID] = { .type = NLA_U32 },
};

/* TOPIC_DEL, TOPIC_GET, FILTER_DETACH, STATS_RESET. */
static const struct nla_policy kstream_topic_name_policy[KSTREAM_A_MAX + 1] = {
	[KSTREAM_A_TOPIC_NAME] = { .type = NLA_NUL_STRING,
				   .len = KSTREAM_NAME_MAX - 1 },
};

static const struct nla_policy kstream_filter_attach_policy[KSTREAM_A_MAX + 1] = {
	[KSTREAM_A_TOPIC_NAME] = { .type = NLA_NUL_STRING,
				   .len = KSTREAM_NAME_MAX - 1 },
	[KSTREAM_A_FILTER_NAME] = { .type = NLA_NUL_STRING,
				    .len = KSTREAM_NAME_MAX - 1 },
};

static const struct nla_policy kstream_filter_get_policy[KSTREAM_A_MAX + 1] = {
	[KSTREAM_A_FILTER_NAME] = { .type = NLA_NUL_STRING,
				    .len = KSTREAM_NAME_MAX - 1 },
};

static const struct nla_policy kstream_acl_policy[KSTREAM_A_MAX + 1] = {
	[KSTREAM_A_TOPIC_NAME] = { .type = NLA_NUL_STRING,
				   .len = KSTREAM_NAME_MAX - 1 },
	[KSTREAM_A_ACL_ENTRY] = NLA_POLICY_NESTED(kstream_acl_entry_policy),
};

static const struct nla_policy kstream_producer_get_policy[KSTREAM_A_MAX + 1] = {
	[KSTREAM_A_TOPIC_NAME] = { .type = NLA_NUL_STRING,
				   .len = KSTREAM_NAME_MAX - 1 },
	[KSTREAM_A_PRODUCER_ID] = NLA_POLICY_MIN(NLA_U64, 1),
};

static const struct nla_policy kstream_deadletter_set_policy[KSTREAM_A_MAX + 1] = {
	[KSTREAM_A_TOPIC_NAME] = { .type = NLA_NUL_STRING,
				   .len = KSTREAM_NAME_MAX - 1 },
	[KSTREAM_A_TOPIC_DEADLETTER] = { .type = NLA_NUL_STRING,
					 .len = KSTREAM_NAME_MAX - 1 },
};

/* KSTREAM_CREATOR_GID_NONE, or a gid of the sender's user namespace. */
static const struct nla_policy kstream_config_set_policy[KSTREAM_A_MAX + 1] = {
	[KSTREAM_A_CREATOR_GID] = { .type = NLA_U32 },
};

/* CONFIG_GET takes no attribute. */
static const struct nla_policy kstream_no_attr_policy[KSTREAM_A_MAX + 1] = {
};

static const struct genl_multicast_group kstream_mcgrps[] = {
	[KSTREAM_MCGRP_EVENTS_ID] = { .name = KSTREAM_MCGRP_EVENTS },
};

/*
 * The name in attribute @type (topic and filter names have the same
 * rules): the name, or NULL with *@attr NULL if the attribute is missing,
 * or the attribute if the name is not valid.  KSTREAM_GET_NAME() sets the
 * extended ack (NL_SET_ERR_MSG wants literal messages).
 */
static const char *kstream_name_attr(struct genl_info *info, int type,
				     struct nlattr **attr)
{
	const char *name;

	*attr = info->attrs[type];
	if (!*attr)
		return NULL;
	name = nla_data(*attr);
	return kstream_topic_name_valid(name) ? name : NULL;
}

/*
 * The validated name in attribute @type, or NULL with the reason: a
 * missing attribute is named in the extended ack (GENL_REQ_ATTR_CHECK()),
 * with a message too.
 */
#define KSTREAM_GET_NAME(info, type, missing, invalid) ({		\
	struct genl_info *__gn_info = (info);				\
	struct nlattr *__gn_attr;					\
	const char *__gn_name =						\
		kstream_name_attr(__gn_info, type, &__gn_attr);		\
									\
	/* Not "__info": GENL_REQ_ATTR_CHECK() declares its own. */	\
	if (GENL_REQ_ATTR_CHECK(__gn_info, type))			\
		NL_SET_ERR_MSG(__gn_info->extack, missing);		\
	else if (!__gn_name)						\
		NL_SET_ERR_MSG_ATTR(__gn_info->extack, __gn_attr, invalid); \
	__gn_name;							\
})

/* The topic name attribute, validated; NULL (extack set) if bad. */
const char *kstream_get_name(struct genl_info *info)
{
	return KSTREAM_GET_NAME(info, KSTREAM_A_TOPIC_NAME, "topic name missing",
				"topic names are 1-63 characters of [A-Za-z0-9._-], not . or ..");
}

/* The dead-letter topic name attribute, validated; NULL if missing or bad. */
const char *kstream_get_deadletter_name(struct genl_info *info)
{
	return KSTREAM_GET_NAME(info, KSTREAM_A_TOPIC_DEADLETTER,
				"dead-letter topic name missing",
				"topic names are 1-63 characters of [A-Za-z0-9._-], not . or ..");
}

/* The filter name attribute, validated; NULL (extack set) if bad. */
const char *kstream_get_filter_name(struct genl_info *info)
{
	return KSTREAM_GET_NAME(info, KSTREAM_A_FILTER_NAME, "filter name missing",
				"filter names are 1-63 characters of [A-Za-z0-9._-], not . or ..");
}

/* The topic KSTREAM_A_TOPIC_NAME names does not exist. */
int kstream_no_such_topic(struct genl_info *info)
{
	NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[KSTREAM_A_TOPIC_NAME],
			    "no such topic");
	return -ENOENT;
}

/*
 * The end of one part of a dump that stopped at @id with @err: a full skb
 * ends this part, the rest follows in the next.
 */
int kstream_dump_done(struct sk_buff *skb, struct netlink_callback *cb,
		      unsigned long id, int err)
{
	cb->args[0] = id;
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

static const struct genl_ops kstream_genl_ops[] = {
	/* No GENL_ADMIN_PERM: the security layer decides (security.h). */
	{
		.cmd = KSTREAM_CMD_TOPIC_NEW,
		.doit = kstream_cmd_topic_new,
		.policy = kstream_topic_new_policy,
		.maxattr = KSTREAM_A_MAX,
	},
	{
		.cmd = KSTREAM_CMD_TOPIC_DEL,
		.doit = kstream_cmd_topic_del,
		.policy = kstream_topic_name_policy,
		.maxattr = KSTREAM_A_MAX,
	},
	{
		.cmd = KSTREAM_CMD_TOPIC_GET,
		.doit = kstream_cmd_topic_get,
		.dumpit = kstream_dump_topics,
		.policy = kstream_topic_name_policy,
		.maxattr = KSTREAM_A_MAX,
	},
	{
		.cmd = KSTREAM_CMD_FILTER_ATTACH,
		.doit = kstream_cmd_filter_attach,
		.policy = kstream_filter_attach_policy,
		.maxattr = KSTREAM_A_MAX,
	},
	{
		.cmd = KSTREAM_CMD_FILTER_DETACH,
		.doit = kstream_cmd_filter_detach,
		.policy = kstream_topic_name_policy,
		.maxattr = KSTREAM_A_MAX,
	},
	{
		.cmd = KSTREAM_CMD_FILTER_GET,
		.doit = kstream_cmd_filter_get,
		.dumpit = kstream_dump_filters,
		.policy = kstream_filter_get_policy,
		.maxattr = KSTREAM_A_MAX,
	},
	{
		.cmd = KSTREAM_CMD_STATS_RESET,
		.doit = kstream_cmd_stats_reset,
		.policy = kstream_topic_name_policy,
		.maxattr = KSTREAM_A_MAX,
	},
	{
		.cmd = KSTREAM_CMD_ACL_ADD,
		.doit = kstream_cmd_acl,
		.policy = kstream_acl_policy,
		.maxattr = KSTREAM_A_MAX,
	},
	{
		.cmd = KSTREAM_CMD_ACL_DEL,
		.doit = kstream_cmd_acl,
		.policy = kstream_acl_policy,
		.maxattr = KSTREAM_A_MAX,
	},
	{
		.cmd = KSTREAM_CMD_PRODUCER_GET,
		.doit = kstream_cmd_producer_get,
		.dumpit = kstream_dump_producers,
		.policy = kstream_producer_get_policy,
		.maxattr = KSTREAM_A_MAX,
	},
	{
		.cmd = KSTREAM_CMD_DEADLETTER_SET,
		.doit = kstream_cmd_deadletter_set,
		.policy = kstream_deadletter_set_policy,
		.maxattr = KSTREAM_A_MAX,
	},
	{
		.cmd = KSTREAM_CMD_TOPIC_SET,
		.doit = kstream_cmd_topic_set,
		.policy = kstream_topic_set_policy,
		.maxattr = KSTREAM_A_MAX,
	},
	{
		.cmd = KSTREAM_CMD_CONFIG_GET,
		.doit = kstream_cmd_config_get,
		.policy = kstream_no_attr_policy,
		.maxattr = KSTREAM_A_MAX,
	},
	/* Module-wide security settings: CAP_SYS_ADMIN (config.c). */
	{
		.cmd = KSTREAM_CMD_CONFIG_SET,
		.doit = kstream_cmd_config_set,
		.policy = kstream_config_set_policy,
		.maxattr = KSTREAM_A_MAX,
	},
};

struct genl_family kstream_genl_family __ro_after_init = {
	.name = KSTREAM_GENL_NAME,
	.version = KSTREAM_GENL_VERSION,
	.netnsok = false,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = kstream_genl_ops,
	.n_ops = ARRAY_SIZE(kstream_genl_ops),
	.mcgrps = kstream_mcgrps,
	.n_mcgrps = ARRAY_SIZE(kstream_mcgrps),
};

int __init kstream_genl_init(void)
{
	int err = genl_register_family(&kstream_genl_family);

	if (err)
		return err;
	err = kstream_nl_events_init();
	if (err)
		genl_unregister_family(&kstream_genl_family);
	return err;
}

void kstream_genl_exit(void)
{
	kstream_nl_events_exit();
	genl_unregister_family(&kstream_genl_family);
}

MODULE_ALIAS_GENL_FAMILY(KSTREAM_GENL_NAME);
