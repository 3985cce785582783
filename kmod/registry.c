// SPDX-License-Identifier: GPL-2.0
/*
 * The registry of topics: live topics by id (= minor) in an xarray, under
 * kstream_topics_mutex, and the rules of names.
 *
 * May call: nothing of the module (a leaf).  Locks: kstream_topics_mutex,
 * which it offers to the control plane as the registry lock (registry.h
 * says what it protects); get_by_minor() takes it briefly for open().
 */

#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/xarray.h>

#include "params.h"
#include "registry.h"
#include "topic.h"

static DEFINE_MUTEX(kstream_topics_mutex);
static DEFINE_XARRAY_ALLOC(kstream_topics);
static unsigned int kstream_nr_topics;		/* registered; mutex */
static bool kstream_registry_closed;		/* module exit; mutex */

void kstream_topics_lock(void)
{
	mutex_lock(&kstream_topics_mutex);
}

void kstream_topics_unlock(void)
{
	mutex_unlock(&kstream_topics_mutex);
}

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

struct kstream_topic *kstream_topic_next(unsigned long *id)
{
	lockdep_assert_held(&kstream_topics_mutex);
	return xa_find(&kstream_topics, id, ULONG_MAX, XA_PRESENT);
}

struct kstream_topic *kstream_topic_get_by_minor(unsigned int minor)
{
	struct kstream_topic *t;

	mutex_lock(&kstream_topics_mutex);
	t = xa_load(&kstream_topics, minor);
	if (t)
		kstream_topic_get(t);
	mutex_unlock(&kstream_topics_mutex);
	return t;
}

int kstream_registry_check(const char *name, struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&kstream_topics_mutex);
	if (kstream_registry_closed) {
		NL_SET_ERR_MSG(extack, "kstream is being unloaded");
		return -ENODEV;
	}
	if (kstream_topic_find(name)) {
		NL_SET_ERR_MSG(extack, "a topic with this name exists");
		return -EEXIST;
	}
	if (kstream_nr_topics >= READ_ONCE(kstream_max_topics)) {
		NL_SET_ERR_MSG(extack,
			       "topic limit reached (module parameter max_topics)");
		return -ENOSPC;
	}
	return 0;
}

int kstream_registry_add(struct kstream_topic *t,
			 struct netlink_ext_ack *extack)
{
	int err = kstream_registry_check(t->name, extack);

	if (err)
		return err;
	err = xa_alloc(&kstream_topics, &t->id, t, XA_LIMIT(0, MINORMASK),
		       GFP_KERNEL);
	if (err == -EBUSY) {
		NL_SET_ERR_MSG(extack, "no free device minor");
		err = -ENOSPC;
	}
	if (!err)
		kstream_nr_topics++;
	return err;
}

void kstream_registry_del(struct kstream_topic *t)
{
	lockdep_assert_held(&kstream_topics_mutex);
	xa_erase(&kstream_topics, t->id);
	kstream_nr_topics--;
}

void kstream_registry_close(void)
{
	lockdep_assert_held(&kstream_topics_mutex);
	kstream_registry_closed = true;
}

void kstream_registry_exit(void)
{
	WARN_ON(kstream_nr_topics);
	xa_destroy(&kstream_topics);
}
