/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events of the "events" multicast group (events.c): what happened to a
 * topic, recorded where it happens and delivered to whoever registered a
 * notifier (netlink does; nothing below netlink calls netlink).
 *
 * Control-plane events (topic created, deleted, changed, counters reset)
 * are delivered at once, in process context.  Data-path events (a reader
 * lapped, an operation denied) are only recorded where they happen: a few
 * atomics and, at most once per topic per second, queue_work(); no
 * allocation, no sleeping, callable under any of the module's locks but
 * the topic spinlock.  The topic's work item delivers them later.
 */
#ifndef _KSTREAM_EVENTS_H
#define _KSTREAM_EVENTS_H

#include <linux/atomic.h>
#include <linux/ratelimit.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/kstream.h>

struct kstream_topic;
struct notifier_block;

/* What a notifier gets (as @data; the action is the event). */
struct kstream_event_msg {
	enum kstream_event event;
	const char *topic;
	u32 id;
	bool has_lost;		/* READER_LAPPED */
	u64 lost;
	bool has_pid;		/* READER_LAPPED, DENIED */
	pid_t pid;		/* thread group id, initial pid namespace */
};

/* The data path's pending events of a topic; in struct kstream_topic. */
struct kstream_topic_events {
	struct work_struct work;	/* holds a topic reference if queued */
	unsigned long todo;		/* KSTREAM_EV_* bits */
	struct ratelimit_state lap_rs;	/* one lap event a second */
	struct ratelimit_state denied_rs;	/* one denied event a second */
	atomic64_t lap_pending;		/* lost in laps not yet announced */
	pid_t lap_pid;			/* the last lapped reader's process */
	pid_t denied_pid;		/* the last refused process */
};

int kstream_events_init(void);
void kstream_events_exit(void);
/* Notifiers run in process context and may sleep. */
int kstream_events_register(struct notifier_block *nb);
void kstream_events_unregister(struct notifier_block *nb);

void kstream_events_topic_init(struct kstream_topic *t);

/* Control plane, process context: deliver @event about @t now. */
void kstream_event(struct kstream_topic *t, enum kstream_event event);
/*
 * @t is being deleted: deliver what its data path recorded, then
 * KSTREAM_EVENT_TOPIC_DEL.  Process context.
 */
void kstream_event_topic_del(struct kstream_topic *t);

/* Data path: a reader of @t (the current process) lost @lost messages. */
void kstream_event_lapped(struct kstream_topic *t, u64 lost);
/* Data path or control plane: an operation on @t was denied. */
void kstream_event_denied(struct kstream_topic *t);

#endif /* _KSTREAM_EVENTS_H */
