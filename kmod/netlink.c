// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "kstream": the control plane.
 *
 * Attribute validation is strict and done by the policy where it can be
 * (types, exact lengths, ranges); what the policy cannot express (names,
 * powers of two, msg_max against the ring size) is checked here, and every
 * rejection says why in the extended ack.  The family exists in the
 * initial network namespace only.
 *
 * Who may do what is the security layer's to say (security.h): every
 * command passes exactly one hook with the sender as its subject, and
 * the operations on an existing topic run under the registry lock, hook
 * included, so nothing changes between the decision and the operation.
 * Every change (or refused change) of the configuration is audited once
 * the lock is dropped.
 */

#include <linux/cred.h>
#include <linux/log2.h>
#include <net/genetlink.h>

#include "acl.h"
#include "bpf.h"
#include "events.h"
#include "file.h"
#include "netlink.h"
#include "registry.h"
#include "security.h"
#include "stats.h"
#include "topic.h"

/* Not const: 6.1 takes a non-const pointer in NLA_POLICY_FULL_RANGE. */
static struct netlink_range_validation kstream_ring_range = {
	.min = KSTREAM_RING_SIZE_MIN,
	.max = KSTREAM_RING_SIZE_MAX,
};

static struct netlink_range_validation kstream_msg_range = {
	.min = 1,
	.max = KSTREAM_MSG_MAX_LIMIT,
};

static const struct nla_policy kstream_acl_entry_policy[KSTREAM_ACL_A_MAX + 1] = {
	[KSTREAM_ACL_A_TYPE] = NLA_POLICY_MAX(NLA_U32, KSTREAM_ACL_TYPE_MAX),
	[KSTREAM_ACL_A_ID] = { .type = NLA_U32 },
	[KSTREAM_ACL_A_RIGHTS] = NLA_POLICY_MASK(NLA_U32, KSTREAM_ACL_RIGHTS_ALL),
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
	[KSTREAM_A_TOPIC_ACL] = { .type = NLA_REJECT },
	[KSTREAM_A_ACL_ENTRY] = NLA_POLICY_NESTED(kstream_acl_entry_policy),
};

enum kstream_mcgrp {
	KSTREAM_MCGRP_EVENTS_ID,
};

static const struct genl_multicast_group kstream_mcgrps[] = {
	[KSTREAM_MCGRP_EVENTS_ID] = { .name = KSTREAM_MCGRP_EVENTS },
};

static struct genl_family kstream_genl_family;

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

/* The validated name in attribute @type, or NULL with the message for why. */
#define KSTREAM_GET_NAME(info, type, missing, invalid) ({		\
	struct genl_info *__info = (info);				\
	struct nlattr *__attr;						\
	const char *__name = kstream_name_attr(__info, type, &__attr);	\
									\
	if (!__attr)							\
		NL_SET_ERR_MSG(__info->extack, missing);		\
	else if (!__name)						\
		NL_SET_ERR_MSG_ATTR(__info->extack, __attr, invalid);	\
	__name;								\
})

/* The topic name attribute, validated; NULL (extack set) if bad. */
static const char *kstream_get_name(struct genl_info *info)
{
	return KSTREAM_GET_NAME(info, KSTREAM_A_TOPIC_NAME, "topic name missing",
				"topic names are 1-63 characters of [A-Za-z0-9._-], not . or ..");
}

/* The filter name attribute, validated; NULL (extack set) if bad. */
static const char *kstream_get_filter_name(struct genl_info *info)
{
	return KSTREAM_GET_NAME(info, KSTREAM_A_FILTER_NAME, "filter name missing",
				"filter names are 1-63 characters of [A-Za-z0-9._-], not . or ..");
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
		{ KSTREAM_STAT_DENIED, &st.denied },
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

/* The KSTREAM_A_TOPIC_ACL nest; ids as @ns sees them. */
static int kstream_fill_acl(struct sk_buff *skb, struct kstream_topic *t,
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
	    kstream_fill_stats(skb, t) || kstream_fill_acl(skb, t, ns) ||
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

/* topic_getattr, for gets and dumps alike. */
static int kstream_topic_visible(const struct kstream_subject *subj,
				 struct kstream_topic *t,
				 struct netlink_ext_ack *extack)
{
	return kstream_security_topic_getattr(subj, t, extack);
}

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

	/* The creator owns what it creates unless it says otherwise. */
	cfg->uid = current_euid();
	if (a[KSTREAM_A_TOPIC_UID]) {
		cfg->uid = make_kuid(ns, nla_get_u32(a[KSTREAM_A_TOPIC_UID]));
		if (!uid_valid(cfg->uid)) {
			NL_SET_ERR_MSG_ATTR(info->extack, a[KSTREAM_A_TOPIC_UID],
					    "uid not valid in this user namespace");
			return -EINVAL;
		}
	}
	cfg->gid = current_egid();
	if (a[KSTREAM_A_TOPIC_GID]) {
		cfg->gid = make_kgid(ns, nla_get_u32(a[KSTREAM_A_TOPIC_GID]));
		if (!gid_valid(cfg->gid)) {
			NL_SET_ERR_MSG_ATTR(info->extack, a[KSTREAM_A_TOPIC_GID],
					    "gid not valid in this user namespace");
			return -EINVAL;
		}
	}
	cfg->admin_uid = INVALID_UID;
	return 0;
}

/* The topic KSTREAM_A_TOPIC_NAME names does not exist. */
static int kstream_no_such_topic(struct genl_info *info)
{
	NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[KSTREAM_A_TOPIC_NAME],
			    "no such topic");
	return -ENOENT;
}

