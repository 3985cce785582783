// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "kstream": the control plane.
 *
 * Attribute validation is strict and done by the policy where it can be
 * (types, exact lengths, ranges); what the policy cannot express (names,
 * powers of two, msg_max against the ring size) is checked here, and every
 * rejection says why in the extended ack.  Mutating commands need
 * CAP_NET_ADMIN in the initial user namespace (GENL_ADMIN_PERM); the family
 * exists in the initial network namespace only.
 */

#include <linux/cred.h>
#include <linux/log2.h>
#include <net/genetlink.h>

#include "kstream.h"

/* Not const: 6.1 takes a non-const pointer in NLA_POLICY_FULL_RANGE. */
static struct netlink_range_validation kstream_ring_range = {
	.min = KSTREAM_RING_SIZE_MIN,
	.max = KSTREAM_RING_SIZE_MAX,
};

static struct netlink_range_validation kstream_msg_range = {
	.min = 1,
	.max = KSTREAM_MSG_MAX_LIMIT,
};

static const struct nla_policy kstream_policy[KSTREAM_A_MAX + 1] = {
	[KSTREAM_A_TOPIC_NAME] = { .type = NLA_NUL_STRING,
				   .len = KSTREAM_NAME_MAX - 1 },
	[KSTREAM_A_TOPIC_ID] = { .type = NLA_REJECT },
	[KSTREAM_A_TOPIC_RING_SIZE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &kstream_ring_range),
	[KSTREAM_A_TOPIC_MSG_MAX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &kstream_msg_range),
	[KSTREAM_A_TOPIC_POLICY] = NLA_POLICY_MAX(NLA_U32, KSTREAM_POLICY_MAX),
	/* Not 0: devtmpfs would create such a node with mode 0600. */
	[KSTREAM_A_TOPIC_MODE] = NLA_POLICY_RANGE(NLA_U16, 1, 0777),
	[KSTREAM_A_TOPIC_UID] = { .type = NLA_U32 },
	[KSTREAM_A_TOPIC_GID] = { .type = NLA_U32 },
	[KSTREAM_A_TOPIC_STATS] = { .type = NLA_REJECT },
	[KSTREAM_A_FILTER_NAME] = { .type = NLA_NUL_STRING,
				    .len = KSTREAM_NAME_MAX - 1 },
	[KSTREAM_A_FILTER_ID] = { .type = NLA_REJECT },
	[KSTREAM_A_FILTER_TOPICS] = { .type = NLA_REJECT },
	[KSTREAM_A_TOPIC_READERS] = { .type = NLA_REJECT },
	[KSTREAM_A_EVENT] = { .type = NLA_REJECT },
	[KSTREAM_A_EVENT_LOST] = { .type = NLA_REJECT },
	[KSTREAM_A_EVENT_PID] = { .type = NLA_REJECT },
};

enum kstream_mcgrp {
	KSTREAM_MCGRP_EVENTS_ID,
};

static const struct genl_multicast_group kstream_mcgrps[] = {
	[KSTREAM_MCGRP_EVENTS_ID] = { .name = KSTREAM_MCGRP_EVENTS },
};

static struct genl_family kstream_genl_family;

/* The topic name attribute, validated; NULL (extack set) if bad. */
static const char *kstream_get_name(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[KSTREAM_A_TOPIC_NAME];
	const char *name;

	if (!attr) {
		NL_SET_ERR_MSG(info->extack, "topic name missing");
		return NULL;
	}
	name = nla_data(attr);
	if (!kstream_topic_name_valid(name)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "topic names are 1-63 characters of [A-Za-z0-9._-], not . or ..");
		return NULL;
	}
	return name;
}

