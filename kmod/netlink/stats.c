// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics in netlink: the KSTREAM_A_TOPIC_STATS and
 * KSTREAM_A_TOPIC_READERS nests, and KSTREAM_CMD_STATS_RESET.
 */

#include <net/genetlink.h>

#include "../security.h"
#include "../stats.h"
#include "../topic.h"
#include "nl.h"

int kstream_fill_stats(struct sk_buff *skb, struct kstream_topic *t)
{
	struct kstream_topic_stats st;
	struct nlattr *nest;
	unsigned int i;

	kstream_topic_stats(t, &st);
	nest = nla_nest_start(skb, KSTREAM_A_TOPIC_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < kstream_stat_table_len; i++) {
		const struct kstream_stat_desc *d = &kstream_stat_table[i];

		if (nla_put_u64_64bit(skb, d->attr, kstream_stat_value(&st, d),
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

int kstream_fill_readers(struct sk_buff *skb, struct kstream_topic *t)
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

int kstream_cmd_stats_reset(struct sk_buff *skb, struct genl_info *info)
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
