// SPDX-License-Identifier: GPL-2.0
/*
 * Topic objects: creation, deletion, lifetime.
 *
 * A topic's lifetime is the refcount of its embedded struct device: the
 * registry holds one reference, every open fd another.  Deleting a topic
 * unregisters it (no new opens, node removed), marks it dead and wakes
 * everybody; the last reference frees it, ring included.  Module exit
 * deletes every topic and waits until all are freed.
 *
 * May call: registry, ring, stats, acl, security, chardev, mmap (freeing
 * the list of mapped inodes), consume (waking readers of a dying topic),
 * dedup (the producer table), deadletter (links to and from a deleted
 * topic) and events (created, deleted).  Locks: the registry lock around
 * registration and deletion (never across the ring allocation), the
 * topic lock to mark it dead.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/netlink.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include "acl.h"
#include "chardev.h"
#include "consume.h"
#include "deadletter.h"
#include "dedup.h"
#include "mmap.h"
#include "events.h"
#include "params.h"
#include "registry.h"
#include "security.h"
#include "stats.h"
#include "topic.h"

static atomic64_t kstream_ring_bytes;		/* charged ring memory */
static atomic_t kstream_topics_alive;		/* allocated, not freed */

/* Last reference gone (struct device release). */
static void kstream_topic_release(struct device *dev)
{
	struct kstream_topic *t = to_topic(dev);

	WARN_ON_ONCE(t->deadletter);
	kstream_stats_free(t);
	kstream_dedup_topic_free(t);
	kstream_ring_maps_free(t);
	kstream_acl_free(t);
	kstream_ring_free(&t->ring);
	atomic64_sub(t->ring_charged, &kstream_ring_bytes);
	kfree(t);
	if (atomic_dec_and_test(&kstream_topics_alive))
		wake_up_var(&kstream_topics_alive);
}

static int kstream_charge_ring(struct kstream_topic *t, u32 size,
			       struct netlink_ext_ack *extack)
{
	if (atomic64_add_return(size, &kstream_ring_bytes) >
	    READ_ONCE(kstream_max_ring_memory)) {
		atomic64_sub(size, &kstream_ring_bytes);
		NL_SET_ERR_MSG(extack,
			       "ring memory limit reached (module parameter max_ring_memory)");
		return -ENOSPC;
	}
	t->ring_charged = size;
	return 0;
}

int kstream_topic_set_limits(struct kstream_topic *t,
			     const struct kstream_topic_set *set,
			     struct netlink_ext_ack *extack)
{
	u32 msg_max = t->msg_max;
	int err = 0;

	WARN_ON_ONCE(!kstream_topics_held());
	if (!(set->what & KSTREAM_SET_LIMITS))
		return 0;
	if (set->what & KSTREAM_SET_MSG_MAX) {
		msg_max = set->msg_max;
		if (msg_max > t->ring.size / 4) {
			NL_SET_ERR_MSG(extack,
				       "max message size must be at most a quarter of the ring size");
			return -EINVAL;
		}
	}
	/* Its sources' producers write into it whenever they like. */
	if (kstream_deadletter_is_target(t)) {
		NL_SET_ERR_MSG(extack,
			       "the policy and msgmax of a dead-letter topic cannot change while a topic uses it");
		return -EBUSY;
	}
	/*
	 * No fd open, decided and applied under the lock that open() takes
	 * to become a reader or a writer (file.c): an fd opened afterwards
	 * sees the new values.
	 */
	spin_lock(&t->lock);
	if (t->nr_readers || atomic_read(&t->nr_writers)) {
		NL_SET_ERR_MSG(extack,
			       "the policy and msgmax change only while no fd is open on the topic");
		err = -EBUSY;
	} else if (msg_max < t->msg_max &&
		   t->ring.ctl->head != t->ring.ctl->tail) {
		NL_SET_ERR_MSG(extack,
			       "msgmax can be lowered only while the topic retains no message");
		err = -EBUSY;
	} else {
		WRITE_ONCE(t->msg_max, msg_max);
		WRITE_ONCE(t->ring.ctl->msg_max, msg_max);
		if (set->what & KSTREAM_SET_POLICY) {
			WRITE_ONCE(t->policy, set->policy);
			WRITE_ONCE(t->ring.ctl->policy, set->policy);
		}
	}
	spin_unlock(&t->lock);
	return err;
}

/*
 * The ring (up to 1 GiB) is allocated without the registry lock, so that
 * one big topic does not stall every open, create and delete meanwhile;
 * the name and the topic limit are checked before (a cheap refusal) and
 * again when the topic is registered.
 */
