// SPDX-License-Identifier: GPL-2.0
/*
 * The write path: one write(2) is one message, or with KSTREAM_FD_BATCH
 * a batch of records.
 *
 * One message:
 *
 *   1. check the length, copy the payload into kernel memory (a stack
 *      buffer for small messages, else the fd's staging buffer): all of
 *      it or EFAULT, so a message is never partial;
 *   2. the ingress verdict (kstream_ingress_verdict()), outside any lock:
 *      the fd's right to publish, an idempotent producer's obvious
 *      repeat (answered here, dedup.c), then eBPF ingress programs;
 *   3. commit under the topic lock (kstream_commit_locked()): an
 *      idempotent producer's sequence is judged (dedup.c: a duplicate is
 *      discarded here), room is made (evict, or wait on block topics),
 *      the sequence number and timestamp assigned, the record (with its
 *      origin block, if any) copied into the ring, head published; then
 *      the armed readers woken.
 *
 * A batch (uapi: Batch publish) goes through the same three steps with
 * the whole batch at each: one copy of up to KSTREAM_BATCH_BYTES of
 * records into the staging buffer, every header checked and every record
 * judged (kstream_batch_judge()), then the records committed in order
 * under one hold of the topic lock (kstream_batch_commit()), one record
 * at a time by the same kstream_commit_locked(), and the readers woken
 * once.  The lock is dropped between records only to wait for room (a
 * block topic), to judge a record the lockless duplicate hint got wrong,
 * or to write a dead letter (another topic's lock).
 *
 * One copy fewer (ring.c, "Reservation"): a message of at least
 * KSTREAM_DIRECT_MIN bytes (kstream_publish_direct()), and the records of
 * a batch written on an fd without a producer id (kstream_batch_direct()),
 * skip the staging buffer.  Step 1 reserves the free bytes at head (room
 * made under the topic lock, the ring's rsv_lock held) and copies the
 * producer's bytes there with page faults disabled; step 2 judges them
 * in the ring, where no producer can change them; step 3 writes the
 * header (and the origin block) in place and publishes head.  Whatever
 * cannot go that way (the reservation busy, no room yet on a block topic,
 * a fault, a dead letter, a producer id changed meanwhile) goes, or goes
 * on, the staged way, and a record is never judged twice.  Writers at
 * head that do not hold the reservation wait for it to end
 * (kstream_commit_lock()).
 *
 * Only step 3 makes a message visible, so no reader can see a message the
 * verdict discarded or one that is half written.  Sequence numbers are
 * assigned in step 3, so dropped messages leave no gap; a reservation that
 * ends without a record leaves the ring as it was (its bytes zeroed).
 *
 * Producers waiting for room on a block topic (the wakeup protocol,
 * Documentation/design.rst): a producer that finds no room publishes the
 * reader position at which its record fits (ctl->wake_pos, the lowest of
 * the waiters') and then, after a full barrier, looks at the readers'
 * positions again; a reader release-stores its new position and then,
 * after a full barrier, reads wake_pos, and wakes the producers only when
 * its advance crossed it and no reader is left behind it
 * (kstream_reader_passed(), kstream_wake_writers()).  One of the two sees
 * the other's store, so a producer never sleeps with room there, and
 * readers that move on without crossing wake_pos cost one load.
 *
 * May call: security, bpf (the verdict), dedup, deadletter, consume
 * (waking readers), stats.  Locks: the topic lock (commit, room, the
 * producer table), a dead-letter topic's lock (its record, never with
 * another topic's lock), the fd's staging mutex (never under a topic
 * lock), the ring's rsv_lock (taken before the topic lock, one topic's
 * at a time: a dead letter is routed after the reservation ended).
 */

#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "bpf.h"
#include "consume.h"
#include "deadletter.h"
#include "dedup.h"
#include "file.h"
#include "publish.h"
#include "security.h"
#include "stats.h"
#include "topic.h"
#include "trace.h"

/* Messages up to this size are staged on the stack. */
#define KSTREAM_STACK_STAGE 256

/*
 * Messages of at least this many bytes are copied from the producer
 * straight into the ring (kstream_publish_direct()); smaller ones are
 * staged on the stack, which costs less than the reservation's second
 * hold of the topic lock (Documentation/performance.rst).
 */
#define KSTREAM_DIRECT_MIN (KSTREAM_STACK_STAGE + 1)

/*
 * A batch write takes at most this many bytes of records per call (or
 * one record of msg_max bytes, if that is more): the staging buffer and
 * the topic lock's hold are bounded by it.
 */
#define KSTREAM_BATCH_BYTES (64 * 1024)

/* Not verdicts of the uapi: a duplicate, discarded and counted already; */
#define KSTREAM_VERDICT_DUPLICATE (KSTREAM_INGRESS_MAX + 1)
/* ... a batch record the lockless hint thinks a duplicate (not judged). */
#define KSTREAM_VERDICT_MAYBE_DUP (KSTREAM_INGRESS_MAX + 2)

/* ctl->wake_pos while no producer waits for room. */
#define KSTREAM_NO_WAKE_POS U64_MAX

/* Lock held: is the next message of @kf a duplicate?  Then discard it. */
static bool kstream_discard_dup_locked(struct kstream_file *kf, u32 len)
{
	struct kstream_topic *t = kf->topic;
	struct kstream_dedup_ticket tk;

	lockdep_assert_held(&t->lock);
	if (kstream_dedup_check(t, kf, &tk) != KSTREAM_DEDUP_DUP)
		return false;
	kstream_dedup_discard(t, kf, &tk);
	trace_kstream_duplicate(t, tk.id, tk.seq, len);
	return true;
}

/*
 * An idempotent producer's message that kstream_dedup_maybe_dup() thinks
 * is a repeat: decide under the lock, and discard it if it is one.
 */
static bool kstream_discard_duplicate(struct kstream_file *kf, u32 len)
{
	struct kstream_topic *t = kf->topic;
	bool dup;

	spin_lock(&t->lock);
	dup = !t->dead && kstream_discard_dup_locked(kf, len);
	spin_unlock(&t->lock);
	return dup;
}

/* The topic's eBPF ingress filter, if one is attached (one pointer test). */
static int kstream_filter_verdict(struct kstream_file *kf, const void *data,
				  size_t len, u32 *reason)
{
	struct kstream_topic *t = kf->topic;

	if (!kstream_filter_attached(t))
		return KSTREAM_INGRESS_PASS;
	/* eBPF ingress filter (bpf.c): len <= msg_max fits a u32. */
	return kstream_filter_run(t, &kf->producer, data, len, reason);
}

/*
 * The ingress verdict point.  Called exactly once per message, after the
 * whole payload is in kernel memory (@data, @len) and before the message
 * is committed; nothing of a message it drops or refuses is ever visible
 * to readers.  Runs in process context without locks held, so hooks may
 * sleep.  Returns a verdict, or a negative errno for the write to fail
 * with (authorization: -EACCES when the fd's opener may not publish, a
 * cached decision: two loads and a compare); then an idempotent
 * producer's repeat is answered (KSTREAM_VERDICT_DUPLICATE; a few loads
 * for a message that is none), so that a retry is never judged twice;
 * then the topic's eBPF ingress filter, if one is attached (one pointer
 * test when none is).  Batches judge their records in kstream_batch_judge(),
 * in the same order.
 */
