// SPDX-License-Identifier: GPL-2.0
/*
 * The write path: one write(2) is one message.
 *
 *   1. check the length, copy the payload into kernel memory (a stack
 *      buffer for small messages, else a kvmalloc'ed one): all of it or
 *      EFAULT, so a message is never partial;
 *   2. the ingress verdict (kstream_ingress_verdict()), outside any lock:
 *      the fd's right to publish, an idempotent producer's obvious
 *      repeat (answered here, dedup.c), then eBPF ingress programs;
 *   3. commit under the topic lock: an idempotent producer's sequence is
 *      judged (dedup.c: a duplicate is discarded here), room is made
 *      (evict, or wait on block topics), the sequence number and
 *      timestamp assigned, the record (with its origin block, if any)
 *      copied into the ring, head published; then readers woken.
 *
 * Only step 3 makes a message visible, so no reader can see a message the
 * verdict discarded or one that is half written.  Sequence numbers are
 * assigned in step 3, so dropped messages leave no gap.
 *
 * May call: security, bpf (the verdict), dedup, deadletter, consume
 * (waking readers), stats.  Locks: the topic lock (commit, room, the
 * producer table), a dead-letter topic's lock (its record, never with
 * another topic's lock), the fd's staging mutex (never under a topic
 * lock).
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

/* Not a verdict of the uapi: a duplicate, discarded and counted already. */
#define KSTREAM_VERDICT_DUPLICATE (KSTREAM_INGRESS_MAX + 1)

/*
 * An idempotent producer's message that kstream_dedup_maybe_dup() thinks
 * is a repeat: decide under the lock, and discard it if it is one.
 */
static bool kstream_discard_duplicate(struct kstream_file *kf, u32 len)
{
	struct kstream_topic *t = kf->topic;
	struct kstream_dedup_ticket tk;
	bool dup;

	spin_lock(&t->lock);
	dup = !t->dead && kstream_dedup_check(t, kf, &tk) == KSTREAM_DEDUP_DUP;
	if (dup)
		kstream_dedup_discard(t, kf, &tk);
	spin_unlock(&t->lock);
	if (dup)
		trace_kstream_duplicate(t, tk.id, tk.seq, len);
	return dup;
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
 * test when none is).
 */
