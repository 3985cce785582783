// SPDX-License-Identifier: GPL-2.0
/*
 * The topic registry and the lifetime of a topic.
 *
 * Registered topics are in kstream_topics, indexed by id (= minor), under
 * kstream_topics_mutex.  A topic's lifetime is the refcount of its embedded
 * struct device: the registry holds one reference, every open fd another.
 * Deleting a topic unregisters it (no new opens, node removed), marks it
 * dead and wakes everybody; the last reference frees it, ring included.
 * Module exit deletes every topic and waits until all are freed.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/ctype.h>
#include <linux/netlink.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/xarray.h>

#include "kstream.h"

static DEFINE_MUTEX(kstream_topics_mutex);
static DEFINE_XARRAY_ALLOC(kstream_topics);
static unsigned int kstream_nr_topics;		/* registered; mutex */
static atomic64_t kstream_ring_bytes;		/* charged ring memory */
static atomic_t kstream_topics_alive;		/* allocated, not freed */

void kstream_topics_lock(void)
{
	mutex_lock(&kstream_topics_mutex);
}

void kstream_topics_unlock(void)
{
	mutex_unlock(&kstream_topics_mutex);
}

/* For rcu_dereference_protected() of what the registry lock protects. */
bool kstream_topics_held(void)
{
#ifdef CONFIG_LOCKDEP
	return lockdep_is_held(&kstream_topics_mutex);
#else
	return mutex_is_locked(&kstream_topics_mutex);
#endif
}

bool kstream_topic_name_valid(const char *name)
{
	size_t len = strnlen(name, KSTREAM_NAME_MAX);
	size_t i;

	if (!len || len >= KSTREAM_NAME_MAX)
		return false;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

/* Registered topic named @name, or NULL.  Registry locked. */
struct kstream_topic *kstream_topic_find(const char *name)
{
	struct kstream_topic *t;
	unsigned long id;

	lockdep_assert_held(&kstream_topics_mutex);
	xa_for_each(&kstream_topics, id, t)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

/* First registered topic with id >= *@id, for dumps.  Registry locked. */
struct kstream_topic *kstream_topic_next(unsigned long *id)
{
	lockdep_assert_held(&kstream_topics_mutex);
	return xa_find(&kstream_topics, id, ULONG_MAX, XA_PRESENT);
}

/* The live topic with minor @minor, with a reference; NULL if none. */
struct kstream_topic *kstream_topic_get_by_minor(unsigned int minor)
{
	struct kstream_topic *t;

	mutex_lock(&kstream_topics_mutex);
	t = xa_load(&kstream_topics, minor);
	if (t)
		get_device(&t->dev);
	mutex_unlock(&kstream_topics_mutex);
	return t;
}

void kstream_topic_put(struct kstream_topic *t)
{
	put_device(&t->dev);
}

/* Last reference gone (struct device release). */
void kstream_topic_release(struct kstream_topic *t)
{
	kstream_stats_free(t);
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

struct kstream_topic *
kstream_topic_create(const struct kstream_topic_config *cfg,
		     struct netlink_ext_ack *extack)
{
	struct kstream_topic *t;
	unsigned int i;
	int err;

	mutex_lock(&kstream_topics_mutex);
	if (kstream_topic_find(cfg->name)) {
		NL_SET_ERR_MSG(extack, "a topic with this name exists");
		err = -EEXIST;
		goto err_unlock;
	}
	if (kstream_nr_topics >= READ_ONCE(kstream_max_topics)) {
		NL_SET_ERR_MSG(extack,
			       "topic limit reached (module parameter max_topics)");
		err = -ENOSPC;
		goto err_unlock;
	}

	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t) {
		err = -ENOMEM;
		goto err_unlock;
	}
	atomic_inc(&kstream_topics_alive);
	strscpy(t->name, cfg->name, sizeof(t->name));
	t->msg_max = cfg->msg_max;
	t->policy = cfg->policy;
	t->mode = cfg->mode;
	t->uid = cfg->uid;
	t->gid = cfg->gid;
	spin_lock_init(&t->lock);
	INIT_LIST_HEAD(&t->readers);
	atomic_set(&t->nr_writers, 0);
	init_waitqueue_head(&t->wwq);
	atomic64_set(&t->lost, 0);
	for (i = 0; i < ARRAY_SIZE(t->dropped); i++)
		atomic64_set(&t->dropped[i], 0);
	atomic64_set(&t->lap_pending, 0);
	/* One lap event per topic per second (kstream_notify_lapped()). */
	ratelimit_state_init(&t->lap_rs, HZ, 1);
	ratelimit_set_flags(&t->lap_rs, RATELIMIT_MSG_ON_RELEASE);
	kstream_security_topic_init(t);
	init_rwsem(&t->map_sem);
	INIT_LIST_HEAD(&t->map_inodes);
	/* From here on, put_device() frees everything set up so far. */
	kstream_topic_device_init(t);

	err = kstream_stats_init(t);
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
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot allocate the ring");
		goto err_put;
	}
	err = xa_alloc(&kstream_topics, &t->id, t, XA_LIMIT(0, MINORMASK),
		       GFP_KERNEL);
	if (err) {
		if (err == -EBUSY) {
			NL_SET_ERR_MSG(extack, "no free device minor");
			err = -ENOSPC;
		}
		goto err_put;
	}
	t->dev.devt = kstream_topic_devt(t->id);
	err = dev_set_name(&t->dev, "%s", t->name);
	if (!err)
		err = device_add(&t->dev);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot register the topic device");
		xa_erase(&kstream_topics, t->id);
		goto err_put;
	}
	kstream_nr_topics++;
	/* The caller's reference; the registry keeps the initial one. */
	get_device(&t->dev);
	mutex_unlock(&kstream_topics_mutex);
	kstream_notify(t, KSTREAM_EVENT_TOPIC_NEW, 0, 0);
	return t;

err_put:
	put_device(&t->dev);
err_unlock:
	mutex_unlock(&kstream_topics_mutex);
	return ERR_PTR(err);
}

/* Unregister @t and drop the registry's reference.  Registry locked. */
void kstream_topic_unregister(struct kstream_topic *t)
{
	lockdep_assert_held(&kstream_topics_mutex);
	xa_erase(&kstream_topics, t->id);
	kstream_nr_topics--;
	kstream_topic_filter_clear(t);

	spin_lock(&t->lock);
	/* Pairs with smp_load_acquire() of dead in kstream_consume(). */
	smp_store_release(&t->dead, true);
	kstream_wake_readers(t, true);
	spin_unlock(&t->lock);
	wake_up_interruptible_poll(&t->wwq, EPOLLHUP);

	device_del(&t->dev);
	put_device(&t->dev);
}

/* Module exit: delete every topic, then wait until all are freed. */
void kstream_topic_delete_all(void)
{
	struct kstream_topic *t;
	unsigned long id;

	mutex_lock(&kstream_topics_mutex);
	xa_for_each(&kstream_topics, id, t)
		kstream_topic_unregister(t);
	mutex_unlock(&kstream_topics_mutex);
	wait_var_event(&kstream_topics_alive,
		       !atomic_read(&kstream_topics_alive));
	WARN_ON(atomic64_read(&kstream_ring_bytes));
	xa_destroy(&kstream_topics);
}
