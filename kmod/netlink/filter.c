// SPDX-License-Identifier: GPL-2.0
/*
 * eBPF ingress filters in netlink: KSTREAM_CMD_FILTER_ATTACH, _DETACH,
 * _GET and the filter dump.
 */

#include <net/genetlink.h>

#include "../bpf.h"
#include "../registry.h"
#include "../security.h"
#include "../topic.h"
#include "nl.h"

int kstream_cmd_filter_attach(struct sk_buff *skb,
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

int kstream_cmd_filter_detach(struct sk_buff *skb,
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

int kstream_cmd_filter_get(struct sk_buff *skb, struct genl_info *info)
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
int kstream_dump_filters(struct sk_buff *skb,
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