static int kstream_ingress_verdict(struct kstream_file *kf, const void *data,
				   size_t len, u32 *reason)
{
	int err;

	err = kstream_security_access(kf, KSTREAM_ACCESS_PUBLISH);
	if (err)
		return err;
	if (kstream_dedup_maybe_dup(kf) && kstream_discard_duplicate(kf, len))
		return KSTREAM_VERDICT_DUPLICATE;
	return kstream_filter_verdict(kf, data, len, reason);
}

/* Lowest position some reader still has to read; head if none.  Lock held. */
static u64 kstream_min_reader_pos(struct kstream_topic *t)
{
	struct kstream_ring_ctl *ctl = t->ring.ctl;
	struct kstream_reader *rd;
	u64 min = ctl->head;

	lockdep_assert_held(&t->lock);
	list_for_each_entry(rd, &t->readers, node) {
		u64 pos;

		/*
		 * A reader that lost its right to subscribe holds nothing
		 * back: should it get it back, it finds itself lapped.
		 */
		if (rd->revoked)
			continue;
		/*
		 * Pairs with the readers' release of their position: their
		 * copies out of the ring are done before we reuse the space.
		 * A mapped reader page is untrusted: a position behind the
		 * tail reads as the tail (the reader has read nothing we
		 * still hold), one beyond head as caught up.
		 */
		pos = max(smp_load_acquire(rd->posp), ctl->tail);

		if (pos < min)
			min = pos;
	}
	return min;
}

/*
 * Evict the oldest records until a record of @need bytes fits.  On block
 * topics only records every reader has consumed may go; returns false if
 * that is not enough.  Lock held.
 */
static bool kstream_make_room(struct kstream_topic *t, u64 need)
{
	struct kstream_ring_ctl *ctl = t->ring.ctl;
	u64 size = t->ring.size;
	u64 limit = U64_MAX;
	bool evicted = false;

	lockdep_assert_held(&t->lock);
	if (ctl->head + need - ctl->tail <= size)
		return true;
	if (t->policy == KSTREAM_POLICY_BLOCK)
		limit = kstream_min_reader_pos(t);

	while (ctl->head + need - ctl->tail > size) {
		const struct kstream_msg_hdr *hdr;

		if (ctl->tail >= limit)
			break;
		hdr = kstream_ring_ptr(&t->ring, ctl->tail);
		WRITE_ONCE(ctl->tail, ctl->tail + KSTREAM_REC_SIZE(hdr->len));
		WRITE_ONCE(ctl->tail_seq, ctl->tail_seq + 1);
		evicted = true;
	}
	if (evicted)
		smp_wmb();	/* tail before reuse; pairs with readers' smp_rmb() */
	return ctl->head + need - ctl->tail <= size;
}

/*
 * Lock held: publish the number of waiting producers to mmap readers; when
 * none is left, no position is waited for.
 */
static void kstream_update_writers_waiting(struct kstream_topic *t)
{
	u32 n = t->nr_writers_waiting + t->wpoll_armed;

	WRITE_ONCE(t->ring.ctl->writers_waiting, n);
	if (!n)
		WRITE_ONCE(t->ring.ctl->wake_pos, KSTREAM_NO_WAKE_POS);
}

static bool kstream_has_room(struct kstream_topic *t, u64 need)
{
	return t->ring.ctl->head + need - kstream_min_reader_pos(t) <=
	       t->ring.size;
}

/*
 * Lock held, a producer (or a writable-poller) counted in writers_waiting
 * found no room for @need bytes: publish the reader position at which it
 * fits, if no other waiter waits for a lower one, and look again.  The
 * smp_mb() between the store of wake_pos and the loads of the readers'
 * positions pairs with the one in kstream_reader_passed() (and with a
 * zero-copy consumer's, uapi) between a reader's store of its position
 * and its load of wake_pos: either we see the reader's advance (and the
 * room it made), or it sees wake_pos and, crossing it, wakes us.
 *
 * That needs a reader below wake_pos, to cross it: the invariant is that
 * while a waiter sleeps, min_reader_pos < wake_pos <= its position.  A
 * waiter that found room right after publishing leaves its wake_pos
 * behind, and readers pass it: a wake_pos no reader is below is stale.
 * Kept, it would hide ours (higher) from every reader, and nobody would
 * cross it again.  So a stale one is replaced, and its waiters, which
 * have room, are woken here (the reader that passed it last may still be
 * on its way to kstream_wake_writers(), and find ours there instead).
 */
static bool kstream_wait_pos_publish(struct kstream_topic *t, u64 need)
{
	struct kstream_ring_ctl *ctl = t->ring.ctl;
	u64 pos = ctl->head + need - t->ring.size;

	lockdep_assert_held(&t->lock);
	if (ctl->wake_pos <= kstream_min_reader_pos(t)) {
		/* (KSTREAM_NO_WAKE_POS is above every position.) */
		wake_up_interruptible_poll(&t->wwq, EPOLLOUT | EPOLLWRNORM);
		WRITE_ONCE(ctl->wake_pos, pos);
	} else if (pos < ctl->wake_pos) {
		WRITE_ONCE(ctl->wake_pos, pos);
	}
	/* wake_pos before the positions; pairs with kstream_reader_passed() */
	smp_mb();
	return kstream_has_room(t, need);
}

/*
 * Would a record of @need bytes fit now?  For poll: if not, arm the
 * wakeup that consumers give when they make room.
 */
bool kstream_writable(struct kstream_topic *t, u64 need)
{
	bool ok;

	if (t->policy == KSTREAM_POLICY_OVERWRITE || READ_ONCE(t->dead))
		return true;
	spin_lock(&t->lock);
	ok = kstream_has_room(t, need);
	if (!ok) {
		if (!t->wpoll_armed) {
			t->wpoll_armed = true;
			kstream_update_writers_waiting(t);
		}
		ok = kstream_wait_pos_publish(t, need);
		/* As kstream_room_or_wait(): room is needed now. */
		if (!ok && t->nr_armed)
			kstream_wake_readers(t, false);
	}
	spin_unlock(&t->lock);
	return ok;
}

/*
 * A reader moved on (or went away), KSTREAM_IOC_WAKEUP: if no reader is
 * left behind the position producers wait for, wake them (and
 * writable-pollers).  They look again, and those that still find no room
 * publish the position they wait for anew.
 */
void kstream_wake_writers(struct kstream_topic *t)
{
	struct kstream_ring_ctl *ctl = t->ring.ctl;
	bool wake;
	u64 min;

	if (t->policy != KSTREAM_POLICY_BLOCK)
		return;
	spin_lock(&t->lock);
	min = kstream_min_reader_pos(t);
	wake = min >= ctl->wake_pos;
	if (wake) {
		WRITE_ONCE(ctl->wake_pos, KSTREAM_NO_WAKE_POS);
		t->wpoll_armed = false;
		kstream_update_writers_waiting(t);
		trace_kstream_writer_wake(t, ctl->head, min);
	}
	spin_unlock(&t->lock);
	if (wake)
		wake_up_interruptible_poll(&t->wwq, EPOLLOUT | EPOLLWRNORM);
}