static int kstream_fill_stats(struct sk_buff *skb, struct kstream_topic *t)
{
	struct kstream_topic_stats st;
	const struct {
		int attr;
		const u64 *value;
	} stats[] = {
		{ KSTREAM_STAT_PUBLISHED, &st.published },
		{ KSTREAM_STAT_PUBLISHED_BYTES, &st.published_bytes },
		{ KSTREAM_STAT_DROPPED, &st.dropped },
		{ KSTREAM_STAT_LOST, &st.lost },
		{ KSTREAM_STAT_READERS, &st.readers },
		{ KSTREAM_STAT_WRITERS, &st.writers },
		{ KSTREAM_STAT_HEAD_SEQ, &st.head_seq },
		{ KSTREAM_STAT_TAIL_SEQ, &st.tail_seq },
		{ KSTREAM_STAT_RING_USED, &st.ring_used },
		{ KSTREAM_STAT_DROPPED_FILTER, &st.dropped_filter },
		{ KSTREAM_STAT_DROPPED_SAMPLE, &st.dropped_sample },
		{ KSTREAM_STAT_DROPPED_RATELIMIT, &st.dropped_ratelimit },
		{ KSTREAM_STAT_DELIVERED, &st.delivered },
		{ KSTREAM_STAT_DELIVERED_BYTES, &st.delivered_bytes },
		{ KSTREAM_STAT_ERR_EMPTY, &st.errors[KSTREAM_ERR_EMPTY] },
		{ KSTREAM_STAT_ERR_TOO_BIG, &st.errors[KSTREAM_ERR_TOO_BIG] },
		{ KSTREAM_STAT_ERR_FULL, &st.errors[KSTREAM_ERR_FULL] },
		{ KSTREAM_STAT_ERR_INTR, &st.errors[KSTREAM_ERR_INTR] },
		{ KSTREAM_STAT_ERR_FAULT, &st.errors[KSTREAM_ERR_FAULT] },
		{ KSTREAM_STAT_ERR_GONE, &st.errors[KSTREAM_ERR_GONE] },
		{ KSTREAM_STAT_MAX_LAG, &st.max_lag },
		{ KSTREAM_STAT_MAX_LAG_BYTES, &st.max_lag_bytes },
	};
	struct nlattr *nest;
	unsigned int i;

	kstream_topic_stats(t, &st);
	nest = nla_nest_start(skb, KSTREAM_A_TOPIC_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(stats); i++) {
		if (nla_put_u64_64bit(skb, stats[i].attr, *stats[i].value,
				      KSTREAM_STAT_PAD))
			goto cancel;
	}
	if (nla_put(skb, KSTREAM_STAT_LATENCY, sizeof(st.latency), st.latency))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* One KSTREAM_A_TOPIC_READERS entry (topic lock held: no sleeping). */
static int kstream_fill_reader(void *arg, const struct kstream_reader_stats *rs)
{
	struct sk_buff *skb = arg;
	struct nlattr *nest;

	nest = nla_nest_start(skb, 0);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, KSTREAM_READER_PID, rs->pid) ||
	    (rs->mapped && nla_put_flag(skb, KSTREAM_READER_MAPPED)) ||
	    nla_put_u64_64bit(skb, KSTREAM_READER_DELIVERED, rs->delivered,
			      KSTREAM_READER_PAD) ||
	    nla_put_u64_64bit(skb, KSTREAM_READER_LOST, rs->lost,
			      KSTREAM_READER_PAD) ||
	    nla_put_u64_64bit(skb, KSTREAM_READER_LAG, rs->lag,
			      KSTREAM_READER_PAD) ||
	    nla_put_u64_64bit(skb, KSTREAM_READER_LAG_BYTES, rs->lag_bytes,
			      KSTREAM_READER_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int kstream_fill_readers(struct sk_buff *skb, struct kstream_topic *t)
{
	struct kstream_reader_visitor v = {
		.fn = kstream_fill_reader,
		.arg = skb,
	};
	struct nlattr *nest;
	int err;

	nest = nla_nest_start(skb, KSTREAM_A_TOPIC_READERS);
	if (!nest)
		return -EMSGSIZE;
	err = kstream_visit_readers(t, &v);
	if (err) {
		nla_nest_cancel(skb, nest);
		return err;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* One topic message: header and every attribute of @t. */
static int kstream_fill_topic(struct sk_buff *skb, struct kstream_topic *t,
			      u32 portid, u32 seq, int flags, u8 cmd,
			      bool with_readers)
{
	struct user_namespace *ns = current_user_ns();
	char filter[KSTREAM_NAME_MAX];
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &kstream_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, KSTREAM_A_TOPIC_NAME, t->name) ||
	    nla_put_u32(skb, KSTREAM_A_TOPIC_ID, t->id) ||
	    nla_put_u32(skb, KSTREAM_A_TOPIC_RING_SIZE, t->ring.size) ||
	    nla_put_u32(skb, KSTREAM_A_TOPIC_MSG_MAX, t->msg_max) ||
	    nla_put_u32(skb, KSTREAM_A_TOPIC_POLICY, t->policy) ||
	    nla_put_u16(skb, KSTREAM_A_TOPIC_MODE, t->mode) ||
	    nla_put_u32(skb, KSTREAM_A_TOPIC_UID, from_kuid_munged(ns, t->uid)) ||
	    nla_put_u32(skb, KSTREAM_A_TOPIC_GID, from_kgid_munged(ns, t->gid)) ||
	    kstream_fill_stats(skb, t) ||
	    (kstream_topic_filter_name(t, filter) &&
	     nla_put_string(skb, KSTREAM_A_FILTER_NAME, filter)) ||
	    (with_readers && kstream_fill_readers(skb, t))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* Bytes a reader takes in KSTREAM_A_TOPIC_READERS, rounded up. */
#define KSTREAM_READER_NLSIZE 96

static int kstream_reply_topic(struct genl_info *info, struct kstream_topic *t,
			       bool with_readers)
{
	size_t size = NLMSG_GOODSIZE;
	struct sk_buff *skb;
	int err, tries;

	/* Readers may come while we build the reply: make room, retry once. */
	for (tries = 0; tries < 2; tries++) {
		if (with_readers)
			size += (READ_ONCE(t->nr_readers) + 16) *
				KSTREAM_READER_NLSIZE;
		skb = genlmsg_new(size, GFP_KERNEL);
		if (!skb)
			return -ENOMEM;
		err = kstream_fill_topic(skb, t, info->snd_portid,
					 info->snd_seq, 0, info->genlhdr->cmd,
					 with_readers);
		if (!err)
			return genlmsg_reply(skb, info);
		nlmsg_free(skb);
		if (err != -EMSGSIZE)
			break;
	}
	return err;
}

static int kstream_parse_config(struct genl_info *info,
				struct kstream_topic_config *cfg)
{
	struct nlattr **a = info->attrs;
	struct user_namespace *ns = current_user_ns();

	cfg->name = kstream_get_name(info);
	if (!cfg->name)
		return -EINVAL;
	if (a[KSTREAM_A_FILTER_NAME]) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[KSTREAM_A_FILTER_NAME],
				    "attach filters with KSTREAM_CMD_FILTER_ATTACH");
		return -EINVAL;
	}

	cfg->ring_size = KSTREAM_RING_SIZE_DEFAULT;
	if (a[KSTREAM_A_TOPIC_RING_SIZE])
		cfg->ring_size = nla_get_u32(a[KSTREAM_A_TOPIC_RING_SIZE]);
	if (!is_power_of_2(cfg->ring_size)) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[KSTREAM_A_TOPIC_RING_SIZE],
				    "ring size must be a power of two");
		return -EINVAL;
	}

	cfg->msg_max = min(KSTREAM_MSG_MAX_DEFAULT, cfg->ring_size / 4);
	if (a[KSTREAM_A_TOPIC_MSG_MAX])
		cfg->msg_max = nla_get_u32(a[KSTREAM_A_TOPIC_MSG_MAX]);
	if (cfg->msg_max > cfg->ring_size / 4) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[KSTREAM_A_TOPIC_MSG_MAX],
				    "max message size must be at most a quarter of the ring size");
		return -EINVAL;
	}

	cfg->policy = KSTREAM_POLICY_OVERWRITE;
	if (a[KSTREAM_A_TOPIC_POLICY])
		cfg->policy = nla_get_u32(a[KSTREAM_A_TOPIC_POLICY]);

	cfg->mode = 0600;
	if (a[KSTREAM_A_TOPIC_MODE])
		cfg->mode = nla_get_u16(a[KSTREAM_A_TOPIC_MODE]);

	cfg->uid = GLOBAL_ROOT_UID;
	if (a[KSTREAM_A_TOPIC_UID]) {
		cfg->uid = make_kuid(ns, nla_get_u32(a[KSTREAM_A_TOPIC_UID]));
		if (!uid_valid(cfg->uid)) {
			NL_SET_ERR_MSG_ATTR(info->extack, a[KSTREAM_A_TOPIC_UID],
					    "uid not valid in this user namespace");
			return -EINVAL;
		}
	}
	cfg->gid = GLOBAL_ROOT_GID;
	if (a[KSTREAM_A_TOPIC_GID]) {
		cfg->gid = make_kgid(ns, nla_get_u32(a[KSTREAM_A_TOPIC_GID]));
		if (!gid_valid(cfg->gid)) {
			NL_SET_ERR_MSG_ATTR(info->extack, a[KSTREAM_A_TOPIC_GID],
					    "gid not valid in this user namespace");
			return -EINVAL;
		}
	}
	return 0;
}

