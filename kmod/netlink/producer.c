// SPDX-License-Identifier: GPL-2.0
/*
 * KSTREAM_CMD_PRODUCER_GET: the deduplication state of a topic, one
 * producer id or all of them (a dump); what a restarted producer resumes
 * from.  Needs what KSTREAM_CMD_TOPIC_GET needs (topic_getattr).
 *
 * Calls: registry, security, dedup.  Locks: the registry lock to find
 * the topic, then the topic lock inside dedup.c, never both.
 */

#include <net/genetlink.h>

#include "../compat.h"
#include "../dedup.h"
#include "../registry.h"
#include "../security.h"
#include "../topic.h"
#include "nl.h"

/* One producer message: topic name, id, flags, and the last if known. */
static int kstream_fill_producer(struct sk_buff *skb, struct kstream_topic *t,
				 const struct kstream_producer_query *q,
				 u32 portid, u32 seq, int flags)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &kstream_genl_family, flags,
			  KSTREAM_CMD_PRODUCER_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, KSTREAM_A_TOPIC_NAME, t->name) ||
	    nla_put_u64_64bit(skb, KSTREAM_A_PRODUCER_ID, q->id, KSTREAM_A_PAD) ||
	    nla_put_u32(skb, KSTREAM_A_PRODUCER_FLAGS, q->flags) ||
	    ((q->flags & KSTREAM_PRODUCER_KNOWN) &&
	     nla_put_u64_64bit(skb, KSTREAM_A_PRODUCER_LAST_SEQ, q->last_seq,
			       KSTREAM_A_PAD))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* The topic @name with a reference, or NULL. */
static struct kstream_topic *kstream_producer_topic(const char *name)
{
	struct kstream_topic *t;

	kstream_topics_lock();
	t = kstream_topic_find(name);
	if (t)
		kstream_topic_get(t);
	kstream_topics_unlock();
	return t;
}

int kstream_cmd_producer_get(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = kstream_get_name(info);
	struct kstream_producer_query q = { };
	struct kstream_subject subj;
	struct kstream_topic *t;
	struct sk_buff *reply;
	int err;

	if (!name)
		return -EINVAL;
	if (GENL_REQ_ATTR_CHECK(info, KSTREAM_A_PRODUCER_ID)) {
		NL_SET_ERR_MSG(info->extack, "producer id missing");
		return -EINVAL;
	}
	t = kstream_producer_topic(name);
	if (!t)
		return kstream_no_such_topic(info);
	kstream_subject_init(&subj, skb);
	err = kstream_security_topic_getattr(&subj, t, info->extack);
	if (err)
		goto out;
	q.id = nla_get_u64(info->attrs[KSTREAM_A_PRODUCER_ID]);
	if (kstream_dedup_query(t, q.id, &q.last_seq))
		q.flags = KSTREAM_PRODUCER_KNOWN;
	reply = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!reply) {
		err = -ENOMEM;
		goto out;
	}
	err = kstream_fill_producer(reply, t, &q, info->snd_portid,
				    info->snd_seq, 0);
	if (err)
		nlmsg_free(reply);
	else
		err = genlmsg_reply(reply, info);
out:
	kstream_topic_put(t);
	return err;
}

/*
 * Every id of the topic KSTREAM_A_TOPIC_NAME, in table order;
 * cb->args[0] is the index of the next entry to dump.
 */
int kstream_dump_producers(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = kstream_dump_attrs(cb);
	struct kstream_producer_query q[16];
	struct nlattr *a = attrs[KSTREAM_A_TOPIC_NAME];
	u32 pos = cb->args[0], start;
	struct kstream_subject subj;
	struct kstream_topic *t;
	unsigned int i, n;
	int err = 0;

	if (!a || !kstream_topic_name_valid(nla_data(a))) {
		NL_SET_ERR_MSG(cb->extack, "a valid topic name is required");
		return -EINVAL;
	}
	t = kstream_producer_topic(nla_data(a));
	if (!t) {
		NL_SET_ERR_MSG(cb->extack, "no such topic");
		return -ENOENT;
	}
	kstream_subject_init(&subj, cb->skb);
	err = kstream_security_topic_getattr(&subj, t, cb->extack);
	while (!err) {
		start = pos;
		n = kstream_dedup_snapshot(t, &pos, q, ARRAY_SIZE(q));
		if (!n)
			break;
		for (i = 0; i < n && !err; i++) {
			err = kstream_fill_producer(skb, t, &q[i],
						    NETLINK_CB(cb->skb).portid,
						    cb->nlh->nlmsg_seq,
						    NLM_F_MULTI);
			if (err)
				pos = start + i;
		}
	}
	kstream_topic_put(t);
	return kstream_dump_done(skb, cb, pos, err);
}