void kstream_reader_passed(struct kstream_topic *t, u64 from, u64 to)
{
	u64 wait;

	/*
	 * Pairs with the smp_mb() of kstream_wait_pos_publish(): our store
	 * of the new position (the caller's) before our load of wake_pos.
	 */
	smp_mb();
	wait = READ_ONCE(t->ring.ctl->wake_pos);
	if (from < wait && to >= wait)
		kstream_wake_writers(t);
}

/*
 * Wait condition of a producer of a block topic: room or death.  The
 * first evaluation registers the producer in writers_waiting.
 */
static bool kstream_room_or_wait(struct kstream_topic *t, u64 need,
				 bool *waiting)
{
	bool done;

	spin_lock(&t->lock);
	if (!*waiting) {
		*waiting = true;
		t->nr_writers_waiting++;
		kstream_update_writers_waiting(t);
	}
	done = t->dead || kstream_has_room(t, need) ||
	       kstream_wait_pos_publish(t, need);
	if (!done) {
		trace_kstream_writer_wait(t, need, t->ring.ctl->head,
					  kstream_min_reader_pos(t),
					  t->ring.ctl->wake_pos,
					  t->nr_writers_waiting);
		/* Readers holding out for their wakeup threshold: room is needed. */
		if (t->nr_armed)
			kstream_wake_readers(t, false);
	}
	spin_unlock(&t->lock);
	return done;
}

static void kstream_stop_waiting(struct kstream_topic *t, bool waiting)
{
	if (!waiting)
		return;
	spin_lock(&t->lock);
	t->nr_writers_waiting--;
	kstream_update_writers_waiting(t);
	spin_unlock(&t->lock);
}

/*
 * Wait condition of a blocked producer: room, death, or a policy change
 * that may have revoked its right (kstream_security_enforce() wakes it).
 */
static bool kstream_may_go_on(struct kstream_file *kf, u64 need,
			      bool *waiting)
{
	return kstream_security_stale(kf, KSTREAM_ACCESS_PUBLISH) ||
	       kstream_room_or_wait(kf->topic, need, waiting);
}

/*
 * No room for a record of @need bytes on a block topic: wait until a
 * reader makes it (exactly: kstream_wake_writers()), the topic dies or a
 * policy change wakes us.  0 when it is worth looking again (the caller
 * does, under the lock), or -errno.  *@waiting: we are counted in
 * writers_waiting (kstream_stop_waiting() when done).
 */
static int kstream_wait_room(struct kstream_file *kf, u64 need, bool *waiting)
{
	int err;

	err = wait_event_interruptible(kf->topic->wwq,
				       kstream_may_go_on(kf, need, waiting));
	if (err)
		return err;
	/* Still allowed to publish?  (The message is not in yet.) */
	return kstream_security_access(kf, KSTREAM_ACCESS_PUBLISH);
}

/*
 * Topic lock held, room made, the body (@len bytes) of a record at @pos
 * (head, or after the records of a batch before it): write its header
 * with @flags, the next sequence and @ts, and its padding.  @payload of
 * the body's bytes are the payload.  Its size; the caller publishes head.
 */
static u64 kstream_seal_record(struct kstream_topic *t, u64 pos, u32 flags,
			       u64 ts, u32 len, u32 payload)
{
	struct kstream_ring_ctl *ctl = t->ring.ctl;
	struct kstream_msg_hdr *hdr = kstream_ring_ptr(&t->ring, pos);
	u64 size = KSTREAM_REC_SIZE(len);

	lockdep_assert_held(&t->lock);
	hdr->len = len;
	hdr->flags = flags;
	hdr->seq = ctl->head_seq;
	hdr->ts_ns = ts;
	memset((u8 *)(hdr + 1) + len, 0, size - KSTREAM_HDR_SIZE - len);
	/* Read without the lock by bpf_kstream_seq_hint() and mmap readers. */
	WRITE_ONCE(ctl->head_seq, ctl->head_seq + 1);
	t->published++;
	t->published_bytes += payload;
	trace_kstream_publish(t, hdr->seq, payload, ts);
	return size;
}

/* Topic lock held: the records up to @pos are written; make them visible. */
static void kstream_publish_head(struct kstream_topic *t, u64 pos)
{
	/* Pairs with smp_load_acquire() of head by readers (ring.c). */
	smp_store_release(&t->ring.ctl->head, pos);
}

/*
 * Topic lock held, room made for KSTREAM_REC_SIZE(@len): write a record
 * with @flags and timestamp @ts whose body (@len bytes) is @v[0..@n) at
 * head and publish it.  @payload of those bytes are the payload.  The
 * caller wakes the readers (once for all the records it writes).
 */
static void kstream_put_record(struct kstream_topic *t, u32 flags, u64 ts,
			       const struct kvec *v, unsigned int n, u32 len,
			       u32 payload)
{
	u64 head = t->ring.ctl->head;
	unsigned int i;
	void *p;

	lockdep_assert_held(&t->lock);
	p = kstream_ring_ptr(&t->ring, head) + KSTREAM_HDR_SIZE;
	for (i = 0; i < n; i++) {
		memcpy(p, v[i].iov_base, v[i].iov_len);
		p += v[i].iov_len;
	}
	kstream_publish_head(t, head + kstream_seal_record(t, head, flags, ts,
							   len, payload));
}

/*
 * The topic lock for a write at head (ring.c, "Reservation"): if a
 * producer holds the ring's reservation, wait for it to end by taking
 * rsv_lock too (*@rsv; kstream_commit_unlock() drops it).  No lock held
 * on entry; the wait is bounded by one reserved copy and verdict.
 */
static void kstream_commit_lock(struct kstream_topic *t, bool *rsv)
	__acquires(&t->lock)
{
	spin_lock(&t->lock);
	*rsv = t->ring.reserved;
	if (unlikely(*rsv)) {
		spin_unlock(&t->lock);
		mutex_lock(&t->ring.rsv_lock);
		spin_lock(&t->lock);
	}
}

static void kstream_commit_unlock(struct kstream_topic *t, bool rsv)
	__releases(&t->lock)
{
	spin_unlock(&t->lock);
	if (rsv)
		mutex_unlock(&t->ring.rsv_lock);
}

/* What kstream_commit_locked() did with a message. */
enum {
	KSTREAM_COMMIT_DONE,	/* committed */
	KSTREAM_COMMIT_DUP,	/* a duplicate: discarded and counted */
	KSTREAM_COMMIT_RESTAGE,	/* reserved in another layout: stage it */
};

/*
 * Lock held, the topic alive: commit the message @data (@len bytes) the
 * verdict passed, stamped @ts: judge an idempotent producer's sequence (a
 * duplicate is discarded and counted), make room, write the record with
 * its origin block, if any, and publish it.  KSTREAM_COMMIT_*, -ENOSPC
 * (no room on a block topic for the *@need bytes of its record: wait and
 * call again) or -EOVERFLOW (the fd's producer sequences are used up).
 */