static int kstream_cmd_topic_new(struct sk_buff *skb, struct genl_info *info)
{
	struct kstream_topic_config cfg;
	struct kstream_topic *t;
	struct sk_buff *reply;
	int err;

	err = kstream_parse_config(info, &cfg);
	if (err)
		return err;
	/*
	 * Allocate the reply first: once the topic exists, the request has
	 * succeeded, and a reply that cannot be had must not say otherwise.
	 */
	reply = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	t = kstream_topic_create(&cfg, info->extack);
	if (IS_ERR(t)) {
		nlmsg_free(reply);
		return PTR_ERR(t);
	}
	err = kstream_fill_topic(reply, t, info->snd_portid, info->snd_seq, 0,
				 info->genlhdr->cmd, false);
	kstream_topic_put(t);
	if (err)
		nlmsg_free(reply);
	else
		genlmsg_reply(reply, info);
	/* Created: a reply lost on the way does not undo that. */
	return 0;
}

static int kstream_cmd_topic_del(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = kstream_get_name(info);

	if (!name)
		return -EINVAL;
	return kstream_topic_delete(name, info->extack);
}

/* The topic KSTREAM_A_TOPIC_NAME names, with a reference; ERR_PTR if none. */
static struct kstream_topic *kstream_info_topic(struct genl_info *info)
{
	const char *name = kstream_get_name(info);
	struct kstream_topic *t;

