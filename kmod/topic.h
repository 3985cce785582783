/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Topic objects and their lifetime (topic.c).
 *
 * A topic embeds its struct device, whose refcount is the topic's: the
 * registry (registry.h) holds one reference, every open fd one, a
 * netlink request one while it works on the topic.
 *
 * Locks of a topic (Documentation/design.rst has the full story):
 *
 *   kstream_topic.lock (spinlock_t)
 *     Producers' commit section (room, eviction, sequence, timestamp, copy
 *     of at most max(msg_max, 64 KiB) bytes from kernel memory: one
 *     message, or a batch, publish.c; publication of head),
 *     the readers list, the dead flag, the producer table and every fd's
 *     producer identity (dedup.h).  Never taken from interrupt
 *     context, never held across anything that sleeps on !PREEMPT_RT.  On
 *     PREEMPT_RT it is a sleeping lock: nothing in kstream runs with
 *     preemption or interrupts disabled, and there are no raw spinlocks.
 *
 *   kstream_topic.map_sem (rw_semaphore)
 *     Ring faults (read) against the take-down of every ring mapping
 *     after a revocation (write), and the list of inodes the ring is
 *     mapped through.  Taken under mmap_lock by faults and mmap().
 *
 * The ingress filter (bpf.c) and the ACL (acl.c) of a topic are
 * RCU-protected pointers changed under the registry lock.  Readers never
 * take the topic lock to read messages: they validate what they copied
 * against the ring's tail (ring.c explains the protocol).
 *
 *   kstream_topic.sec.recheck_lock (mutex)
 *     A policy's recheck of the readers (file.c) against readers leaving.
 *
 *   Order: registry lock -> kstream_file.lock -> kstream_topic.lock;
 *   kstream_topic.sec.recheck_lock -> kstream_topic.lock;
 *   mmap_lock -> kstream_topic.map_sem -> i_mmap_rwsem.
 */
#ifndef _KSTREAM_TOPIC_H
#define _KSTREAM_TOPIC_H

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/kstream.h>

#include "compat.h"
#include "events.h"
#include "ring.h"

/* Kinds of refused publishes, counted per topic (stats.h). */
enum kstream_err {
	KSTREAM_ERR_EMPTY,
	KSTREAM_ERR_TOO_BIG,
	KSTREAM_ERR_FULL,
	KSTREAM_ERR_INTR,
	KSTREAM_ERR_FAULT,
	KSTREAM_ERR_GONE,
	KSTREAM_ERR_NR
};

/*
 * The security layer's state of a topic (security.h).  The policy
 * generation starts at 1 and is incremented (fully ordered) by
 * kstream_security_changed() after a policy changed its state; an fd's
 * cached decision is valid while it was taken at the current generation.
 */
struct kstream_topic_sec {
	atomic_long_t gen;
	atomic64_t denied;		/* KSTREAM_STAT_DENIED */
	/*
	 * Held by the recheck pass of kstream_security_enforce() and by a
	 * reader's release around its detach (file.c): the files of the
	 * readers a pass looks at stay open while it runs.
	 */
	struct mutex recheck_lock;
};

struct kstream_acl;
struct kstream_filter;
struct kstream_pcpu_stats;

struct kstream_topic {
	struct device dev;	/* refcount of the topic; devtmpfs node */
	char name[KSTREAM_NAME_MAX];
	u32 id;			/* minor number */

	/*
	 * Configuration, set at creation.  KSTREAM_CMD_TOPIC_SET changes
	 * mode, uid and gid at any time (WRITE_ONCE under the registry lock;
	 * the security layer's generation makes decisions taken on the old
	 * values stale), and msg_max and policy only under the topic lock
	 * while no fd is open (topic.c), so the data path reads these two
	 * as constants.
	 */
	u32 msg_max;
	enum kstream_policy policy;
	umode_t mode;
	kuid_t uid;
	kgid_t gid;

	/* Authorization: the ACL (acl.c) and the hook layer's state. */
	struct kstream_acl __rcu *acl;
	struct kstream_topic_sec sec;
	struct rw_semaphore map_sem;	/* ring faults vs. take-down */
	struct inode *map_inode;	/* the ring's address space (mmap.c) */

