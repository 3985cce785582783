// SPDX-License-Identifier: GPL-2.0
/*
 * Event delivery.  The parts of the module record what happened to a
 * topic; a blocking notifier chain delivers it to whoever listens (the
 * netlink family registers the one that multicasts KSTREAM_CMD_EVENT).
 *
 * Data-path events are deferred: kstream_event_lapped() and
 * kstream_event_denied() add to the topic's pending state and, when the
 * topic's rate limit lets them, queue the topic's work item with a topic
 * reference; the work delivers and drops the reference.  A lap held back
 * by the rate limit stays in lap_pending, so the lost count of the next
 * lap event covers it.
 *
 * May call: nothing of the module but the registered notifiers (and the
 * topic reference helpers).  Locks: the notifier chain's rwsem while
 * delivering; ratelimit's internal lock on the data path.
 */

#include <linux/notifier.h>
#include <linux/sched.h>

#include "events.h"
#include "topic.h"

enum {
	KSTREAM_EV_LAPPED,
	KSTREAM_EV_DENIED,
};

static BLOCKING_NOTIFIER_HEAD(kstream_event_chain);
static struct workqueue_struct *kstream_events_wq;

int kstream_events_register(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&kstream_event_chain, nb);
}

void kstream_events_unregister(struct notifier_block *nb)
{
	blocking_notifier_chain_unregister(&kstream_event_chain, nb);
}

static void kstream_deliver(struct kstream_topic *t,
			    struct kstream_event_msg *msg)
{
	msg->topic = t->name;
	msg->id = t->id;
	blocking_notifier_call_chain(&kstream_event_chain, msg->event, msg);
}

void kstream_event(struct kstream_topic *t, enum kstream_event event)
{
	struct kstream_event_msg msg = { .event = event };

	might_sleep();
	kstream_deliver(t, &msg);
}

/* Deliver what the data path recorded for @t. */
static void kstream_events_flush_topic(struct kstream_topic *t)
{
	struct kstream_topic_events *ev = &t->events;
	struct kstream_event_msg msg;
	u64 lost;

	if (test_and_clear_bit(KSTREAM_EV_LAPPED, &ev->todo)) {
		lost = atomic64_xchg(&ev->lap_pending, 0);
		if (lost) {
			msg = (struct kstream_event_msg) {
				.event = KSTREAM_EVENT_READER_LAPPED,
				.has_lost = true, .lost = lost,
				.has_pid = true, .pid = READ_ONCE(ev->lap_pid),
			};
			kstream_deliver(t, &msg);
		}
	}
	if (test_and_clear_bit(KSTREAM_EV_DENIED, &ev->todo)) {
		msg = (struct kstream_event_msg) {
			.event = KSTREAM_EVENT_DENIED,
			.has_pid = true, .pid = READ_ONCE(ev->denied_pid),
		};
		kstream_deliver(t, &msg);
	}
}

static void kstream_events_work(struct work_struct *work)
{
	struct kstream_topic *t =
		container_of(work, struct kstream_topic, events.work);

	kstream_events_flush_topic(t);
	kstream_topic_put(t);
}

/* Data path: have @t's work deliver the event @bit. */
static void kstream_events_kick(struct kstream_topic *t, int bit)
{
	set_bit(bit, &t->events.todo);
	/* The work sees the bit and what was recorded before it. */
	smp_mb__after_atomic();
	/* Never the last reference: the caller works on a live topic. */
	kstream_topic_get(t);
	if (!queue_work(kstream_events_wq, &t->events.work))
		kstream_topic_put(t);
}

void kstream_event_lapped(struct kstream_topic *t, u64 lost)
{
	struct kstream_topic_events *ev = &t->events;

	atomic64_add(lost, &ev->lap_pending);
	WRITE_ONCE(ev->lap_pid, task_tgid_nr(current));
	if (__ratelimit(&ev->lap_rs))
		kstream_events_kick(t, KSTREAM_EV_LAPPED);
}

void kstream_event_denied(struct kstream_topic *t)
{
	struct kstream_topic_events *ev = &t->events;

	if (!__ratelimit(&ev->denied_rs))
		return;
	WRITE_ONCE(ev->denied_pid, task_tgid_nr(current));
	kstream_events_kick(t, KSTREAM_EV_DENIED);
}

void kstream_event_topic_del(struct kstream_topic *t)
{
	/* What the data path recorded comes first. */
	flush_work(&t->events.work);
	kstream_events_flush_topic(t);
	kstream_event(t, KSTREAM_EVENT_TOPIC_DEL);
}

void kstream_events_topic_init(struct kstream_topic *t)
{
	struct kstream_topic_events *ev = &t->events;

	INIT_WORK(&ev->work, kstream_events_work);
	atomic64_set(&ev->lap_pending, 0);
	ratelimit_state_init(&ev->lap_rs, HZ, 1);
	ratelimit_set_flags(&ev->lap_rs, RATELIMIT_MSG_ON_RELEASE);
	ratelimit_state_init(&ev->denied_rs, HZ, 1);
	ratelimit_set_flags(&ev->denied_rs, RATELIMIT_MSG_ON_RELEASE);
}

int __init kstream_events_init(void)
{
	kstream_events_wq = alloc_workqueue("kstream_events", 0, 0);
	return kstream_events_wq ? 0 : -ENOMEM;
}

/* Module exit, every topic freed: nothing is queued any more. */
void kstream_events_exit(void)
{
	destroy_workqueue(kstream_events_wq);
}