static int kstream_commit_locked(struct kstream_file *kf, const void *data,
				 u32 len, u64 ts, u64 *need)
{
	struct kstream_topic *t = kf->topic;
	struct kstream_msg_origin origin;
	struct kstream_dedup_ticket tk;
	struct kvec v[2];
	u32 blocks;
	int dd;

	lockdep_assert_held(&t->lock);
	/* Again after every wait: the fd's id, another commit. */
	dd = kstream_dedup_check(t, kf, &tk);
	if (dd < 0)
		return dd;
	if (dd == KSTREAM_DEDUP_DUP) {
		kstream_dedup_discard(t, kf, &tk);
		trace_kstream_duplicate(t, tk.id, tk.seq, len);
		return KSTREAM_COMMIT_DUP;	/* answered as a success */
	}
	blocks = tk.id ? sizeof(struct kstream_msg_origin) : 0;
	*need = KSTREAM_REC_SIZE(blocks + len);
	if (!kstream_make_room(t, *need))
		return -ENOSPC;

	v[1] = (struct kvec){ .iov_base = (void *)data, .iov_len = len };
	if (tk.id) {
		origin.producer_id = tk.id;
		origin.producer_seq = tk.seq;
		v[0] = (struct kvec){ .iov_base = &origin, .iov_len = blocks };
		kstream_put_record(t, KSTREAM_MSG_ORIGIN, ts, v, 2,
				   blocks + len, len);
		kstream_dedup_accept(t, kf, &tk);
	} else {
		kstream_put_record(t, 0, ts, v + 1, 1, len, len);
	}
	return KSTREAM_COMMIT_DONE;
}

/* Commit one message, waiting for room on block topics unless @nonblock. */
static int kstream_commit(struct kstream_file *kf, const void *data, u32 len,
			  bool nonblock)
{
	struct kstream_topic *t = kf->topic;
	bool waiting = false, rsv;
	u64 need = 0;
	int err;

	for (;;) {
		kstream_commit_lock(t, &rsv);
		if (t->dead) {
			err = -ENODEV;
		} else {
			/* Stamped under the lock: stamps follow sequences. */
			err = kstream_commit_locked(kf, data, len,
						    ktime_get_real_ns(), &need);
			if (err == KSTREAM_COMMIT_DONE && t->nr_armed)
				kstream_wake_readers(t, false);
		}
		kstream_commit_unlock(t, rsv);
		if (err != -ENOSPC)
			break;
		if (nonblock) {
			err = -EAGAIN;
			break;
		}
		err = kstream_wait_room(kf, need, &waiting);
		if (err)
			break;
	}
	kstream_stop_waiting(t, waiting);
	return err < 0 ? err : 0;
}

/*
 * KSTREAM_INGRESS_DEADLETTER: write the message's dead-letter record to
 * the dead-letter topic of @kf's topic, never waiting (deadletter.c).
 * False if the topic has none.  No lock held; takes the dead-letter
 * topic's lock, never with another.
 */
static bool kstream_route_deadletter(struct kstream_file *kf,
				     const void *data, u32 len, u32 reason,
				     const struct kstream_dedup_ticket *tk)
{
	struct kstream_topic *t = kf->topic, *dlq;
	struct kstream_deadletter dl;
	bool done = false, rsv;
	struct kvec v[2];
	u32 plen, body;

	dlq = kstream_deadletter_get(t);
	if (!dlq)
		return false;
	plen = kstream_deadletter_fill(&dl, kf, len, reason, tk ? tk->id : 0,
				       tk ? tk->seq : 0, dlq->msg_max);
	body = sizeof(dl) + plen;
	v[0] = (struct kvec){ .iov_base = &dl, .iov_len = sizeof(dl) };
	v[1] = (struct kvec){ .iov_base = (void *)data, .iov_len = plen };
	kstream_commit_lock(dlq, &rsv);
	/* A full block topic: the record is lost, the producer goes on. */
	if (!dlq->dead && kstream_make_room(dlq, KSTREAM_REC_SIZE(body))) {
		kstream_put_record(dlq, 0, ktime_get_real_ns(), v, 2, body,
				   body);
		if (dlq->nr_armed)
			kstream_wake_readers(dlq, false);
		done = true;
	}
	kstream_commit_unlock(dlq, rsv);
	if (done) {
		atomic64_inc(&t->deadlettered);
		atomic64_inc(&dlq->deadletter_in);
	} else {
		atomic64_inc(&t->deadletter_lost);
	}
	trace_kstream_drop(t, len, KSTREAM_INGRESS_DEADLETTER);
	kstream_topic_put(dlq);
	return true;
}

/*
 * Lock held: the ingress verdict rejected the next message of @kf (@len
 * bytes).  An idempotent producer's sequence is taken all the same, so
 * that a retry of the message is a duplicate rather than judged (or
 * dead-lettered) again; a duplicate that got this far is discarded and
 * counted as one.  The kstream_dedup_check() result (*@tk for _NEW), or
 * -EOVERFLOW.
 */
static int kstream_drop_judged(struct kstream_file *kf, u32 len,
			       struct kstream_dedup_ticket *tk)
{
	struct kstream_topic *t = kf->topic;
	int dd = kstream_dedup_check(t, kf, tk);

	if (dd == KSTREAM_DEDUP_NEW) {
		kstream_dedup_accept(t, kf, tk);
	} else if (dd == KSTREAM_DEDUP_DUP) {
		kstream_dedup_discard(t, kf, tk);
		trace_kstream_duplicate(t, tk->id, tk->seq, len);
	}
	return dd;
}

/* A rejected message that is no duplicate: count it, or dead-letter it. */
static void kstream_drop_count(struct kstream_file *kf, int verdict,
			       const void *data, u32 len, u32 reason,
			       const struct kstream_dedup_ticket *tk)
{
	struct kstream_topic *t = kf->topic;

	if (verdict == KSTREAM_INGRESS_DEADLETTER &&
	    kstream_route_deadletter(kf, data, len, reason, tk))
		return;
	atomic64_inc(&t->dropped[verdict]);
	trace_kstream_drop(t, len, verdict);
}

/* The ingress verdict rejected the message: 0 or -EOVERFLOW. */
static int kstream_drop(struct kstream_file *kf, int verdict,
			const void *data, u32 len, u32 reason)
{
	struct kstream_topic *t = kf->topic;
	struct kstream_dedup_ticket tk;
	int dd = KSTREAM_DEDUP_NONE;

	if (READ_ONCE(kf->prod.id)) {
		spin_lock(&t->lock);
		dd = kstream_drop_judged(kf, len, &tk);
		spin_unlock(&t->lock);
		if (dd < 0)
			return dd;
		if (dd == KSTREAM_DEDUP_DUP)
			return 0;
	}
	kstream_drop_count(kf, verdict, data, len, reason,
			   dd == KSTREAM_DEDUP_NEW ? &tk : NULL);
	return 0;
}

/*
 * A staging buffer of @len bytes: the fd's own if no other writer of the
 * fd uses it (grown as needed, kept until close), else a new one (*own).
 */
