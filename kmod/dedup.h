/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Idempotent producers (dedup.c): a topic's table of producer ids with the
 * last producer sequence it accepted from each, and an fd's producer
 * identity.  dedup.c's top comment says what it may call and which locks
 * it takes; uapi/linux/kstream.h (Idempotent producers) is the contract.
 */
#ifndef _KSTREAM_DEDUP_H
#define _KSTREAM_DEDUP_H

#include <linux/list.h>
#include <linux/siphash.h>
#include <linux/types.h>
#include <linux/kstream.h>

struct kstream_file;
struct kstream_topic;

/* One producer id of a topic (topic lock). */
struct kstream_dedup_entry {
	/*
	 * The id (0 while unused) and its last accepted sequence: written
	 * under the topic lock with WRITE_ONCE(); kstream_dedup_maybe_dup()
	 * reads them without it, as a hint only.
	 */
	u64 id;
	u64 last_seq;
	struct hlist_node hnode;	/* in heads[hash(id)] */
	struct list_head lru;		/* in lru, least recently used first */
};

/*
 * A topic's table, allocated whole (entries and hash heads) the first
 * time an fd of the topic sets a producer id, freed with the topic.
 * Entries are taken in order, never freed one by one: a full table
 * reuses its least recently used entry.  All of it under the topic lock.
 */
struct kstream_dedup {
	u32 max;			/* entries */
	u32 nr;				/* entries[0..nr) are in use */
	u32 nr_heads;			/* a power of two, >= max */
	siphash_key_t key;		/* ids are chosen by producers */
	struct list_head lru;
	struct hlist_head *heads;
	struct kstream_dedup_entry entries[];
};

/* An fd's producer identity, in struct kstream_file (topic lock). */
struct kstream_prod {
	u64 id;			/* 0: none; WRITE_ONCE under the lock */
	u64 next_seq;		/* producer sequence of the next message */
	bool exhausted;		/* 2^64 - 1 was used: EOVERFLOW */
	/*
	 * The topic forgot this fd's id while the fd used it (evicted from a
	 * full table): KSTREAM_PRODUCER_EVICTED until the next SET_PRODUCER.
	 */
	bool evicted;
	/* The entry of id when last seen (a hint: its id is checked). */
	struct kstream_dedup_entry *hint;
};

/* What kstream_dedup_check() found for the message being committed. */
struct kstream_dedup_ticket {
	u64 id;			/* 0: the fd has no producer id */
	u64 seq;
	struct kstream_dedup_entry *e;	/* the id's entry; NULL: unknown */
};

enum {
	KSTREAM_DEDUP_NONE,	/* no producer id: publish as usual */
	KSTREAM_DEDUP_NEW,	/* above the last sequence: accept */
	KSTREAM_DEDUP_DUP,	/* at or below it: discard */
};

/* Topic creation: no table yet, @max ids when there is one. */
void kstream_dedup_topic_init(struct kstream_topic *t, u32 max);
/* Topic release. */
void kstream_dedup_topic_free(struct kstream_topic *t);

/*
 * KSTREAM_IOC_SET_PRODUCER (process context, no lock held): allocates the
 * topic's table if it has none.  0, -ENOMEM, -ENODEV.
 */
int kstream_dedup_set_producer(struct kstream_file *kf,
			       const struct kstream_producer *p);
/*
 * KSTREAM_IOC_PRODUCER_SEQ and netlink: 1 and *@last if the topic has
 * state for @id, else 0.  Takes the topic lock.
 */
int kstream_dedup_query(struct kstream_topic *t, u64 id, u64 *last);
/* KSTREAM_IOC_PRODUCER_SEQ's flags for @id asked on @kf. */
u32 kstream_dedup_query_flags(struct kstream_file *kf, u64 id, u64 *last);
/*
 * Up to @n (id, last) pairs from entry *@pos on, advancing *@pos; for
 * dumps.  Takes the topic lock.  Returns how many were copied.
 */
unsigned int kstream_dedup_snapshot(struct kstream_topic *t, u32 *pos,
				    struct kstream_producer_query *out,
				    unsigned int n);

/*
 * Lockless hint, before the ingress verdict: is @kf's next message
 * perhaps a duplicate?  Only kstream_dedup_check() under the lock decides.
 */
bool kstream_dedup_maybe_dup(struct kstream_file *kf);
/* The same for a message of producer sequence @seq (batches, publish.c). */
bool kstream_dedup_maybe_dup_seq(struct kstream_file *kf, u64 seq);

/*
 * Topic lock held, @kf has a producer id: the producer sequence of its
 * next message is @seq (a batch record with an origin block, publish.c),
 * as KSTREAM_IOC_SET_PRODUCER would set it.
 */
void kstream_dedup_set_next(struct kstream_file *kf, u64 seq);

/*
 * Topic lock held: the producer sequence of @kf's next message and
 * whether the topic takes it.  KSTREAM_DEDUP_NONE, _NEW, _DUP, or
 * -EOVERFLOW.  Then, under the same lock hold, the caller either commits
 * the message and calls kstream_dedup_accept(), or calls
 * kstream_dedup_discard() (a duplicate), or neither (no room: it will
 * check again).
 */
int kstream_dedup_check(struct kstream_topic *t, struct kstream_file *kf,
			struct kstream_dedup_ticket *tk);
/* Topic lock held: the message of @tk was taken; the fd moves on. */
void kstream_dedup_accept(struct kstream_topic *t, struct kstream_file *kf,
			  const struct kstream_dedup_ticket *tk);
/* Topic lock held: the message of @tk is a duplicate; the fd moves on. */
void kstream_dedup_discard(struct kstream_topic *t, struct kstream_file *kf,
			   const struct kstream_dedup_ticket *tk);

/* Topic lock held: ids in the table (KSTREAM_STAT_PRODUCERS). */
u32 kstream_dedup_count(struct kstream_topic *t);

#endif /* _KSTREAM_DEDUP_H */