/* ACL entries belong to KSTREAM_CMD_ACL_ADD and _DEL only. */
static int kstream_no_acl_entry(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[KSTREAM_A_ACL_ENTRY];

	if (!attr)
		return 0;
	NL_SET_ERR_MSG_ATTR(info->extack, attr,
			    "an ACL entry is only valid in ACL commands");
	return -EINVAL;
}

static int kstream_cmd_topic_new(struct sk_buff *skb, struct genl_info *info)
{
	struct kstream_audit a = { .op = "create" };
	struct kstream_topic_config cfg;
	struct kstream_subject subj;
	struct kstream_topic *t;
	struct sk_buff *reply;
	int err;

	err = kstream_no_acl_entry(info);
	if (err)
		return err;
	err = kstream_parse_config(info, &cfg);
	if (err)
		return err;
	a.topic = cfg.name;
	kstream_subject_init(&subj, skb);
	err = kstream_security_topic_create(&subj, &cfg, &a, info->extack);
	if (err)
		goto out;
	/*
	 * Allocate the reply first: once the topic exists, the request has
	 * succeeded, and a reply that cannot be had must not say otherwise.
	 */
	reply = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!reply) {
		err = -ENOMEM;
		goto out;
	}
	t = kstream_topic_create(&cfg, info->extack);
	if (IS_ERR(t)) {
		nlmsg_free(reply);
		err = PTR_ERR(t);
		goto out;
	}
	if (kstream_fill_topic(reply, t, info->snd_portid, info->snd_seq, 0,
			       info->genlhdr->cmd, false))
		nlmsg_free(reply);
	else
		genlmsg_reply(reply, info);
	kstream_topic_put(t);
	a.err = 0;	/* created, whether or not the reply made it */
	kstream_audit(&a, GFP_KERNEL);
	return 0;
out:
	a.err = err;
	kstream_audit(&a, GFP_KERNEL);
	return err;
}