	if (!name)
		return ERR_PTR(-EINVAL);
	t = kstream_topic_get_by_name(name);
	if (!t) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[KSTREAM_A_TOPIC_NAME],
				    "no such topic");
		return ERR_PTR(-ENOENT);
	}
	return t;
}

static int kstream_cmd_topic_get(struct sk_buff *skb, struct genl_info *info)
{
	struct kstream_topic *t = kstream_info_topic(info);
	int err;

	if (IS_ERR(t))
		return PTR_ERR(t);
	err = kstream_reply_topic(info, t, true);
	kstream_topic_put(t);
	return err;
}

static int kstream_cmd_stats_reset(struct sk_buff *skb, struct genl_info *info)
{
	struct kstream_topic *t = kstream_info_topic(info);

	if (IS_ERR(t))
		return PTR_ERR(t);
	kstream_stats_reset(t);
	kstream_notify(t, KSTREAM_EVENT_STATS_RESET, 0, 0);
	kstream_topic_put(t);
	return 0;
}

/* Dump every topic in id order; cb->args[0] is the next id to dump. */
static int kstream_dump_topics(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long id = cb->args[0];
	struct kstream_topic *t;
	int err = 0;

	kstream_topics_lock();
	while ((t = kstream_topic_next(&id))) {
		err = kstream_fill_topic(skb, t, NETLINK_CB(cb->skb).portid,
					 cb->nlh->nlmsg_seq, NLM_F_MULTI,
					 KSTREAM_CMD_TOPIC_GET, false);
		if (err)
			break;
		id++;
	}
	kstream_topics_unlock();
	cb->args[0] = id;
	/* A full skb ends this part of the dump; the rest follows. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

/* ------------------------------------------------------------- filters */

/* The filter name attribute, validated; NULL (extack set) if bad. */
static const char *kstream_get_filter_name(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[KSTREAM_A_FILTER_NAME];
	const char *name;

	if (!attr) {
		NL_SET_ERR_MSG(info->extack, "filter name missing");
		return NULL;
	}
	name = nla_data(attr);
	if (!kstream_topic_name_valid(name)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "filter names are 1-63 characters of [A-Za-z0-9._-], not . or ..");
		return NULL;
	}
	return name;
}