struct kstream_topic *
kstream_topic_create(const struct kstream_topic_config *cfg,
		     struct netlink_ext_ack *extack)
{
	struct kstream_topic *t;
	unsigned int i;
	int err;

	kstream_topics_lock();
	err = kstream_registry_check(cfg->name, extack);
	kstream_topics_unlock();
	if (err)
		return ERR_PTR(err);

	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return ERR_PTR(-ENOMEM);
	atomic_inc(&kstream_topics_alive);
	strscpy(t->name, cfg->name, sizeof(t->name));
	t->msg_max = cfg->msg_max;
	t->policy = cfg->policy;
	t->mode = cfg->mode;
	t->uid = cfg->uid;
	t->gid = cfg->gid;
	spin_lock_init(&t->lock);
	INIT_LIST_HEAD(&t->readers);
	INIT_LIST_HEAD(&t->armed);
	atomic_set(&t->nr_writers, 0);
	init_waitqueue_head(&t->wwq);
	atomic64_set(&t->lost, 0);
	for (i = 0; i < ARRAY_SIZE(t->dropped); i++)
		atomic64_set(&t->dropped[i], 0);
	kstream_events_topic_init(t);
	kstream_security_topic_init(t);
	kstream_dedup_topic_init(t, cfg->producers_max);
	init_rwsem(&t->map_sem);
	kstream_topic_device_init(t);
	/* From here on, put_device() frees everything set up so far. */
	t->dev.release = kstream_topic_release;

	err = kstream_stats_init(t);
	if (err)
		goto err_put;
	err = kstream_ring_maps_init(t);
	if (err)
		goto err_put;
	err = kstream_acl_init(t, cfg);
	if (err)
		goto err_put;

	err = kstream_charge_ring(t, cfg->ring_size, extack);
	if (err)
		goto err_put;
	err = kstream_ring_alloc(&t->ring, cfg->ring_size, cfg->msg_max,
				 cfg->policy);
	if (err == -EINTR) {
		NL_SET_ERR_MSG(extack, "fatal signal while allocating the ring");
		goto err_put;
	} else if (err) {
		NL_SET_ERR_MSG(extack, "cannot allocate the ring");
		goto err_put;
	}

	kstream_topics_lock();
	err = kstream_registry_add(t, extack);
	if (err)
		goto err_unlock;
	t->dev.devt = kstream_topic_devt(t->id);
	err = dev_set_name(&t->dev, "%s", t->name);
	if (!err)
		err = device_add(&t->dev);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot register the topic device");
		kstream_registry_del(t);
		goto err_unlock;
	}
	/* The caller's reference; the registry keeps the initial one. */
	kstream_topic_get(t);
	kstream_topics_unlock();
	kstream_event(t, KSTREAM_EVENT_TOPIC_NEW);
	return t;

err_unlock:
	kstream_topics_unlock();
err_put:
	kstream_topic_put(t);
	return ERR_PTR(err);
}

/*
 * Unregister @t and drop the registry's reference.  Registry locked.  The
 * caller has detached @t's ingress filter (kstream_topic_filter_clear()).
 */
void kstream_topic_unregister(struct kstream_topic *t)
{
	WARN_ON_ONCE(!kstream_topics_held());
	kstream_event_topic_del(t);
	kstream_registry_del(t);
	/* No topic keeps sending to it, it sends to none. */
	kstream_deadletter_unlink(t);

	spin_lock(&t->lock);
	/* Pairs with smp_load_acquire() of dead in kstream_consume(). */
	smp_store_release(&t->dead, true);
	kstream_ring_mark_deleted(&t->ring);
	kstream_wake_readers(t, true);
	spin_unlock(&t->lock);
	wake_up_interruptible_poll(&t->wwq, EPOLLHUP);

	device_del(&t->dev);
	kstream_topic_put(t);
}

/* No filter is attached to any topic: a registered filter holds the module. */
void kstream_topic_delete_all(void)
{
	struct kstream_topic *t;
	unsigned long id = 0;

	kstream_topics_lock();
	kstream_registry_close();
	while ((t = kstream_topic_next(&id)))
		kstream_topic_unregister(t);
	kstream_topics_unlock();
}

void kstream_topic_wait_all(void)
{
	wait_var_event(&kstream_topics_alive,
		       !atomic_read(&kstream_topics_alive));
	WARN_ON(atomic64_read(&kstream_ring_bytes));
	kstream_registry_exit();
}
