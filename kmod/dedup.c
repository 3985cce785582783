// SPDX-License-Identifier: GPL-2.0
/*
 * Idempotent producers: per topic, the last producer sequence accepted
 * from each producer id, so that a retried message is discarded before
 * it is committed (uapi/linux/kstream.h, Idempotent producers).
 *
 * Where it sits on the write path (publish.c):
 *
 *   1. after the payload copy and the publish right, before the eBPF
 *      verdict: kstream_dedup_maybe_dup(), a lockless hint (a few loads
 *      through the fd's cached entry); only when it says "maybe" is the
 *      topic lock taken to decide, so that a retry is answered without
 *      being judged (or dead-lettered) again;
 *   2. in the commit section, under the topic lock, before room is made:
 *      kstream_dedup_check() decides; the commit then writes the origin
 *      block and calls kstream_dedup_accept(), or a duplicate is counted
 *      and discarded.  Judging and committing under one lock hold is what
 *      makes concurrent writers with the same id exact: the second of two
 *      writers of one sequence always sees the first one's commit;
 *   3. a message the verdict drops is accepted without a commit (under
 *      the topic lock too), so that its retry is a duplicate.
 *
 * Cost, under the topic lock: a producer fd keeps a pointer to its id's
 * entry, so the common case (one id per fd) is a compare and a list move
 * (LRU); a miss is a SipHash of the id and a walk of one hash chain (load
 * factor at most 1; the key is random per topic, so producers cannot
 * choose colliding ids).  Nothing allocates under the lock: the table
 * is allocated whole by KSTREAM_IOC_SET_PRODUCER, in process context,
 * charged to the caller's memory cgroup (GFP_KERNEL_ACCOUNT), and a full
 * table reuses its least recently used entry (counted as an eviction).
 * Everything is bounded, so this is as PREEMPT_RT-friendly as the rest of
 * the commit section.
 *
 * May call: nothing of the module.  Locks: the topic lock (all state);
 * kstream_dedup_maybe_dup() reads without it (READ_ONCE, a hint only).
 */

#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "dedup.h"
#include "file.h"
#include "topic.h"

void kstream_dedup_topic_init(struct kstream_topic *t, u32 max)
{
	t->producers_max = clamp(max, 1U, KSTREAM_PRODUCERS_MAX_LIMIT);
	t->dedup = NULL;
}

void kstream_dedup_topic_free(struct kstream_topic *t)
{
	if (!t->dedup)
		return;
	kvfree(t->dedup->heads);
	kvfree(t->dedup);
	t->dedup = NULL;
}

static struct kstream_dedup *kstream_dedup_alloc(u32 max)
{
	struct kstream_dedup *d;

	d = kvzalloc(struct_size(d, entries, max), GFP_KERNEL_ACCOUNT);
	if (!d)
		return NULL;
	d->max = max;
	d->nr_heads = roundup_pow_of_two(max);
	d->heads = kvcalloc(d->nr_heads, sizeof(*d->heads), GFP_KERNEL_ACCOUNT);
	if (!d->heads) {
		kvfree(d);
		return NULL;
	}
	INIT_LIST_HEAD(&d->lru);
	get_random_bytes(&d->key, sizeof(d->key));
	return d;
}

/* The topic's table, allocated (outside the lock) if it has none. */
static int kstream_dedup_ensure(struct kstream_topic *t)
{
	struct kstream_dedup *d;

	spin_lock(&t->lock);
	d = t->dedup;
	spin_unlock(&t->lock);
	if (d)
		return 0;
	d = kstream_dedup_alloc(t->producers_max);
	if (!d)
		return -ENOMEM;
	spin_lock(&t->lock);
	if (!t->dedup) {
		t->dedup = d;
		d = NULL;
	}
	spin_unlock(&t->lock);
	if (d) {		/* another fd was first */
		kvfree(d->heads);
		kvfree(d);
	}
	return 0;
}

int kstream_dedup_set_producer(struct kstream_file *kf,
			       const struct kstream_producer *p)
{
	struct kstream_topic *t = kf->topic;
	int err;

	if (p->id) {
		err = kstream_dedup_ensure(t);
		if (err)
			return err;
	}
	spin_lock(&t->lock);
	if (t->dead) {
		spin_unlock(&t->lock);
		return -ENODEV;
	}
	WRITE_ONCE(kf->prod.id, p->id);
	WRITE_ONCE(kf->prod.next_seq, p->id ? p->next_seq : 0);
	kf->prod.exhausted = false;
	kf->prod.evicted = false;
	WRITE_ONCE(kf->prod.hint, NULL);
	spin_unlock(&t->lock);
	return 0;
}

static u32 kstream_dedup_hash(const struct kstream_dedup *d, u64 id)
{
	return siphash_1u64(id, &d->key) & (d->nr_heads - 1);
}

/* Lock held: the entry of @id, or NULL. */
static struct kstream_dedup_entry *
kstream_dedup_lookup(struct kstream_dedup *d, u64 id)
{
	struct kstream_dedup_entry *e;

	hlist_for_each_entry(e, &d->heads[kstream_dedup_hash(d, id)], hnode)
		if (e->id == id)
			return e;
	return NULL;
}

int kstream_dedup_query(struct kstream_topic *t, u64 id, u64 *last)
{
	struct kstream_dedup_entry *e = NULL;

	*last = 0;
	spin_lock(&t->lock);
	if (t->dedup && id)
		e = kstream_dedup_lookup(t->dedup, id);
	if (e)
		*last = e->last_seq;
	spin_unlock(&t->lock);
	return !!e;
}