static int kstream_cmd_filter_attach(struct sk_buff *skb,
				     struct genl_info *info)
{
	const char *topic, *filter;
	int err = kstream_filter_supported(info->extack);

	if (err)
		return err;
	topic = kstream_get_name(info);
	if (!topic)
		return -EINVAL;
	filter = kstream_get_filter_name(info);
	if (!filter)
		return -EINVAL;
	return kstream_filter_attach(topic, filter, info->extack);
}

static int kstream_cmd_filter_detach(struct sk_buff *skb,
				     struct genl_info *info)
{
	const char *topic;
	int err = kstream_filter_supported(info->extack);

	if (err)
		return err;
	topic = kstream_get_name(info);
	if (!topic)
		return -EINVAL;
	return kstream_filter_detach(topic, info->extack);
}

/* Bytes of a filter message naming @n topics. */
static size_t kstream_filter_msg_size(unsigned int n)
{
	return nla_total_size(KSTREAM_NAME_MAX) + nla_total_size(sizeof(u32)) +
	       nla_total_size(0) + n * nla_total_size(KSTREAM_NAME_MAX);
}

/* Topics @f is attached to.  Registry locked. */
static unsigned int kstream_filter_nr_topics(const struct kstream_filter *f)
{
	struct kstream_topic *t;
	unsigned long id = 0;
	unsigned int n = 0;

	while ((t = kstream_topic_next(&id))) {
		n += kstream_filter_of(t, f);
		id++;
	}
	return n;
}