static int kstream_cmd_topic_del(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = kstream_get_name(info);
	struct kstream_audit a = { .op = "delete", .topic = name };
	struct kstream_subject subj;
	struct kstream_topic *t;
	int err;

	if (!name)
		return -EINVAL;
	err = kstream_no_acl_entry(info);
	if (err)
		return err;
	kstream_subject_init(&subj, skb);
	kstream_topics_lock();
	t = kstream_topic_find(name);
	err = kstream_security_topic_delete(&subj, t, &a, info->extack);
	if (!err && !t)
		err = kstream_no_such_topic(info);
	if (!err) {
		kstream_topic_filter_clear(t);
		kstream_topic_unregister(t);
	}
	kstream_topics_unlock();
	a.err = err;
	kstream_audit(&a, GFP_KERNEL);
	return err;
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

	if (!attr) {
		NL_SET_ERR_MSG(info->extack, "ACL entry missing");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, KSTREAM_ACL_A_MAX, attr,
			       kstream_acl_entry_policy, info->extack);
	if (err)
		return err;
	if (!tb[KSTREAM_ACL_A_TYPE]) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "ACL entry type missing");
		return -EINVAL;
	}
	if (!tb[KSTREAM_ACL_A_ID]) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "ACL entry id missing");
		return -EINVAL;
	}
	if (!tb[KSTREAM_ACL_A_RIGHTS] && !del) {
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

/* What applying a change did, for kstream_configure() to finish. */
struct kstream_applied {
	bool acl_changed;	/* the ACL changed: enforce it */
	bool revoked;		/* ... and took rights away */
	bool filter_changed;	/* a filter was attached or detached */
	bool sync;		/* a filter was replaced or detached */
};

/* Apply @c to @t: registry locked, the caller past topic_configure. */
static int kstream_apply(struct kstream_topic *t,
			 const struct kstream_topic_change *c,
			 struct kstream_applied *done,
			 struct netlink_ext_ack *extack)
{
	int err;

	switch (c->op) {
	case KSTREAM_CHANGE_ACL_ADD:
	case KSTREAM_CHANGE_ACL_DEL:
		return kstream_acl_change(t, c, &done->acl_changed,
					  &done->revoked, extack);
	case KSTREAM_CHANGE_FILTER_ATTACH:
		err = kstream_filter_attach(t, c->filter, &done->sync, extack);
		done->filter_changed = !err;
		return err;
	case KSTREAM_CHANGE_FILTER_DETACH:
		err = kstream_filter_detach(t, &done->sync, extack);
		done->filter_changed = !err;
		return err;
	case KSTREAM_CHANGE_STATS_RESET:
		kstream_stats_reset(t);
		kstream_event(t, KSTREAM_EVENT_STATS_RESET);
		return 0;
	}
	return -EINVAL;
}

/*
 * Every change of an existing topic (ACL, filter, counters) goes through
 * here: find the topic @name, ask topic_configure, apply @change, all
 * under the registry lock; then make the change bite, tell the events
 * group (KSTREAM_EVENT_TOPIC_CHANGED for the ACL and the filter) and
 * audit it (@a).
 */
static int kstream_configure(struct sk_buff *skb, struct genl_info *info,
			     const char *name,
			     const struct kstream_topic_change *change,
			     struct kstream_audit *a)
{
	struct kstream_applied done = { };
	struct kstream_subject subj;
	struct kstream_topic *t;
	bool changed;
	int err;

	kstream_subject_init(&subj, skb);
	kstream_topics_lock();
	t = kstream_topic_find(name);
	err = kstream_security_topic_configure(&subj, t, change, a,
					       info->extack);
	if (!err && !t)
		err = kstream_no_such_topic(info);
	if (!err)
		err = kstream_apply(t, change, &done, info->extack);
	changed = done.acl_changed || done.filter_changed;
	if (changed)
		kstream_topic_get(t);
	kstream_topics_unlock();
	/* Before the ack: open fds feel it once we have replied. */
	if (done.acl_changed)
		kstream_security_enforce(t, done.revoked);
	/* Once we reply, no message is judged by the old filter. */
	if (done.sync)
		synchronize_rcu();
	if (changed) {
		kstream_event(t, KSTREAM_EVENT_TOPIC_CHANGED);
		kstream_topic_put(t);
	}
	a->err = err;
	kstream_audit(a, GFP_KERNEL);
	return err;
}

/* KSTREAM_CMD_ACL_ADD and KSTREAM_CMD_ACL_DEL. */
static int kstream_cmd_acl(struct sk_buff *skb, struct genl_info *info)
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

static int kstream_cmd_topic_get(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = kstream_get_name(info);
	struct kstream_subject subj;
	struct kstream_topic *t;
	int err;

	if (!name)
		return -EINVAL;
	err = kstream_no_acl_entry(info);
	if (err)
		return err;
	kstream_topics_lock();
	t = kstream_topic_find(name);
	if (t)
		get_device(&t->dev);
	kstream_topics_unlock();
	if (!t)
		return kstream_no_such_topic(info);
	kstream_subject_init(&subj, skb);
	err = kstream_topic_visible(&subj, t, info->extack);
	if (!err)
		err = kstream_reply_topic(info, t, true);
	kstream_topic_put(t);
	return err;
}

static int kstream_cmd_stats_reset(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = kstream_get_name(info);
	struct kstream_topic_change change = {
		.op = KSTREAM_CHANGE_STATS_RESET,
	};
	struct kstream_audit a = { .op = "stats_reset", .topic = name };

	if (!name)
		return -EINVAL;
	return kstream_configure(skb, info, name, &change, &a);
}

/*
 * The end of one part of a dump that stopped at @id with @err: a full skb
 * ends this part, the rest follows in the next.
 */
static int kstream_dump_done(struct sk_buff *skb, struct netlink_callback *cb,
			     unsigned long id, int err)
{
	cb->args[0] = id;
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

/* Dump every topic in id order; cb->args[0] is the next id to dump. */
static int kstream_dump_topics(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long id = cb->args[0];
	struct kstream_subject subj;
	struct kstream_topic *t;
	int err = 0;

	kstream_subject_init(&subj, cb->skb);
	kstream_topics_lock();
	while ((t = kstream_topic_next(&id))) {
		/* What the policies hide is left out. */
		if (!kstream_topic_visible(&subj, t, NULL))
			err = kstream_fill_topic(skb, t,
						 NETLINK_CB(cb->skb).portid,
						 cb->nlh->nlmsg_seq, NLM_F_MULTI,
						 KSTREAM_CMD_TOPIC_GET, false);
		if (err)
			break;
		id++;
	}
	kstream_topics_unlock();
	return kstream_dump_done(skb, cb, id, err);
}

/* ------------------------------------------------------------- filters */

static int kstream_cmd_filter_attach(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct kstream_topic_change change = {
		.op = KSTREAM_CHANGE_FILTER_ATTACH,
	};
	struct kstream_audit a = { .op = "filter_attach" };
	int err = kstream_filter_supported(info->extack);

	if (err)
		return err;
	a.topic = kstream_get_name(info);
	if (!a.topic)
		return -EINVAL;
	change.filter = kstream_get_filter_name(info);
	if (!change.filter)
		return -EINVAL;
	a.filter = change.filter;
	return kstream_configure(skb, info, a.topic, &change, &a);
}

static int kstream_cmd_filter_detach(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct kstream_topic_change change = {
		.op = KSTREAM_CHANGE_FILTER_DETACH,
	};
	struct kstream_audit a = { .op = "filter_detach" };
	int err = kstream_filter_supported(info->extack);

	if (err)
		return err;
	a.topic = kstream_get_name(info);
	if (!a.topic)
		return -EINVAL;
	return kstream_configure(skb, info, a.topic, &change, &a);
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
	return kstream_dump_done(skb, cb, id, err);
}

static const struct genl_ops kstream_genl_ops[] = {
	/* No GENL_ADMIN_PERM: the security layer decides (security.h). */
	{
		.cmd = KSTREAM_CMD_TOPIC_NEW,
		.doit = kstream_cmd_topic_new,
	},
	{
		.cmd = KSTREAM_CMD_TOPIC_DEL,
		.doit = kstream_cmd_topic_del,
	},
	{
		.cmd = KSTREAM_CMD_TOPIC_GET,
		.doit = kstream_cmd_topic_get,
		.dumpit = kstream_dump_topics,
	},
	{
		.cmd = KSTREAM_CMD_FILTER_ATTACH,
		.doit = kstream_cmd_filter_attach,
	},
	{
		.cmd = KSTREAM_CMD_FILTER_DETACH,
		.doit = kstream_cmd_filter_detach,
	},
	{
		.cmd = KSTREAM_CMD_FILTER_GET,
		.doit = kstream_cmd_filter_get,
		.dumpit = kstream_dump_filters,
	},
	{
		.cmd = KSTREAM_CMD_STATS_RESET,
		.doit = kstream_cmd_stats_reset,
	},
	{
		.cmd = KSTREAM_CMD_ACL_ADD,
		.doit = kstream_cmd_acl,
	},
	{
		.cmd = KSTREAM_CMD_ACL_DEL,
		.doit = kstream_cmd_acl,
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
 * The notifier of events.c: tell the "events" group.  Process context;
 * best effort: an event nobody listens to costs one check, one that
 * cannot be allocated is lost (listeners see the topic's state in the
 * next dump).
 */
static int kstream_event_notify(struct notifier_block *nb,
				unsigned long action, void *data)
{
	const struct kstream_event_msg *ev = data;
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&kstream_genl_family, &init_net,
				KSTREAM_MCGRP_EVENTS_ID))
		return NOTIFY_DONE;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return NOTIFY_DONE;
	hdr = genlmsg_put(skb, 0, 0, &kstream_genl_family, 0, KSTREAM_CMD_EVENT);
	if (!hdr ||
	    nla_put_u32(skb, KSTREAM_A_EVENT, ev->event) ||
	    nla_put_string(skb, KSTREAM_A_TOPIC_NAME, ev->topic) ||
	    nla_put_u32(skb, KSTREAM_A_TOPIC_ID, ev->id) ||
	    (ev->has_lost &&
	     nla_put_u64_64bit(skb, KSTREAM_A_EVENT_LOST, ev->lost, KSTREAM_A_PAD)) ||
	    (ev->has_pid && nla_put_u32(skb, KSTREAM_A_EVENT_PID, ev->pid))) {
		nlmsg_free(skb);
		return NOTIFY_DONE;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&kstream_genl_family, skb, 0, KSTREAM_MCGRP_EVENTS_ID,
			  GFP_KERNEL);
	return NOTIFY_OK;
}

static struct notifier_block kstream_event_nb = {
	.notifier_call = kstream_event_notify,
};

int __init kstream_genl_init(void)
{
	int err = genl_register_family(&kstream_genl_family);

	if (err)
		return err;
	err = kstream_events_register(&kstream_event_nb);
	if (err)
		genl_unregister_family(&kstream_genl_family);
	return err;
}

void kstream_genl_exit(void)
{
	kstream_events_unregister(&kstream_event_nb);
	genl_unregister_family(&kstream_genl_family);
}

MODULE_ALIAS_GENL_FAMILY(KSTREAM_GENL_NAME);