	spinlock_t lock;		/* commit section, readers, dead */
	struct kstream_ring ring;
	struct list_head readers;	/* lock */
	unsigned int nr_readers;	/* lock */
	struct list_head armed;		/* readers to wake on commit; lock */
	unsigned int nr_armed;		/* ... how many; lock */
	unsigned int nr_writers_waiting;	/* block producers; lock */
	bool wpoll_armed;		/* a poller waits for room; lock */
	atomic_t nr_writers;
	bool dead;		/* set under lock, read with READ_ONCE */

	wait_queue_head_t wwq;	/* block-policy producers waiting for room */

	/* Idempotent producers (dedup.h): set once under lock, then fixed. */
	struct kstream_dedup *dedup;	/* lock; NULL until a producer id */
	u32 producers_max;		/* ids the table holds */

	/*
	 * The dead-letter topic (deadletter.h), a counted reference:
	 * changed under the registry lock and this lock, read under either.
	 */
	struct kstream_topic *deadletter;

	/*
	 * Ingress filter (bpf.c); set under the registry lock.  Stays NULL
	 * on kernels without eBPF ingress (compat.h).
	 */
	struct kstream_filter __rcu *filter;

	/* Statistics (stats.h). */
	u64 published;		/* lock */
	u64 published_bytes;	/* lock */
	u64 dropped_duplicate;	/* lock */
	u64 producer_gaps;	/* lock */
	u64 producers_evicted;	/* lock */
	/* Dropped by the ingress verdict, by enum kstream_ingress_verdict. */
	atomic64_t dropped[KSTREAM_INGRESS_MAX + 1];
	atomic64_t lost;
	atomic64_t deadlettered;	/* records written to the DLQ */
	atomic64_t deadletter_lost;	/* ... that found no room */
	atomic64_t deadletter_in;	/* records received as a DLQ */
	atomic64_t errors[KSTREAM_ERR_NR];
	struct kstream_pcpu_stats __percpu *pcpu;

	struct kstream_topic_events events;	/* data-path events (events.h) */

	u32 ring_charged;	/* bytes counted against max_ring_memory */
};

static inline struct kstream_topic *to_topic(struct device *dev)
{
	return container_of(dev, struct kstream_topic, dev);
}

/* What a new topic is made of (netlink parses it, policies may add). */
struct kstream_topic_config {
	const char *name;
	u32 ring_size;
	u32 msg_max;
	enum kstream_policy policy;
	umode_t mode;
	kuid_t uid;
	kgid_t gid;
	kuid_t admin_uid;	/* an initial ACL admin entry, or INVALID_UID */
	u32 producers_max;	/* producer table size (dedup.h) */
};

struct netlink_ext_ack;

/*
 * Process context, no lock held (takes the registry lock for the
 * registration only).  The new topic with a reference for the caller.
 */
struct kstream_topic *
kstream_topic_create(const struct kstream_topic_config *cfg,
		     struct netlink_ext_ack *extack);
/*
 * Registry locked: delete @t (no new opens; open fds see it dead), with
 * its KSTREAM_EVENT_TOPIC_DEL.
 */
void kstream_topic_unregister(struct kstream_topic *t);
/*
 * KSTREAM_CMD_TOPIC_SET, registry locked: the policy and msg_max in @set
 * become @t's, or -EBUSY (an fd is open; msg_max lowered over retained
 * messages; @t is a dead-letter topic) or -EINVAL, with an extack message.
 */
struct kstream_topic_set;
int kstream_topic_set_limits(struct kstream_topic *t,
			     const struct kstream_topic_set *set,
			     struct netlink_ext_ack *extack);
/*
 * Module exit, while the netlink family is still there: refuse new
 * topics and delete every topic (listeners get their deletion events).
 */
void kstream_topic_delete_all(void);
/* Module exit, the family gone: wait until every topic is freed. */
void kstream_topic_wait_all(void);

static inline void kstream_topic_get(struct kstream_topic *t)
{
	get_device(&t->dev);
}

static inline void kstream_topic_put(struct kstream_topic *t)
{
	put_device(&t->dev);
}

#endif /* _KSTREAM_TOPIC_H */