/* One filter message: name, id, the topics it is attached to.  Locked. */
static int kstream_fill_filter(struct sk_buff *skb, struct kstream_filter *f,
			       u32 portid, u32 seq, int flags)
{
	struct kstream_topic *t;
	struct nlattr *nest;
	unsigned long id = 0;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &kstream_genl_family, flags,
			  KSTREAM_CMD_FILTER_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, KSTREAM_A_FILTER_NAME, kstream_filter_name(f)) ||
	    nla_put_u32(skb, KSTREAM_A_FILTER_ID, kstream_filter_id(f)))
		goto cancel;
	nest = nla_nest_start(skb, KSTREAM_A_FILTER_TOPICS);
	if (!nest)
		goto cancel;
	while ((t = kstream_topic_next(&id))) {
		if (kstream_filter_of(t, f) &&
		    nla_put_string(skb, KSTREAM_A_TOPIC_NAME, t->name))
			goto cancel;
		id++;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int kstream_cmd_filter_get(struct sk_buff *skb, struct genl_info *info)
{
	struct kstream_filter *f;
	struct sk_buff *msg;
	const char *name;
	int err = kstream_filter_supported(info->extack);

	if (err)
		return err;
	name = kstream_get_filter_name(info);
	if (!name)
		return -EINVAL;
	kstream_topics_lock();
	f = kstream_filter_find(name);
	if (!f) {
		kstream_topics_unlock();
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[KSTREAM_A_FILTER_NAME],
				    "no such filter");
		return -ENOENT;
	}
	msg = genlmsg_new(kstream_filter_msg_size(kstream_filter_nr_topics(f)),
			  GFP_KERNEL);
	if (msg)
		err = kstream_fill_filter(msg, f, info->snd_portid,
					  info->snd_seq, 0);
	else
		err = -ENOMEM;
	kstream_topics_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* Dump every filter in id order; cb->args[0] is the next id to dump. */
static int kstream_dump_filters(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	unsigned long id = cb->args[0];
	struct kstream_filter *f;
	int err;

	err = kstream_filter_supported(cb->extack);
	if (err)
		return err;
	kstream_topics_lock();
	while ((f = kstream_filter_next(&id))) {
		err = kstream_fill_filter(skb, f, NETLINK_CB(cb->skb).portid,
					  cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (err)
			break;
		id++;
	}
	kstream_topics_unlock();
	cb->args[0] = id;
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

static const struct genl_ops kstream_genl_ops[] = {
	{
		.cmd = KSTREAM_CMD_TOPIC_NEW,
		.doit = kstream_cmd_topic_new,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = KSTREAM_CMD_TOPIC_DEL,
		.doit = kstream_cmd_topic_del,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = KSTREAM_CMD_TOPIC_GET,
		.doit = kstream_cmd_topic_get,
		.dumpit = kstream_dump_topics,
	},
	{
		.cmd = KSTREAM_CMD_FILTER_ATTACH,
		.doit = kstream_cmd_filter_attach,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = KSTREAM_CMD_FILTER_DETACH,
		.doit = kstream_cmd_filter_detach,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = KSTREAM_CMD_FILTER_GET,
		.doit = kstream_cmd_filter_get,
		.dumpit = kstream_dump_filters,
	},
	{
		.cmd = KSTREAM_CMD_STATS_RESET,
		.doit = kstream_cmd_stats_reset,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family kstream_genl_family __ro_after_init = {
	.name = KSTREAM_GENL_NAME,
	.version = KSTREAM_GENL_VERSION,
	.maxattr = KSTREAM_A_MAX,
	.policy = kstream_policy,
	.netnsok = false,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = kstream_genl_ops,
	.n_ops = ARRAY_SIZE(kstream_genl_ops),
	.mcgrps = kstream_mcgrps,
	.n_mcgrps = ARRAY_SIZE(kstream_mcgrps),
};

/*
 * Tell the "events" group about @t.  Process context; best effort: an
 * event nobody listens to costs one check, one that cannot be allocated is
 * lost (listeners see the topic's state in the next dump).
 */
void kstream_notify(struct kstream_topic *t, enum kstream_event event,
		    u64 lost, pid_t pid)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&kstream_genl_family, &init_net,
				KSTREAM_MCGRP_EVENTS_ID))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &kstream_genl_family, 0, KSTREAM_CMD_EVENT);
	if (!hdr ||
	    nla_put_u32(skb, KSTREAM_A_EVENT, event) ||
	    nla_put_string(skb, KSTREAM_A_TOPIC_NAME, t->name) ||
	    nla_put_u32(skb, KSTREAM_A_TOPIC_ID, t->id) ||
	    (event == KSTREAM_EVENT_READER_LAPPED &&
	     (nla_put_u64_64bit(skb, KSTREAM_A_EVENT_LOST, lost, KSTREAM_A_PAD) ||
	      nla_put_u32(skb, KSTREAM_A_EVENT_PID, pid)))) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&kstream_genl_family, skb, 0, KSTREAM_MCGRP_EVENTS_ID,
			  GFP_KERNEL);
}

/*
 * A reader of @t lost @lost messages.  At most one event per topic per
 * second; its count covers the laps suppressed since the last one.
 */
void kstream_notify_lapped(struct kstream_topic *t, u64 lost)
{
	lost += atomic64_xchg(&t->lap_pending, 0);
	if (!__ratelimit(&t->lap_rs)) {
		atomic64_add(lost, &t->lap_pending);
		return;
	}
	kstream_notify(t, KSTREAM_EVENT_READER_LAPPED, lost,
		       task_tgid_nr(current));
}

int __init kstream_genl_init(void)
{
	return genl_register_family(&kstream_genl_family);
}

void kstream_genl_exit(void)
{
	genl_unregister_family(&kstream_genl_family);
}

MODULE_ALIAS_GENL_FAMILY(KSTREAM_GENL_NAME);