u32 kstream_dedup_query_flags(struct kstream_file *kf, u64 id, u64 *last)
{
	struct kstream_topic *t = kf->topic;
	u32 flags = kstream_dedup_query(t, id, last) ? KSTREAM_PRODUCER_KNOWN : 0;

	spin_lock(&t->lock);
	if (id == kf->prod.id && kf->prod.evicted)
		flags |= KSTREAM_PRODUCER_EVICTED;
	spin_unlock(&t->lock);
	return flags;
}

unsigned int kstream_dedup_snapshot(struct kstream_topic *t, u32 *pos,
				    struct kstream_producer_query *out,
				    unsigned int n)
{
	struct kstream_dedup *d;
	unsigned int i = 0;

	spin_lock(&t->lock);
	d = t->dedup;
	while (d && i < n && *pos < d->nr) {
		const struct kstream_dedup_entry *e = &d->entries[(*pos)++];

		memset(&out[i], 0, sizeof(out[i]));
		out[i].id = e->id;
		out[i].last_seq = e->last_seq;
		out[i].flags = KSTREAM_PRODUCER_KNOWN;
		i++;
	}
	spin_unlock(&t->lock);
	return i;
}

bool kstream_dedup_maybe_dup_seq(struct kstream_file *kf, u64 seq)
{
	struct kstream_dedup_entry *e = READ_ONCE(kf->prod.hint);
	u64 id = READ_ONCE(kf->prod.id);

	/*
	 * The entry may be reused for another id meanwhile; the answer is
	 * only a reason to take the lock and decide (kstream_dedup_check()).
	 */
	return id && e && READ_ONCE(e->id) == id &&
	       seq <= READ_ONCE(e->last_seq);
}

bool kstream_dedup_maybe_dup(struct kstream_file *kf)
{
	return kstream_dedup_maybe_dup_seq(kf, READ_ONCE(kf->prod.next_seq));
}

void kstream_dedup_set_next(struct kstream_file *kf, u64 seq)
{
	lockdep_assert_held(&kf->topic->lock);
	WRITE_ONCE(kf->prod.next_seq, seq);
	kf->prod.exhausted = false;
}

int kstream_dedup_check(struct kstream_topic *t, struct kstream_file *kf,
			struct kstream_dedup_ticket *tk)
{
	struct kstream_dedup_entry *e;

	lockdep_assert_held(&t->lock);
	tk->id = kf->prod.id;
	if (!tk->id)
		return KSTREAM_DEDUP_NONE;
	if (kf->prod.exhausted)
		return -EOVERFLOW;
	tk->seq = kf->prod.next_seq;
	/* The fd's id has an entry, hence a table. */
	e = kf->prod.hint;
	if (!e || e->id != tk->id) {
		/* Its entry went to another id: this one was evicted. */
		if (e)
			kf->prod.evicted = true;
		e = kstream_dedup_lookup(t->dedup, tk->id);
	}
	tk->e = e;
	if (e && tk->seq <= e->last_seq)
		return KSTREAM_DEDUP_DUP;
	return KSTREAM_DEDUP_NEW;
}

/* Lock held: an entry for @id, the least recently used one if full. */
static struct kstream_dedup_entry *
kstream_dedup_insert(struct kstream_topic *t, u64 id)
{
	struct kstream_dedup *d = t->dedup;
	struct kstream_dedup_entry *e;

	if (d->nr < d->max) {
		e = &d->entries[d->nr++];
	} else {
		e = list_first_entry(&d->lru, struct kstream_dedup_entry, lru);
		hlist_del(&e->hnode);
		list_del(&e->lru);
		t->producers_evicted++;
	}
	WRITE_ONCE(e->id, id);
	hlist_add_head(&e->hnode, &d->heads[kstream_dedup_hash(d, id)]);
	list_add_tail(&e->lru, &d->lru);
	return e;
}

/* Lock held: the fd's next message gets the next sequence. */
static void kstream_dedup_advance(struct kstream_file *kf)
{
	if (kf->prod.next_seq == U64_MAX)
		kf->prod.exhausted = true;
	else
		WRITE_ONCE(kf->prod.next_seq, kf->prod.next_seq + 1);
}

void kstream_dedup_accept(struct kstream_topic *t, struct kstream_file *kf,
			  const struct kstream_dedup_ticket *tk)
{
	struct kstream_dedup_entry *e = tk->e;

	lockdep_assert_held(&t->lock);
	if (!e) {
		e = kstream_dedup_insert(t, tk->id);
	} else {
		if (tk->seq > e->last_seq + 1)
			t->producer_gaps++;
		/* One producer at a time: it is the most recent already. */
		if (!list_is_last(&e->lru, &t->dedup->lru))
			list_move_tail(&e->lru, &t->dedup->lru);
	}
	WRITE_ONCE(e->last_seq, tk->seq);
	WRITE_ONCE(kf->prod.hint, e);
	kstream_dedup_advance(kf);
}

void kstream_dedup_discard(struct kstream_topic *t, struct kstream_file *kf,
			   const struct kstream_dedup_ticket *tk)
{
	lockdep_assert_held(&t->lock);
	t->dropped_duplicate++;
	/* Not an accepted message: the id's place in the LRU stays. */
	WRITE_ONCE(kf->prod.hint, tk->e);
	kstream_dedup_advance(kf);
}

u32 kstream_dedup_count(struct kstream_topic *t)
{
	lockdep_assert_held(&t->lock);
	return t->dedup ? t->dedup->nr : 0;
}
