// SPDX-License-Identifier: GPL-2.0
/*
 * Events to the "events" multicast group: the notifier netlink registers
 * with events.c, which calls it in process context, without locks of
 * the module held but, for deletions, the registry lock.
 */

#include <net/genetlink.h>

#include "../events.h"
#include "nl.h"

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

int kstream_nl_events_init(void)
{
	return kstream_events_register(&kstream_event_nb);
}

void kstream_nl_events_exit(void)
{
	kstream_events_unregister(&kstream_event_nb);
}