static void *kstream_stage_get(struct kstream_file *kf, size_t len, bool *own)
{
	struct kstream_stage *s = &kf->stage;
	size_t size;

	*own = !mutex_trylock(&s->lock);
	if (*own)
		return kvmalloc(len, GFP_KERNEL_ACCOUNT);
	if (s->size >= len)
		return s->buf;
	kvfree(s->buf);
	/* Powers of two up to msg_max: few regrowths. */
	size = min_t(size_t, roundup_pow_of_two(len),
		     READ_ONCE(kf->topic->msg_max));
	size = max(size, len);
	s->buf = kvmalloc(size, GFP_KERNEL_ACCOUNT);
	s->size = s->buf ? size : 0;
	if (!s->buf)
		mutex_unlock(&s->lock);
	return s->buf;
}

static void kstream_stage_put(struct kstream_file *kf, bool own, void *buf)
{
	if (own)
		kvfree(buf);
	else
		mutex_unlock(&kf->stage.lock);
}

/* --------------------------------------------- straight into the ring */

/*
 * Reserve the free bytes at head for a record of @need bytes (ring.c,
 * "Reservation"); rsv_lock held.  Its position, or -ENODEV, or -ENOSPC:
 * a block topic without room now (the staged path waits for it).
 */
static s64 kstream_rsv_take(struct kstream_topic *t, u64 need)
{
	s64 pos = -ENODEV;

	spin_lock(&t->lock);
	if (!t->dead) {
		pos = -ENOSPC;
		if (kstream_make_room(t, need)) {
			t->ring.reserved = true;
			pos = t->ring.ctl->head;
		}
	}
	spin_unlock(&t->lock);
	return pos;
}

/*
 * End the reservation without a record: the @n bytes at @p that were
 * copied into the free space are zeroed first (a mapped reader that looks
 * beyond head must not find a message the verdict refused there).
 */
static void kstream_rsv_cancel(struct kstream_topic *t, void *p, size_t n)
{
	memset(p, 0, n);
	/* Under the lock: our stores before the next writer's (ring.c). */
	spin_lock(&t->lock);
	t->ring.reserved = false;
	spin_unlock(&t->lock);
	mutex_unlock(&t->ring.rsv_lock);
}

/* Topic lock held, the reservation's record written: end it. */
static void kstream_rsv_done(struct kstream_topic *t)
	__releases(&t->lock)
{
	t->ring.reserved = false;
	spin_unlock(&t->lock);
	mutex_unlock(&t->ring.rsv_lock);
}

/*
 * The reserved message (@body, @len bytes) cannot be committed where it
 * is (a dead letter to route, the fd's producer id changed since the
 * reservation): copy it out, end the reservation, and go on as a staged
 * message would.  0 or -errno.
 */
static int kstream_rsv_stage(struct kstream_file *kf, u8 *body, u32 len,
			     int verdict, u32 reason, bool nonblock)
{
	bool own;
	void *buf = kstream_stage_get(kf, len, &own);
	int err;

	if (buf)
		memcpy(buf, body, len);
	kstream_rsv_cancel(kf->topic, body, len);
	if (!buf)
		return -ENOMEM;
	if (verdict == KSTREAM_INGRESS_PASS)
		err = kstream_commit(kf, buf, len, nonblock);
	else
		err = kstream_drop(kf, verdict, buf, len, reason);
	kstream_stage_put(kf, own, buf);
	return err;
}

/*
 * Step 3 for a message the verdict passed in the ring: as
 * kstream_commit_locked() for a staged one, but the body (@len bytes, an
 * origin block of @blocks bytes before it) is already at @pos.
 * KSTREAM_COMMIT_DONE, _DUP, -errno, or KSTREAM_COMMIT_RESTAGE: the fd's
 * producer id changed since the reservation, so the record needs another
 * layout (the caller stages it).  Ends the reservation but for _RESTAGE.
 */
static int kstream_rsv_commit(struct kstream_file *kf, u64 pos, u8 *body,
			      u32 len, u32 blocks)
{
	struct kstream_topic *t = kf->topic;
	struct kstream_msg_origin *o = (void *)(body - blocks);
	struct kstream_dedup_ticket tk;
	u64 size;
	int dd;

	spin_lock(&t->lock);
	dd = t->dead ? -ENODEV : kstream_dedup_check(t, kf, &tk);
	if (dd >= 0 && (tk.id ? sizeof(*o) : 0) != blocks) {
		spin_unlock(&t->lock);
		return KSTREAM_COMMIT_RESTAGE;
	}
	if (dd < 0 || dd == KSTREAM_DEDUP_DUP) {
		if (dd == KSTREAM_DEDUP_DUP) {
			kstream_dedup_discard(t, kf, &tk);
			trace_kstream_duplicate(t, tk.id, tk.seq, len);
		}
		spin_unlock(&t->lock);
		kstream_rsv_cancel(t, body, len);
		return dd == KSTREAM_DEDUP_DUP ? KSTREAM_COMMIT_DUP : dd;
	}
	if (blocks) {
		o->producer_id = tk.id;
		o->producer_seq = tk.seq;
	}
	/* Stamped under the lock: stamps follow sequences. */
	size = kstream_seal_record(t, pos, blocks ? KSTREAM_MSG_ORIGIN : 0,
				   ktime_get_real_ns(), blocks + len, len);
	kstream_publish_head(t, pos + size);
	if (blocks)
		kstream_dedup_accept(t, kf, &tk);
	if (t->nr_armed)
		kstream_wake_readers(t, false);
	kstream_rsv_done(t);
	return KSTREAM_COMMIT_DONE;
}

/*
 * A write of @len bytes (KSTREAM_DIRECT_MIN to msg_max) copied straight
 * into the ring (ring.c, "Reservation"): the publish right and the
 * duplicate hint, as kstream_ingress_verdict(); reserve; copy with page
 * faults disabled; the eBPF verdict on the bytes in the ring (no producer
 * can change them); commit in place.  @len, or -errno (@from reverted),
 * or 0 when nothing was done and the staged path must do it: another
 * producer holds the reservation, a block topic has no room now, or the
 * copy faulted (the staged copy faults the pages in).
 */
