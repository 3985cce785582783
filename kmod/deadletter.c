// SPDX-License-Identifier: GPL-2.0
/*
 * Dead-letter topics: a topic may name another topic to which messages
 * its ingress filter rejects as invalid (KSTREAM_INGRESS_DEADLETTER) are
 * written, with where they came from and why.
 *
 * The link: topic->deadletter, a counted reference to the dead-letter
 * topic.  It changes only under the registry lock (configuration, and the
 * deletion of either end), and also under the source's topic lock, which
 * is all the data path takes to read it (kstream_deadletter_get(): a
 * pointer load and a reference under a lock the commit section takes
 * anyway; only a DEADLETTER verdict gets there).  Deleting a topic clears
 * its own link and every link to it, under the registry lock, so a link
 * never points at a deleted topic: its sources fall back to counting the
 * verdict as a drop.  A writer that took its reference just before keeps
 * the (dead) topic alive and finds it dead: the record is lost, counted.
 *
 * Loops (A -> B -> A) are refused when a link is made; they would be
 * harmless at run time anyway: the kernel's write to a dead-letter topic
 * does not pass that topic's filter, so a record is never dead-lettered
 * twice.
 *
 * May call: registry (the walk of topics when one is deleted), topic
 * (references).  Locks: the registry lock (held by the callers of the
 * configuration functions), the topic lock of the source.
 */

#include <linux/cred.h>
#include <linux/kdev_t.h>
#include <linux/netlink.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "deadletter.h"
#include "file.h"
#include "registry.h"
#include "topic.h"

int kstream_deadletter_check(struct kstream_topic *t, struct kstream_topic *dlq,
			     struct netlink_ext_ack *extack)
{
	struct kstream_topic *x;
	unsigned int n = 0;

	WARN_ON_ONCE(!kstream_topics_held());
	if (!dlq)
		return 0;
	if (dlq == t) {
		NL_SET_ERR_MSG(extack, "a topic cannot be its own dead-letter topic");
		return -EINVAL;
	}
	if (dlq->msg_max <= sizeof(struct kstream_deadletter)) {
		NL_SET_ERR_MSG(extack,
			       "the dead-letter topic's msgmax must be above the dead-letter record header (120 bytes)");
		return -EINVAL;
	}
	/* Links are acyclic: the walk ends, within the number of topics. */
	for (x = dlq->deadletter; x; x = x->deadletter) {
		if (x == t || ++n > MINORMASK) {
			NL_SET_ERR_MSG(extack,
				       "dead-letter topics would form a loop");
			return -EINVAL;
		}
	}
	return 0;
}

/* Registry locked: the link of @t becomes @dlq (a new reference). */
static void kstream_deadletter_link(struct kstream_topic *t,
				    struct kstream_topic *dlq)
{
	struct kstream_topic *old;

	if (dlq)
		kstream_topic_get(dlq);
	spin_lock(&t->lock);
	old = t->deadletter;
	t->deadletter = dlq;
	spin_unlock(&t->lock);
	/* Registered, or being deleted by our caller: never the last. */
	if (old)
		kstream_topic_put(old);
}

int kstream_deadletter_set(struct kstream_topic *t, struct kstream_topic *dlq,
			   struct netlink_ext_ack *extack)
{
	int err = kstream_deadletter_check(t, dlq, extack);

	if (!err)
		kstream_deadletter_link(t, dlq);
	return err;
}

void kstream_deadletter_unlink(struct kstream_topic *t)
{
	struct kstream_topic *s;
	unsigned long id = 0;

	WARN_ON_ONCE(!kstream_topics_held());
	kstream_deadletter_link(t, NULL);
	while ((s = kstream_topic_next(&id))) {
		if (s->deadletter == t)
			kstream_deadletter_link(s, NULL);
		id++;
	}
}

bool kstream_deadletter_is_target(struct kstream_topic *dlq)
{
	struct kstream_topic *s;
	unsigned long id = 0;

	WARN_ON_ONCE(!kstream_topics_held());
	while ((s = kstream_topic_next(&id))) {
		if (s->deadletter == dlq)
			return true;
		id++;
	}
	return false;
}

bool kstream_deadletter_name(struct kstream_topic *t,
			     char buf[KSTREAM_NAME_MAX])
{
	bool set;

	spin_lock(&t->lock);
	set = t->deadletter;
	if (set)
		strscpy(buf, t->deadletter->name, KSTREAM_NAME_MAX);
	spin_unlock(&t->lock);
	return set;
}

struct kstream_topic *kstream_deadletter_get(struct kstream_topic *t)
{
	struct kstream_topic *dlq;

	spin_lock(&t->lock);
	dlq = t->deadletter;
	if (dlq)
		kstream_topic_get(dlq);
	spin_unlock(&t->lock);
	return dlq;
}

u32 kstream_deadletter_fill(struct kstream_deadletter *dl,
			    struct kstream_file *kf, u32 len, u32 reason,
			    u64 producer_id, u64 producer_seq, u32 dl_msg_max)
{
	struct kstream_topic *t = kf->topic;
	u32 room = dl_msg_max - sizeof(*dl);	/* > 0: checked when linked */

	memset(dl, 0, sizeof(*dl));
	dl->hdr_len = sizeof(*dl);
	dl->reason = reason;
	dl->orig_len = len;
	dl->src_topic_id = t->id;
	dl->uid = from_kuid_munged(&init_user_ns, kf->producer.uid);
	dl->gid = from_kgid_munged(&init_user_ns, kf->producer.gid);
	dl->pid = kf->producer.tgid;
	dl->ingress_ns = ktime_get_real_ns();
	dl->producer_id = producer_id;
	dl->producer_seq = producer_seq;
	strscpy_pad(dl->src_topic, t->name, sizeof(dl->src_topic));
	if (len <= room)
		return len;
	dl->flags |= KSTREAM_DL_TRUNCATED;
	return room;
}
