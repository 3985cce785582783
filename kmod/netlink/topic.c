// SPDX-License-Identifier: GPL-2.0
/*
 * Topic commands: create, delete, set, get and dump, the dead-letter
 * topic; and kstream_configure(), the path of every change of an existing
 * topic (ACL, filter, counters, dead-letter topic, settings).
 */

#include <linux/cred.h>
#include <linux/log2.h>
#include <net/genetlink.h>

#include "../acl.h"
#include "../bpf.h"
#include "../deadletter.h"
#include "../events.h"
#include "../file.h"
#include "../params.h"
#include "../registry.h"
#include "../security.h"
#include "../stats.h"
#include "../topic.h"
#include "nl.h"

/* One topic message: header and every attribute of @t. */
int kstream_fill_topic(struct sk_buff *skb, struct kstream_topic *t,
		       u32 portid, u32 seq, int flags, u8 cmd,
			      bool with_readers)
{
	struct user_namespace *ns = current_user_ns();
	char filter[KSTREAM_NAME_MAX], dlq[KSTREAM_NAME_MAX];
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &kstream_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	/* KSTREAM_CMD_TOPIC_SET changes these under the registry lock. */
	if (nla_put_string(skb, KSTREAM_A_TOPIC_NAME, t->name) ||
	    nla_put_u32(skb, KSTREAM_A_TOPIC_ID, t->id) ||
	    nla_put_u32(skb, KSTREAM_A_TOPIC_RING_SIZE, t->ring.size) ||
	    nla_put_u32(skb, KSTREAM_A_TOPIC_MSG_MAX, READ_ONCE(t->msg_max)) ||
	    nla_put_u32(skb, KSTREAM_A_TOPIC_POLICY, READ_ONCE(t->policy)) ||
	    nla_put_u16(skb, KSTREAM_A_TOPIC_MODE, READ_ONCE(t->mode)) ||
	    nla_put_u32(skb, KSTREAM_A_TOPIC_UID,
			from_kuid_munged(ns, READ_ONCE(t->uid))) ||
	    nla_put_u32(skb, KSTREAM_A_TOPIC_GID,
			from_kgid_munged(ns, READ_ONCE(t->gid))) ||
	    nla_put_u32(skb, KSTREAM_A_TOPIC_PRODUCERS_MAX, t->producers_max) ||
	    kstream_fill_stats(skb, t) || kstream_fill_acl(skb, t, ns) ||
	    (kstream_topic_filter_name(t, filter) &&
	     nla_put_string(skb, KSTREAM_A_FILTER_NAME, filter)) ||
	    (kstream_deadletter_name(t, dlq) &&
	     nla_put_string(skb, KSTREAM_A_TOPIC_DEADLETTER, dlq)) ||
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

/*
 * The owner (KSTREAM_A_TOPIC_UID) or group (_GID) of a request, in the
 * sender's user namespace: 1 if given, 0 if not, -EINVAL if it does not
 * map.
 */
static int kstream_get_uid(struct genl_info *info, kuid_t *uid)
{
	struct nlattr *attr = info->attrs[KSTREAM_A_TOPIC_UID];

	if (!attr)
		return 0;
	*uid = make_kuid(current_user_ns(), nla_get_u32(attr));
	if (uid_valid(*uid))
		return 1;
	NL_SET_ERR_MSG_ATTR(info->extack, attr,
			    "uid not valid in this user namespace");
	return -EINVAL;
}

static int kstream_get_gid(struct genl_info *info, kgid_t *gid)
{
	struct nlattr *attr = info->attrs[KSTREAM_A_TOPIC_GID];

	if (!attr)
		return 0;
	*gid = make_kgid(current_user_ns(), nla_get_u32(attr));
	if (gid_valid(*gid))
		return 1;
	NL_SET_ERR_MSG_ATTR(info->extack, attr,
			    "gid not valid in this user namespace");
	return -EINVAL;
}

static int kstream_parse_config(struct genl_info *info,
				struct kstream_topic_config *cfg)
{
	struct nlattr **a = info->attrs;
	int err;

	cfg->name = kstream_get_name(info);
	if (!cfg->name)
		return -EINVAL;

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
	err = kstream_get_uid(info, &cfg->uid);
	if (err < 0)
		return err;
	cfg->gid = current_egid();
	err = kstream_get_gid(info, &cfg->gid);
	if (err < 0)
		return err;
	cfg->admin_uid = INVALID_UID;

	/* Clamped to the limit (dedup.c): root may set anything. */
	cfg->producers_max = READ_ONCE(kstream_max_producers);
	if (a[KSTREAM_A_TOPIC_PRODUCERS_MAX])
		cfg->producers_max =
			nla_get_u32(a[KSTREAM_A_TOPIC_PRODUCERS_MAX]);
	return 0;
}

/*
 * KSTREAM_A_TOPIC_DEADLETTER of a new topic: may the creator link it, and
 * can it be linked?  Asked before the topic exists (nothing can point at
 * it yet, so no loop): the checks of an existing topic's link but the
 * loop.
 */
static int kstream_new_deadletter_allowed(const struct kstream_subject *subj,
					  const char *name,
					  struct kstream_audit *a,
					  struct netlink_ext_ack *extack)
{
	struct kstream_topic *dlq;
	int err;

	kstream_topics_lock();
	err = kstream_deadletter_allowed(subj, NULL, name, &dlq, a, extack);
	kstream_topics_unlock();
	return err;
}

/* Registry locked: link the new topic @t to @name, which may be gone. */
static int kstream_new_deadletter_link(struct kstream_topic *t,
				       const char *name,
				       struct netlink_ext_ack *extack)
{
	struct kstream_topic *dlq = kstream_topic_find(name);

	if (!dlq) {
		NL_SET_ERR_MSG(extack, "the dead-letter topic was deleted");
		return -ENOENT;
	}
	return kstream_deadletter_set(t, dlq, extack);
}

int kstream_cmd_topic_new(struct sk_buff *skb, struct genl_info *info)
{
	struct kstream_audit a = { .op = "create" };
	struct kstream_topic_config cfg;
	struct kstream_subject subj;
	struct kstream_topic *t;
	struct sk_buff *reply;
	const char *dl = NULL;
	int err;

	err = kstream_parse_config(info, &cfg);
	if (err)
		return err;
	if (info->attrs[KSTREAM_A_TOPIC_DEADLETTER]) {
		dl = kstream_get_deadletter_name(info);
		if (!dl)
			return -EINVAL;
		a.deadletter = dl;
	}
	a.topic = cfg.name;
	kstream_subject_init(&subj, skb);
	err = kstream_security_topic_create(&subj, &cfg, &a, info->extack);
	if (!err && dl)
		err = kstream_new_deadletter_allowed(&subj, dl, &a, info->extack);
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
	if (dl) {
		kstream_topics_lock();
		err = kstream_new_deadletter_link(t, dl, info->extack);
		if (err)	/* as if it had never been */
			kstream_topic_unregister(t);
		kstream_topics_unlock();
		if (err) {
			nlmsg_free(reply);
			kstream_topic_put(t);
			goto out;
		}
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

int kstream_cmd_topic_del(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = kstream_get_name(info);
	struct kstream_audit a = { .op = "delete", .topic = name };
	struct kstream_subject subj;
	struct kstream_topic *t;
	int err;

	if (!name)
		return -EINVAL;
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

/* What applying a change did, for kstream_configure() to finish. */
struct kstream_applied {
	bool acl_changed;	/* the ACL changed: enforce it */
	bool revoked;		/* ... and took rights away */
	bool filter_changed;	/* a filter was attached or detached */
	bool sync;		/* a filter was replaced or detached */
	bool deadletter_changed;	/* the dead-letter topic was set */
	bool set;		/* TOPIC_SET applied: reply with the topic */
};

int kstream_deadletter_allowed(const struct kstream_subject *subj,
			       struct kstream_topic *t, const char *name,
			       struct kstream_topic **dlq,
			       struct kstream_audit *a,
			       struct netlink_ext_ack *extack)
{
	struct kstream_topic_change change = {
		.op = KSTREAM_CHANGE_DEADLETTER, .deadletter = name,
	};
	int err;

	*dlq = NULL;
	if (!name)
		return 0;
	*dlq = kstream_topic_find(name);
	if (!*dlq) {
		NL_SET_ERR_MSG(extack, "no such dead-letter topic");
		return -ENOENT;
	}
	/* The admin right on the dead-letter topic too. */
	err = kstream_security_topic_configure(subj, *dlq, &change, a, extack);
	if (err)
		return err;
	/* A new topic (@t NULL) cannot close a loop: the rest applies. */
	return kstream_deadletter_check(t, *dlq, extack);
}

int kstream_cmd_deadletter_set(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = kstream_get_name(info);
	struct kstream_topic_change change = {
		.op = KSTREAM_CHANGE_DEADLETTER,
	};
	struct kstream_audit a = { .op = "deadletter_set", .topic = name };

	if (!name)
		return -EINVAL;
	if (info->attrs[KSTREAM_A_TOPIC_DEADLETTER]) {
		change.deadletter = kstream_get_deadletter_name(info);
		if (!change.deadletter)
			return -EINVAL;
	}
	a.deadletter = change.deadletter ?: "none";
	return kstream_configure(skb, info, name, &change, &a);
}

/*
 * KSTREAM_CMD_TOPIC_SET: what the request sets; the ring size, producer
 * table and dead-letter topic are not in its policy (uapi says why).
 */
static int kstream_parse_set(struct genl_info *info,
			     struct kstream_topic_set *set)
{
	struct nlattr **a = info->attrs;
	int err;

	if (a[KSTREAM_A_TOPIC_MODE]) {
		set->what |= KSTREAM_SET_MODE;
		set->mode = nla_get_u16(a[KSTREAM_A_TOPIC_MODE]);
	}
	err = kstream_get_uid(info, &set->uid);
	if (err < 0)
		return err;
	if (err)
		set->what |= KSTREAM_SET_UID;
	err = kstream_get_gid(info, &set->gid);
	if (err < 0)
		return err;
	if (err)
		set->what |= KSTREAM_SET_GID;
	if (a[KSTREAM_A_TOPIC_POLICY]) {
		set->what |= KSTREAM_SET_POLICY;
		set->policy = nla_get_u32(a[KSTREAM_A_TOPIC_POLICY]);
	}
	if (a[KSTREAM_A_TOPIC_MSG_MAX]) {
		set->what |= KSTREAM_SET_MSG_MAX;
		set->msg_max = nla_get_u32(a[KSTREAM_A_TOPIC_MSG_MAX]);
	}
	if (!set->what) {
		NL_SET_ERR_MSG(info->extack,
			       "nothing to set: give a mode, owner, group, policy or msgmax");
		return -EINVAL;
	}
	return 0;
}

int kstream_cmd_topic_set(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = kstream_get_name(info);
	struct kstream_topic_change change = {
		.op = KSTREAM_CHANGE_TOPIC_SET,
	};
	struct kstream_audit a = {
		.op = "topic_set", .topic = name, .set = &change.set,
	};
	int err;

	if (!name)
		return -EINVAL;
	err = kstream_parse_set(info, &change.set);
	if (err)
		return err;
	return kstream_configure(skb, info, name, &change, &a);
}

/* Apply @c to @t: registry locked, the caller past topic_configure. */
static int kstream_apply(const struct kstream_subject *subj,
			 struct kstream_topic *t,
			 const struct kstream_topic_change *c,
			 struct kstream_applied *done,
			 struct kstream_audit *a,
			 struct netlink_ext_ack *extack)
{
	struct kstream_topic *dlq;
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
	case KSTREAM_CHANGE_DEADLETTER:
		err = kstream_deadletter_allowed(subj, t, c->deadletter, &dlq,
						 a, extack);
		if (!err)
			err = kstream_deadletter_set(t, dlq, extack);
		done->deadletter_changed = !err;
		return err;
	case KSTREAM_CHANGE_TOPIC_SET:
		/* The limits may refuse; then nothing has changed. */
		err = kstream_topic_set_limits(t, &c->set, extack);
		if (err)
			return err;
		kstream_acl_set_ownership(t, &c->set);
		done->set = true;
		/* A new mode, owner or group may take rights away. */
		done->acl_changed = c->set.what & KSTREAM_SET_OWNERSHIP;
		done->revoked = done->acl_changed;
		return 0;
	}
	return -EINVAL;
}

/*
 * Every change of an existing topic (ACL, filter, counters) goes through
 * here: find the topic @name, ask topic_configure, apply @change, all
 * under the registry lock; then make the change bite, tell the events
 * group (KSTREAM_EVENT_TOPIC_CHANGED for the ACL, the filter, the
 * dead-letter topic and the settings), reply with the topic to a
 * TOPIC_SET, and audit it (@a).
 */
int kstream_configure(struct sk_buff *skb, struct genl_info *info,
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
		err = kstream_apply(&subj, t, change, &done, a, info->extack);
	changed = done.acl_changed || done.filter_changed ||
		  done.deadletter_changed || done.set;
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
		/* Changed, whether or not the reply makes it. */
		if (done.set)
			kstream_reply_topic(info, t, false);
		kstream_topic_put(t);
	}
	a->err = err;
	kstream_audit(a, GFP_KERNEL);
	return err;
}

int kstream_cmd_topic_get(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = kstream_get_name(info);
	struct kstream_subject subj;
	struct kstream_topic *t;
	int err;

	if (!name)
		return -EINVAL;
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

/* Dump every topic in id order; cb->args[0] is the next id to dump. */
int kstream_dump_topics(struct sk_buff *skb, struct netlink_callback *cb)
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