static ssize_t kstream_publish_direct(struct kstream_file *kf,
				      struct iov_iter *from, u32 len,
				      bool nonblock)
{
	struct kstream_topic *t = kf->topic;
	u32 blocks, reason = 0;
	size_t copied;
	int verdict;
	u8 *body;
	s64 pos;

	verdict = kstream_security_access(kf, KSTREAM_ACCESS_PUBLISH);
	if (verdict)
		return verdict;
	if (kstream_dedup_maybe_dup(kf) && kstream_discard_duplicate(kf, len)) {
		iov_iter_advance(from, len);
		return len;
	}
	if (!mutex_trylock(&t->ring.rsv_lock))
		return 0;
	/* Checked again at the commit (kstream_rsv_commit()). */
	blocks = READ_ONCE(kf->prod.id) ? sizeof(struct kstream_msg_origin) : 0;
	pos = kstream_rsv_take(t, KSTREAM_REC_SIZE(blocks + len));
	if (pos < 0) {
		mutex_unlock(&t->ring.rsv_lock);
		return pos == -ENOSPC ? 0 : pos;
	}
	body = kstream_ring_ptr(&t->ring, pos) + KSTREAM_HDR_SIZE + blocks;
	/* A fault must not sleep with the reservation held (ring.c). */
	pagefault_disable();
	copied = copy_from_iter(body, len, from);
	pagefault_enable();
	if (copied < len) {
		kstream_rsv_cancel(t, body, copied);
		iov_iter_revert(from, copied);
		return 0;
	}

	verdict = kstream_filter_verdict(kf, body, len, &reason);
	if (verdict == KSTREAM_INGRESS_PASS) {
		verdict = kstream_rsv_commit(kf, pos, body, len, blocks);
		if (verdict == KSTREAM_COMMIT_RESTAGE)
			verdict = kstream_rsv_stage(kf, body, len,
						    KSTREAM_INGRESS_PASS, 0,
						    nonblock);
	} else if (verdict == KSTREAM_INGRESS_DEADLETTER) {
		/* Routed after the reservation ended (ring.c: lock order). */
		verdict = kstream_rsv_stage(kf, body, len, verdict, reason,
					    nonblock);
	} else {
		kstream_rsv_cancel(t, body, len);
		verdict = kstream_drop(kf, verdict, NULL, len, reason);
	}
	if (verdict < 0) {
		iov_iter_revert(from, len);
		return verdict;
	}
	return len;
}

static ssize_t kstream_publish_one(struct kstream_file *kf,
				   struct iov_iter *from, bool nonblock)
{
	struct kstream_topic *t = kf->topic;
	size_t len = iov_iter_count(from);
	u8 stage[KSTREAM_STACK_STAGE];
	void *buf = stage;
	bool own = false;
	ssize_t ret;
	u32 reason = 0;
	int verdict;

	if (!len)
		return -EINVAL;
	if (len > t->msg_max)
		return -EMSGSIZE;
	if (READ_ONCE(t->dead))
		return -ENODEV;
	if (len >= KSTREAM_DIRECT_MIN) {
		ret = kstream_publish_direct(kf, from, len, nonblock);
		if (ret)
			return ret;
	}

	if (len > sizeof(stage)) {
		buf = kstream_stage_get(kf, len, &own);
		if (!buf)
			return -ENOMEM;
	}
	if (!copy_from_iter_full(buf, len, from)) {
		ret = -EFAULT;
		goto out;
	}

	verdict = kstream_ingress_verdict(kf, buf, len, &reason);
	if (verdict < 0) {
		ret = verdict;
		goto revert;
	}
	if (verdict == KSTREAM_VERDICT_DUPLICATE) {
		ret = len;
		goto out;
	}
	if (verdict != KSTREAM_INGRESS_PASS) {
		ret = kstream_drop(kf, verdict, buf, len, reason);
		if (!ret)
			ret = len;
		goto revert;
	}

	ret = kstream_commit(kf, buf, len, nonblock);
	if (!ret)
		ret = len;
revert:
	if (ret < 0)	/* nothing was published: let a retry start over */
		iov_iter_revert(from, len);
out:
	if (buf != stage)
		kstream_stage_put(kf, own, buf);
	return ret;
}

/* ------------------------------------------------------------ batches */

/*
 * A record of a batch in the staging buffer once kstream_batch_judge()
 * checked it: its header rewritten in place (the kernel assigns seq and
 * ts_ns, so those bytes are free) with the verdict the commit needs.
 */
struct kstream_batch_rec {
	u32 len;		/* body bytes, as in the header */
	u32 flags;		/* KSTREAM_MSG_*, as in the header */
	u32 verdict;		/* enum kstream_ingress_verdict, _MAYBE_DUP */
	u32 reason;		/* the program's reason code */
	u64 unused;
};

static_assert(sizeof(struct kstream_batch_rec) == KSTREAM_HDR_SIZE);

static const void *kstream_batch_payload(const struct kstream_batch_rec *r)
{
	return (const u8 *)(r + 1) + KSTREAM_MSG_BLOCKS(r->flags);
}

static u32 kstream_batch_payload_len(const struct kstream_batch_rec *r)
{
	return r->len - KSTREAM_MSG_BLOCKS(r->flags);
}

static const struct kstream_msg_origin *
kstream_batch_origin(const struct kstream_batch_rec *r)
{
	return r->flags & KSTREAM_MSG_ORIGIN ? (const void *)(r + 1) : NULL;
}

/*
 * Bytes of records one batch write takes at most: KSTREAM_BATCH_BYTES,
 * or one record of msg_max bytes (with an origin block) if that is more,
 * so that the first record of a call always fits.
 */
static size_t kstream_batch_window(const struct kstream_topic *t)
{
	return max_t(size_t, KSTREAM_BATCH_BYTES,
		     KSTREAM_REC_SIZE(t->msg_max +
				      sizeof(struct kstream_msg_origin)));
}

/*
 * A record of @size bytes (or a header, if @size is KSTREAM_HDR_SIZE)
 * does not end in the @avail bytes staged from it: -EINVAL if the write
 * (@left bytes from it) ends inside it too (a truncated record), -EFAULT
 * if the copy stopped short of it (@faulted), else 0: it is beyond this
 * call's window, and the next write takes it.
 */
static long kstream_batch_cut(size_t avail, size_t left, size_t size,
			      bool faulted)
{
	if (size > left)
		return -EINVAL;
	return faulted ? -EFAULT : 0;
}

/*
 * Check the header of the record at @p (@avail bytes staged from it, of
 * @left bytes the write carries from it): every field userspace gave.
 * Its size (KSTREAM_REC_SIZE(len)), 0 if it does not end in the staged
 * bytes, or -errno.  The fd's producer id is read as a hint for records
 * with an origin block: kstream_batch_commit() checks it again.
 */
static long kstream_batch_check(struct kstream_file *kf, const u8 *p,
				size_t avail, size_t left, bool faulted)
{
	const struct kstream_msg_hdr *hdr = (const void *)p;
	const struct kstream_msg_origin *o;
	u32 blocks;
	size_t size;

	if (avail < KSTREAM_HDR_SIZE)
		return kstream_batch_cut(avail, left, KSTREAM_HDR_SIZE, faulted);
	if (hdr->flags & ~KSTREAM_MSG_FLAGS_ALL)
		return -EINVAL;
	blocks = KSTREAM_MSG_BLOCKS(hdr->flags);
	if (hdr->len <= blocks)
		return -EINVAL;		/* an empty message */
	if (hdr->len - blocks > kf->topic->msg_max)
		return -EMSGSIZE;
	/* len <= msg_max + blocks: no overflow. */
	size = KSTREAM_REC_SIZE(hdr->len);
	if (size > avail)
		return kstream_batch_cut(avail, left, size, faulted);
	o = (const void *)(hdr + 1);
	if (blocks && (!o->producer_id || o->producer_id != READ_ONCE(kf->prod.id)))
		return -EINVAL;
	return size;
}

