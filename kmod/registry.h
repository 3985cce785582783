/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The registry of topics (registry.c): the table of live topics by id
 * (= device minor) and the registry lock.
 *
 * The registry lock (a mutex) serializes the control plane: creation and
 * deletion of topics, lookups, dumps, every change of a topic's
 * configuration with its authorization, the ingress filters' registry
 * and every topic's filter and ACL pointers.  It may sleep; nothing on
 * the data path takes it but open() (briefly, to find the topic).
 *
 * A leaf: it calls nothing of the module.
 */
#ifndef _KSTREAM_REGISTRY_H
#define _KSTREAM_REGISTRY_H

#include <linux/types.h>

struct kstream_topic;
struct netlink_ext_ack;

void kstream_topics_lock(void);
void kstream_topics_unlock(void);
/* For rcu_dereference_protected() of what the registry lock protects. */
bool kstream_topics_held(void);

bool kstream_topic_name_valid(const char *name);

/* Registry locked: the registered topic named @name, or NULL. */
struct kstream_topic *kstream_topic_find(const char *name);
/* Registry locked: first registered topic with id >= *@id, or NULL. */
struct kstream_topic *kstream_topic_next(unsigned long *id);
/* The live topic with minor @minor, with a reference; NULL if none. */
struct kstream_topic *kstream_topic_get_by_minor(unsigned int minor);

/*
 * Registry locked: may a topic named @name be added?  0, or -EEXIST (name
 * taken) or -ENOSPC (max_topics) with an extack message.
 */
int kstream_registry_check(const char *name, struct netlink_ext_ack *extack);
/*
 * Registry locked: give @t an id and make it findable.  -EEXIST (name
 * taken), -ENOSPC (max_topics, or no free minor) with an extack message.
 */
int kstream_registry_add(struct kstream_topic *t,
			 struct netlink_ext_ack *extack);
/* Registry locked: make @t unfindable (its id may be reused). */
void kstream_registry_del(struct kstream_topic *t);
/* Registry locked, module exit: refuse new topics from now on. */
void kstream_registry_close(void);
/* Module exit, nothing registered any more. */
void kstream_registry_exit(void);

#endif /* _KSTREAM_REGISTRY_H */