static int kstream_ingress_verdict(struct kstream_file *kf, const void *data,
				   size_t len, u32 *reason)
{
	struct kstream_topic *t = kf->topic;
	int err;

	err = kstream_security_access(kf, KSTREAM_ACCESS_PUBLISH);
	if (err)
		return err;
	if (kstream_dedup_maybe_dup(kf) && kstream_discard_duplicate(kf, len))
		return KSTREAM_VERDICT_DUPLICATE;
	if (!kstream_filter_attached(t))
		return KSTREAM_INGRESS_PASS;
	/* eBPF ingress filter (bpf.c): len <= msg_max fits a u32. */
	return kstream_filter_run(t, &kf->producer, data, len, reason);
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

/* Lock held: publish the number of waiting producers to mmap readers. */
static void kstream_update_writers_waiting(struct kstream_topic *t)
{
	WRITE_ONCE(t->ring.ctl->writers_waiting,
		   t->nr_writers_waiting + t->wpoll_armed);
	/*
	 * Pairs with the smp_mb() of an mmap consumer between its store of
	 * page->pos and its load of writers_waiting: either it sees us
	 * waiting and calls KSTREAM_IOC_WAKEUP, or we see the room it made.
	 */
	smp_mb();
}

static bool kstream_has_room(struct kstream_topic *t, u64 need)
{
	return t->ring.ctl->head + need - kstream_min_reader_pos(t) <=
	       t->ring.size;
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
	if (!ok && !t->wpoll_armed) {
		t->wpoll_armed = true;
		kstream_update_writers_waiting(t);
		ok = kstream_has_room(t, need);
		/* As kstream_room_or_wait(): room is needed now. */
		if (!ok && t->nr_armed)
			kstream_wake_readers(t, false);
	}
	spin_unlock(&t->lock);
	return ok;
}

/* Consumers made room: wake producers and writable-pollers. */
void kstream_wake_writers(struct kstream_topic *t)
{
	if (t->policy != KSTREAM_POLICY_BLOCK)
		return;
	spin_lock(&t->lock);
	if (t->wpoll_armed) {
		t->wpoll_armed = false;
		kstream_update_writers_waiting(t);
	}
	trace_kstream_writer_wake(t, t->ring.ctl->head,
				  kstream_min_reader_pos(t));
	spin_unlock(&t->lock);
	wake_up_interruptible_poll(&t->wwq, EPOLLOUT | EPOLLWRNORM);
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
	done = t->dead || kstream_has_room(t, need);
	if (!done)
		trace_kstream_writer_wait(t, need, t->ring.ctl->head,
					  kstream_min_reader_pos(t),
					  t->nr_writers_waiting);
	/* Readers holding out for their wakeup threshold: room is needed. */
	if (!done && t->nr_armed)
		kstream_wake_readers(t, false);
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
 * Topic lock held, room made for KSTREAM_REC_SIZE(@len): write a record
 * with @flags whose body (@len bytes) is @v[0..@n) at head, publish it,
 * wake the readers that wait.  @payload of those bytes are the payload.
 */
static void kstream_put_record(struct kstream_topic *t, u32 flags,
			       const struct kvec *v, unsigned int n, u32 len,
			       u32 payload)
{
	struct kstream_ring_ctl *ctl = t->ring.ctl;
	u64 need = KSTREAM_REC_SIZE(len);
	struct kstream_msg_hdr *hdr;
	unsigned int i;
	void *p;

	lockdep_assert_held(&t->lock);
	hdr = kstream_ring_ptr(&t->ring, ctl->head);
	hdr->len = len;
	hdr->flags = flags;
	hdr->seq = ctl->head_seq;
	hdr->ts_ns = ktime_get_real_ns();
	p = hdr + 1;
	for (i = 0; i < n; i++) {
		memcpy(p, v[i].iov_base, v[i].iov_len);
		p += v[i].iov_len;
	}
	memset(p, 0, need - KSTREAM_HDR_SIZE - len);
	/* Read without the lock by bpf_kstream_seq_hint() and mmap readers. */
	WRITE_ONCE(ctl->head_seq, ctl->head_seq + 1);
	t->published++;
	t->published_bytes += payload;
	trace_kstream_publish(t, hdr->seq, payload, hdr->ts_ns);
	/* Pairs with smp_load_acquire() of head by readers (ring.c). */
	smp_store_release(&ctl->head, ctl->head + need);
	if (t->nr_armed)
		kstream_wake_readers(t, false);
}

/*
 * Commit one message: under the topic lock, judge an idempotent
 * producer's sequence (a duplicate is discarded and counted: 0), make
 * room, write the record, publish it.
 */
static int kstream_commit(struct kstream_file *kf, const void *data, u32 len,
			  bool nonblock)
{
	struct kstream_topic *t = kf->topic;
	struct kstream_msg_origin origin;
	struct kstream_dedup_ticket tk;
	struct kvec v[2];
	bool waiting = false;
	u32 blocks;
	long err;
	u64 need;
	int dd;

	for (;;) {
		spin_lock(&t->lock);
		if (t->dead) {
			spin_unlock(&t->lock);
			err = -ENODEV;
			goto out;
		}
		/* Again after every wait: the fd's id, another commit. */
		dd = kstream_dedup_check(t, kf, &tk);
		if (dd < 0) {
			spin_unlock(&t->lock);
			err = dd;
			goto out;
		}
		if (dd == KSTREAM_DEDUP_DUP) {
			kstream_dedup_discard(t, kf, &tk);
			spin_unlock(&t->lock);
			trace_kstream_duplicate(t, tk.id, tk.seq, len);
			err = 0;	/* answered as a success, never visible */
			goto out;
		}
		blocks = tk.id ? sizeof(struct kstream_msg_origin) : 0;
		need = KSTREAM_REC_SIZE(blocks + len);
		if (kstream_make_room(t, need))
			break;
		spin_unlock(&t->lock);
		if (nonblock) {
			err = -EAGAIN;
			goto out;
		}
		/*
		 * Readers wake us when they consume; the timeout bounds the
		 * wait should an mmap consumer not follow the protocol.
		 */
		err = wait_event_interruptible_timeout(t->wwq,
						       kstream_may_go_on(kf, need, &waiting),
						       HZ / 10);
		if (err < 0)
			goto out;
		/* Still allowed to publish?  (The message is not in yet.) */
		err = kstream_security_access(kf, KSTREAM_ACCESS_PUBLISH);
		if (err)
			goto out;
	}

	v[1] = (struct kvec){ .iov_base = (void *)data, .iov_len = len };
	if (tk.id) {
		origin.producer_id = tk.id;
		origin.producer_seq = tk.seq;
		v[0] = (struct kvec){ .iov_base = &origin, .iov_len = blocks };
		kstream_put_record(t, KSTREAM_MSG_ORIGIN, v, 2, blocks + len, len);
		kstream_dedup_accept(t, kf, &tk);
	} else {
		kstream_put_record(t, 0, v + 1, 1, len, len);
	}
	spin_unlock(&t->lock);
	err = 0;
out:
	kstream_stop_waiting(t, waiting);
	return err;
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
	bool done = false;
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
	spin_lock(&dlq->lock);
	/* A full block topic: the record is lost, the producer goes on. */
	if (!dlq->dead && kstream_make_room(dlq, KSTREAM_REC_SIZE(body))) {
		kstream_put_record(dlq, 0, v, 2, body, body);
		done = true;
	}
	spin_unlock(&dlq->lock);
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
 * The ingress verdict rejected the message: count it, or dead-letter it.
 * An idempotent producer's sequence is taken all the same (under the
 * topic lock), so that a retry of the message is a duplicate rather than
 * judged (or dead-lettered) again; a duplicate that got this far is
 * counted as one.  0 or -EOVERFLOW.
 */
static int kstream_drop(struct kstream_file *kf, int verdict,
			const void *data, u32 len, u32 reason)
{
	struct kstream_topic *t = kf->topic;
	struct kstream_dedup_ticket tk;
	int dd = KSTREAM_DEDUP_NONE;

	if (READ_ONCE(kf->prod.id)) {
		spin_lock(&t->lock);
		dd = kstream_dedup_check(t, kf, &tk);
		if (dd == KSTREAM_DEDUP_NEW)
			kstream_dedup_accept(t, kf, &tk);
		else if (dd == KSTREAM_DEDUP_DUP)
			kstream_dedup_discard(t, kf, &tk);
		spin_unlock(&t->lock);
		if (dd < 0)
			return dd;
		if (dd == KSTREAM_DEDUP_DUP) {
			trace_kstream_duplicate(t, tk.id, tk.seq, len);
			return 0;
		}
	}
	if (verdict == KSTREAM_INGRESS_DEADLETTER &&
	    kstream_route_deadletter(kf, data, len, reason,
				     dd == KSTREAM_DEDUP_NEW ? &tk : NULL))
		return 0;
	atomic64_inc(&t->dropped[verdict]);
	trace_kstream_drop(t, len, verdict);
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

ssize_t kstream_publish(struct kstream_file *kf, struct iov_iter *from,
			bool nonblock)
{
	ssize_t ret = kstream_publish_one(kf, from, nonblock);

	return ret < 0 ? kstream_stats_error(kf->topic, ret) : ret;
}