/*
 * Step 1 and 2 for a batch: check the records staged at @buf (@copied
 * bytes of the @count the write carries; fewer than asked for if the copy
 * faulted) and take each one's verdict, as kstream_ingress_verdict() does
 * for a write: the right to publish, then the duplicate hint (a record
 * it flags is not judged: kstream_batch_commit() decides under the lock),
 * then the eBPF filter.  Returns the offset of the first record not
 * judged: the end of the last whole staged record, or the one that
 * failed (*@err, else 0).
 */
static size_t kstream_batch_judge(struct kstream_file *kf, u8 *buf,
				  size_t copied, size_t count, bool faulted,
				  int *err)
{
	u64 id = READ_ONCE(kf->prod.id);
	u64 pseq = READ_ONCE(kf->prod.next_seq);
	size_t off = 0;
	long size;

	*err = 0;
	while (off < count) {
		const struct kstream_msg_origin *o;
		struct kstream_batch_rec *r;
		u32 verdict, reason = 0;

		size = kstream_batch_check(kf, buf + off, copied - off,
					   count - off, faulted);
		if (size <= 0) {
			*err = size;
			break;
		}
		*err = kstream_security_access(kf, KSTREAM_ACCESS_PUBLISH);
		if (*err)
			break;
		r = (void *)(buf + off);
		o = kstream_batch_origin(r);
		if (o)
			pseq = o->producer_seq;
		/* The sequence it will get if nothing else moves it. */
		if (id && kstream_dedup_maybe_dup_seq(kf, pseq))
			verdict = KSTREAM_VERDICT_MAYBE_DUP;
		else
			verdict = kstream_filter_verdict(kf, kstream_batch_payload(r),
							 kstream_batch_payload_len(r),
							 &reason);
		pseq++;
		r->verdict = verdict;
		r->reason = reason;
		r->unused = 0;
		off += size;
	}
	return off;
}

/* What kstream_batch_commit() stopped at, but for errors. */
enum {
	KSTREAM_BATCH_END,		/* every record up to the end */
	KSTREAM_BATCH_FULL,		/* no room for the record at *off */
	KSTREAM_BATCH_JUDGE,		/* the record at *off needs a verdict */
	KSTREAM_BATCH_DEADLETTER,	/* the record at *off: route it */
};

/*
 * Step 3 for a batch, topic lock held, the topic alive: commit the
 * judged records from *@off to @end in order, all stamped with one
 * timestamp (taken under the lock: stamps follow sequences), then wake
 * the armed readers once.  *@off advances past every record taken
 * (committed, discarded as a duplicate, dropped).  Stops early, with the
 * reason (KSTREAM_BATCH_*, or -errno for the record at *@off): no room
 * (*@need: its record's size), a record the duplicate hint flagged that
 * is no duplicate (it needs its verdict, outside the lock), a dead letter
 * (its producer sequence taken already: its dedup ticket in *@tk, *@dd
 * the check's result; the caller routes it, and it is taken).
 */
static int kstream_batch_commit(struct kstream_file *kf, u8 *buf, size_t *off,
				size_t end, u64 *need,
				struct kstream_dedup_ticket *tk, int *dd)
{
	struct kstream_topic *t = kf->topic;
	u64 ts = ktime_get_real_ns();
	bool put = false;
	int ret = KSTREAM_BATCH_END;

	lockdep_assert_held(&t->lock);
	while (*off < end) {
		struct kstream_batch_rec *r = (void *)(buf + *off);
		const struct kstream_msg_origin *o = kstream_batch_origin(r);
		const void *payload = kstream_batch_payload(r);
		u32 plen = kstream_batch_payload_len(r);

		if (o) {
			/* The fd's id may have changed since the check. */
			if (o->producer_id != kf->prod.id) {
				ret = -EINVAL;
				break;
			}
			kstream_dedup_set_next(kf, o->producer_seq);
		}
		if (r->verdict == KSTREAM_INGRESS_PASS) {
			int c = kstream_commit_locked(kf, payload, plen, ts, need);

			if (c < 0) {
				ret = c == -ENOSPC ? KSTREAM_BATCH_FULL : c;
				break;
			}
			put |= c == KSTREAM_COMMIT_DONE;
		} else if (r->verdict == KSTREAM_VERDICT_MAYBE_DUP) {
			if (!kstream_discard_dup_locked(kf, plen)) {
				ret = KSTREAM_BATCH_JUDGE;
				break;
			}
		} else {
			*dd = kstream_drop_judged(kf, plen, tk);
			if (*dd < 0) {
				ret = *dd;
				break;
			}
			if (*dd != KSTREAM_DEDUP_DUP) {
				if (r->verdict == KSTREAM_INGRESS_DEADLETTER) {
					ret = KSTREAM_BATCH_DEADLETTER;
					break;
				}
				kstream_drop_count(kf, r->verdict, payload,
						   plen, r->reason, NULL);
			}
		}
		*off += KSTREAM_REC_SIZE(r->len);
		ret = KSTREAM_BATCH_END;
	}
	if (put && t->nr_armed)
		kstream_wake_readers(t, false);
	return ret;
}

/*
 * Commit the judged records [0, @end) of a batch; the offset up to which
 * records were taken, and the error that stopped it before @end (*@err).
 */
static size_t kstream_batch_publish(struct kstream_file *kf, u8 *buf,
				    size_t end, bool nonblock, int *err)
{
	struct kstream_topic *t = kf->topic;
	struct kstream_dedup_ticket tk = {};
	struct kstream_batch_rec *r;
	bool waiting = false, rsv;
	int ret, dd = 0;
	size_t off = 0;
	u64 need = 0;

	*err = 0;
	while (off < end) {
		kstream_commit_lock(t, &rsv);
		ret = t->dead ? -ENODEV :
		      kstream_batch_commit(kf, buf, &off, end, &need, &tk, &dd);
		kstream_commit_unlock(t, rsv);
		if (ret < 0) {
			*err = ret;
			break;
		}
		switch (ret) {
		case KSTREAM_BATCH_FULL:
			ret = nonblock ? -EAGAIN :
			      kstream_wait_room(kf, need, &waiting);
			break;
		case KSTREAM_BATCH_JUDGE:
			/* The hint was wrong: judge it as any other. */
			r = (void *)(buf + off);
			ret = kstream_security_access(kf, KSTREAM_ACCESS_PUBLISH);
			if (!ret)
				r->verdict = kstream_filter_verdict(kf,
								    kstream_batch_payload(r),
								    kstream_batch_payload_len(r),
								    &r->reason);
			break;
		case KSTREAM_BATCH_DEADLETTER:
			/* Outside our topic's lock (deadletter.c). */
			r = (void *)(buf + off);
			kstream_drop_count(kf, r->verdict, kstream_batch_payload(r),
					   kstream_batch_payload_len(r), r->reason,
					   dd == KSTREAM_DEDUP_NEW ? &tk : NULL);
			off += KSTREAM_REC_SIZE(r->len);
			ret = 0;
			break;
		default:
			ret = 0;
		}
		if (ret) {
			*err = ret;
			break;
		}
	}
	kstream_stop_waiting(t, waiting);
	return off;
}

/*
 * The records [0, @end) of a batch judged in the reservation (@body,
 * @copied bytes copied there) that cannot all be committed in place:
 * move them, verdicts and all, to the staging buffer, end the
 * reservation and commit them from there (kstream_batch_publish()), so
 * that none is judged twice.  As kstream_batch_direct().
 */
static ssize_t kstream_batch_restage(struct kstream_file *kf, u8 *body,
				     size_t end, size_t copied,
				     struct iov_iter *from, bool nonblock)
{
	size_t done = 0;
	int err = -ENOMEM;
	bool own;
	u8 *buf;

	buf = kstream_stage_get(kf, end, &own);
	if (buf)
		memcpy(buf, body, end);
	kstream_rsv_cancel(kf->topic, body, copied);
	if (buf) {
		done = kstream_batch_publish(kf, buf, end, nonblock, &err);
		kstream_stage_put(kf, own, buf);
	}
	iov_iter_revert(from, copied - done);
	return done ? done : err;
}

/*
 * KSTREAM_FD_BATCH on an fd without a producer id, the records copied
 * straight into the ring (ring.c, "Reservation"): reserve the bytes the
 * write carries (up to a window, or half the ring) at head, copy them
 * there with page faults disabled, check and judge the records in place
 * (kstream_batch_judge() writes the verdicts over their headers, which
 * the commit rewrites), close up the ones the verdict dropped (outside
 * the topic lock: the bytes are ours), then write their headers and
 * publish head under one lock hold.  Returns the bytes of the records
 * taken, or -errno for the first; 0 when it took none and the staged path
 * must take them (a busy reservation, no room now on a block topic, a
 * fault, a first record that fails: it finds the error again).  Records
 * it cannot commit in place (a dead letter to route; with a producer id
 * set meanwhile, an origin or a possible duplicate) go through the
 * staging buffer as judged (kstream_batch_restage()).
 */
static ssize_t kstream_batch_direct(struct kstream_file *kf,
				    struct iov_iter *from, size_t count,
				    bool nonblock)
{
	struct kstream_topic *t = kf->topic;
	size_t n, copied, end, off, keep, size;
	struct kstream_batch_rec *r;
	u8 *body;
	int err;
	s64 pos;
	u64 ts;

	if (!mutex_trylock(&t->ring.rsv_lock))
		return 0;
	n = min_t(size_t, min(count, kstream_batch_window(t)),
		  t->ring.size / 2);
	pos = kstream_rsv_take(t, n);
	if (pos < 0) {
		mutex_unlock(&t->ring.rsv_lock);
		return 0;
	}
	body = kstream_ring_ptr(&t->ring, pos);
	/* A fault must not sleep with the reservation held (ring.c). */
	pagefault_disable();
	copied = copy_from_iter(body, n, from);
	pagefault_enable();
	/* A record it stops at is not judged: the staged path takes it. */
	end = kstream_batch_judge(kf, body, copied, count, copied < n, &err);
	for (off = 0; off < end; off += KSTREAM_REC_SIZE(r->len)) {
		r = (void *)(body + off);
		if (r->flags || r->verdict == KSTREAM_VERDICT_MAYBE_DUP ||
		    r->verdict == KSTREAM_INGRESS_DEADLETTER)
			return kstream_batch_restage(kf, body, end, copied,
						     from, nonblock);
	}
	/* Close up over the dropped records; zero what is left. */
	for (off = keep = 0; off < end; off += size) {
		r = (void *)(body + off);
		size = KSTREAM_REC_SIZE(r->len);
		if (r->verdict != KSTREAM_INGRESS_PASS) {
			kstream_drop_count(kf, r->verdict, NULL, r->len,
					   r->reason, NULL);
			continue;
		}
		if (keep != off)
			memmove(body + keep, r, size);
		keep += size;
	}
	memset(body + keep, 0, copied - keep);

	spin_lock(&t->lock);
	if (!keep || t->dead) {
		spin_unlock(&t->lock);
		kstream_rsv_cancel(t, body, keep);
		/* Dead: the staged path says so. */
		if (keep)
			end = 0;
		iov_iter_revert(from, copied - end);
		return end;
	}
	/* One stamp for the batch, under the lock: stamps follow sequences. */
	ts = ktime_get_real_ns();
	for (off = 0; off < keep; ) {
		r = (void *)(body + off);
		off += kstream_seal_record(t, pos + off, 0, ts, r->len, r->len);
	}
	kstream_publish_head(t, pos + keep);
	if (t->nr_armed)
		kstream_wake_readers(t, false);
	kstream_rsv_done(t);
	iov_iter_revert(from, copied - end);
	return end;
}

/*
 * The staged batch path: copy up to @limit bytes of records (at least
 * one whole record fits) into the staging buffer, judge them there,
 * commit them from there.  As kstream_publish_batch().
 */
static ssize_t kstream_batch_staged(struct kstream_file *kf,
				    struct iov_iter *from, size_t limit,
				    bool nonblock)
{
	size_t count = iov_iter_count(from), staged, copied, end, done;
	bool own;
	int err, cerr;
	u8 *buf;

	staged = min(count, limit);
	buf = kstream_stage_get(kf, staged, &own);
	if (!buf)
		return -ENOMEM;
	copied = copy_from_iter(buf, staged, from);
	end = kstream_batch_judge(kf, buf, copied, count, copied < staged,
				  &err);
	done = kstream_batch_publish(kf, buf, end, nonblock, &cerr);
	if (done < end)
		err = cerr;
	kstream_stage_put(kf, own, buf);
	/* What was not taken is left in @from for whoever writes it again. */
	iov_iter_revert(from, copied - done);
	if (done)
		return done;
	/* Not even the first: a hole in the framing is always an error. */
	return err ? err : -EINVAL;
}

/*
 * KSTREAM_FD_BATCH: publish the records the write carries (uapi: Batch
 * publish), straight into the ring where it can, else (or for the rest)
 * through the staging buffer; at most a window's bytes in all.  The bytes
 * of the records taken, or the error of the first.
 */
static ssize_t kstream_publish_batch(struct kstream_file *kf,
				     struct iov_iter *from, bool nonblock)
{
	struct kstream_topic *t = kf->topic;
	size_t count = iov_iter_count(from), window;
	ssize_t done = 0, ret;

	if (!count)
		return -EINVAL;
	if (READ_ONCE(t->dead))
		return -ENODEV;
	window = kstream_batch_window(t);
	if (!READ_ONCE(kf->prod.id)) {
		done = kstream_batch_direct(kf, from, count, nonblock);
		if (done < 0 || done == count || done == window)
			return done;
	}
	ret = kstream_batch_staged(kf, from, window - done, nonblock);
	if (!done)
		return ret;
	/* The rest's error is the next write's (uapi). */
	return ret > 0 ? done + ret : done;
}

ssize_t kstream_publish(struct kstream_file *kf, struct iov_iter *from,
			bool nonblock)
{
	ssize_t ret;

	if (READ_ONCE(kf->flags) & KSTREAM_FD_BATCH)
		ret = kstream_publish_batch(kf, from, nonblock);
	else
		ret = kstream_publish_one(kf, from, nonblock);
	return ret < 0 ? kstream_stats_error(kf->topic, ret) : ret;
}
