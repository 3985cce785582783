// SPDX-License-Identifier: GPL-2.0
/*
 * The read path: cursors, reads, seeks, wakeups.
 *
 * Readers copy straight from the ring without the topic lock and then
 * validate the copy against the ring's tail (protocol in ring.c).  A reader
 * that was lapped (overwrite topics) restarts from the oldest record still
 * retained; the gap between the sequence it expected and the one it finds
 * there is what it lost, and is added to its own and the topic's counters.
 *
 * Wakeups are self-paced: a reader that finds nothing to read (blocking
 * read, poll, or a non-blocking read failing with EAGAIN) arms itself under
 * the topic lock; the next commit wakes the armed readers only.  Every
 * waiter, its condition, its wakers and the pairing that makes its
 * check-then-sleep safe are in Documentation/design.rst, "The wakeup
 * protocol"; the rules, in short:
 *
 *  - a reader checks for records and arms under t->lock, where commits
 *    publish head and wake (so one sees the other); it is queued on its
 *    wait queue before its last check (wait_event, poll_wait);
 *  - EAGAIN is never answered without the reader armed (edge-triggered
 *    pollers get no other wakeup);
 *  - a threshold is judged under t->lock; its delay timer only wakes;
 *  - a reader's advance release-stores its position and then, after a
 *    full barrier, reads the position producers wait for and wakes them
 *    if it passed it (kstream_reader_passed(), publish.c);
 *  - a commit's wakeup pass walks the armed readers only (t->armed).
 */

#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>

#include "events.h"
#include "file.h"
#include "params.h"
#include "publish.h"
#include "security.h"
#include "stats.h"
#include "topic.h"
#include "trace.h"

/*
 * Where a reader really is, for a @head loaded with acquire: its position
 * clamped to [tail, head].  Lapped readers move to the tail; a mapped
 * reader page is untrusted, and anything it holds is made safe here.
 */
static u64 kstream_cursor(struct kstream_topic *t, struct kstream_reader *rd,
			  u64 head)
{
	u64 pos = READ_ONCE(*rd->posp);
	u64 tail = READ_ONCE(t->ring.ctl->tail);

	if (pos < tail)
		pos = tail;
	return min(pos, head);
}

/* Lock held: has @rd something to read (or an end of file)? */
static bool kstream_reader_ready_locked(struct kstream_topic *t,
					struct kstream_reader *rd)
{
	u64 head = t->ring.ctl->head;

	return t->dead || kstream_cursor(t, rd, head) < head;
}

/*
 * Ready to read?  If not, arm the reader so that the next commit wakes it.
 * Returns true when ready (then the reader is not armed by this call).
 */
bool kstream_reader_arm(struct kstream_topic *t, struct kstream_reader *rd)
{
	bool ready;

	spin_lock(&t->lock);
	ready = kstream_reader_ready_locked(t, rd);
	if (!ready && !rd->armed) {
		rd->armed = true;
		list_add_tail(&rd->armed_node, &t->armed);
		t->nr_armed++;
		trace_kstream_reader_arm(t, rd->pid, READ_ONCE(*rd->posp),
					 t->ring.ctl->head, rd->wake_bytes);
	}
	spin_unlock(&t->lock);
	return ready;
}

/*
 * KSTREAM_IOC_SET_WAKEUP(_DELAY): the fd's wakeup threshold, in record
 * bytes, and the bound on the delay it adds (0: none).
 */
int kstream_set_wakeup(struct kstream_file *kf, u32 bytes, u32 delay_us)
{
	struct kstream_topic *t = kf->topic;

	if (delay_us > KSTREAM_WAKEUP_DELAY_MAX_US)
		return -EINVAL;
	spin_lock(&t->lock);
	kf->reader.wake_bytes = min_t(u64, bytes, t->ring.size / 2);
	kf->reader.wake_delay_ns = (u64)delay_us * NSEC_PER_USEC;
	/* A reader asleep under the old threshold may be due now. */
	if (kf->reader.armed)
		kstream_wake_readers(t, false);
	spin_unlock(&t->lock);
	return 0;
}

/*
 * The wakeup delay of a reader held back by its threshold has passed:
 * wake it.  No lock: the woken reader (blocking read or poll) re-checks
 * under the topic lock, finds the pending records and takes them.  A
 * hard timer (hardirq context) where the kernel allows it: a soft one
 * expires from ksoftirqd, which a loaded CPU can hold off for longer
 * than the delay it bounds.  PREEMPT_RT expires it in softirq context
 * (the timer softirq thread) all the same, where the waitqueue's
 * sleeping lock may be taken.
 */
static enum hrtimer_restart kstream_wake_timer(struct hrtimer *timer)
{
	struct kstream_reader *rd = container_of(timer, struct kstream_reader,
						 wake_timer);

	wake_up_interruptible_poll(&rd->wq, EPOLLIN | EPOLLRDNORM);
	return HRTIMER_NORESTART;
}

/*
 * Lock held: may @rd, armed, sleep on (its wakeup threshold not reached)?
 * Producers waiting for room on a block topic need every reader awake,
 * whatever its threshold: consumers are what makes room.
 */
static bool kstream_reader_may_sleep(struct kstream_topic *t,
				     struct kstream_reader *rd)
{
	u64 head = t->ring.ctl->head;

	if (!rd->wake_bytes || t->dead || t->nr_writers_waiting || t->wpoll_armed)
		return false;
	return head - kstream_cursor(t, rd, head) < rd->wake_bytes;
}

/* Lock held: @rd is not armed any more. */
static void kstream_reader_disarm(struct kstream_topic *t,
				  struct kstream_reader *rd)
{
	if (rd->armed) {
		rd->armed = false;
		list_del(&rd->armed_node);
		t->nr_armed--;
	}
}

/* Lock held: wake @rd (and disarm it); EPOLLHUP too if @hup. */
static void kstream_reader_wakeup(struct kstream_topic *t,
				  struct kstream_reader *rd, bool hup)
{
	kstream_reader_disarm(t, rd);
	trace_kstream_reader_wake(t, rd->pid, READ_ONCE(*rd->posp),
				  t->ring.ctl->head, rd->wake_bytes);
	wake_up_interruptible_poll(&rd->wq, EPOLLIN | EPOLLRDNORM |
				   (hup ? EPOLLHUP : 0));
}

/*
 * Lock held: wake the armed readers (all readers if @all, when the topic
 * dies) but those whose wakeup threshold is not reached.  Called by
 * producers after publishing head (once per commit section, whatever
 * number of records it wrote), and when they find no room.  Only armed
 * readers are on t->armed: the pass costs O(armed readers), not
 * O(readers).
 */
void kstream_wake_readers(struct kstream_topic *t, bool all)
{
	struct kstream_reader *rd, *tmp;

	lockdep_assert_held(&t->lock);
	if (all) {
		list_for_each_entry(rd, &t->readers, node)
			kstream_reader_wakeup(t, rd, true);
		return;
	}
	list_for_each_entry_safe(rd, tmp, &t->armed, armed_node) {
		if (kstream_reader_may_sleep(t, rd)) {
			/*
			 * Held back by its threshold: bounded by its delay,
			 * counted from the first record it was held back for
			 * (a queued timer is not pushed out by later ones).
			 * Queued, not active: a timer whose callback is
			 * running has already woken the reader, which may
			 * have slept again before this record; it needs a
			 * new expiry (at worst one spurious wakeup).
			 */
			if (rd->wake_delay_ns &&
			    !hrtimer_is_queued(&rd->wake_timer))
				hrtimer_start(&rd->wake_timer,
					      ns_to_ktime(rd->wake_delay_ns),
					      HRTIMER_MODE_REL);
			continue;
		}
		kstream_reader_wakeup(t, rd, false);
	}
}

/*
 * Copy the header of the record at @pos (tail <= pos < head) and validate
 * it.  -ESTALE: producers evicted the record (the reader was lapped).
 * -EIO: not a record; only a mapped reader page can point there.  Records
 * start on the 8-byte grid, have only flags the kernel sets and a body
 * that fits them (kstream_hdr_valid()), and a sequence number below
 * head_seq (assigned before the head covering them was published, and
 * our callers saw that head): a cursor inside a record, say on its seq or
 * ts_ns field, fails these checks.
 */
static int kstream_peek(struct kstream_topic *t, struct kstream_reader *rd,
			u64 pos, struct kstream_msg_hdr *hdr)
{
	/* Racing with producers by design: see kstream_read_locked(). */
	data_race(memcpy(hdr, kstream_ring_ptr(&t->ring, pos), sizeof(*hdr)));
	/* Pairs with smp_wmb() after eviction in kstream_make_room(). */
	smp_rmb();
	if (READ_ONCE(t->ring.ctl->tail) > pos)
		return -ESTALE;
	if (!kstream_hdr_valid(hdr, t->msg_max) ||
	    (pos & (KSTREAM_REC_ALIGN - 1)) ||
	    hdr->seq >= READ_ONCE(t->ring.ctl->head_seq)) {
		/* The kernel's own cursors only point at records. */
		WARN_ON_ONCE(!rd->page);
		return -EIO;
	}
	return 0;
}

/*
 * Topic lock held: the losses a mapped reader reported in its page since
 * the topic's last stats reset (the page is the consumer's to write: a
 * value below the baseline counts as none).
 */
u64 kstream_reader_page_lost(struct kstream_reader *rd)
{
	u64 lost = rd->page ? READ_ONCE(rd->page->lost) : 0;

	return lost > rd->lost_base ? lost - rd->lost_base : 0;
}

u64 kstream_reader_lost(struct kstream_reader *rd)
{
	return rd->lost + (rd->page ? READ_ONCE(rd->page->lost) : 0);
}

static void kstream_reader_advance(struct kstream_topic *t,
				   struct kstream_reader *rd, u64 from,
				   u64 pos, u64 first_seq, u64 last_seq)
{
	/* A mapped reader accounts its losses itself (page->lost). */
	if (!rd->page && first_seq > rd->next_seq) {
		u64 lost = first_seq - rd->next_seq;

		rd->lost += lost;
		atomic64_add(lost, &t->lost);
		trace_kstream_lap(t, rd->pid, lost);
		kstream_event_lapped(t, lost);
	}
	rd->next_seq = last_seq + 1;
	/* Pairs with smp_load_acquire() in kstream_min_reader_pos(). */
	smp_store_release(rd->posp, pos);
	/* Producers waiting for this room: see publish.c. */
	if (t->policy == KSTREAM_POLICY_BLOCK)
		kstream_reader_passed(t, from, pos);
}

/*
 * What one message is to a reader with fd flags @flags (uapi: Idempotent
 * producers): the payload, or with KSTREAM_FD_ORIGIN a struct
 * kstream_msg_origin (zero for a message without one) and the payload;
 * in records mode the record, stripped of its origin block unless
 * KSTREAM_FD_ORIGIN, so that readers that predate origins read what they
 * always read.  @hdr is the validated copy of the header of @rec.
 */
static size_t kstream_out_size(const struct kstream_msg_hdr *hdr, u32 flags)
{
	bool origin = flags & KSTREAM_FD_ORIGIN;
	u32 plen = kstream_msg_payload_len(hdr);

	if (flags & KSTREAM_FD_RECORDS)
		return KSTREAM_REC_SIZE(origin ? hdr->len : plen);
	return plen + (origin ? sizeof(struct kstream_msg_origin) : 0);
}

/* Copy it out: as many bytes as kstream_out_size() says, or fewer. */
static size_t kstream_copy_out(const void *rec, const struct kstream_msg_hdr *hdr,
			       u32 flags, struct iov_iter *to)
{
	static const struct kstream_msg_origin none;
	u32 blocks = KSTREAM_MSG_BLOCKS(hdr->flags);
	const void *payload = rec + KSTREAM_HDR_SIZE + blocks;
	struct kstream_msg_hdr h;
	size_t n = 0;

	if (flags & KSTREAM_FD_RECORDS) {
		if (!blocks || (flags & KSTREAM_FD_ORIGIN))
			return copy_to_iter(rec, KSTREAM_REC_SIZE(hdr->len), to);
		/* The record as it would be without the origin block. */
		h = *hdr;
		h.flags &= ~KSTREAM_MSG_ORIGIN;
		h.len -= blocks;
		n = copy_to_iter(&h, sizeof(h), to);
		if (n == sizeof(h))
			n += copy_to_iter(payload, KSTREAM_REC_SIZE(h.len) -
					  KSTREAM_HDR_SIZE, to);
		return n;
	}
	if (flags & KSTREAM_FD_ORIGIN) {
		n = copy_to_iter(blocks ? rec + KSTREAM_HDR_SIZE : (const void *)&none,
				 sizeof(none), to);
		if (n != sizeof(none))
			return n;
	}
	return n + copy_to_iter(payload, hdr->len - blocks, to);
}

/*
 * Copy the next message (or, in records mode, as many whole records as
 * fit) to @to.  -EAGAIN: nothing to read.  File lock held.
 */
static ssize_t kstream_read_locked(struct kstream_file *kf, struct iov_iter *to)
{
	bool records = kf->flags & KSTREAM_FD_RECORDS;
	struct kstream_reader *rd = &kf->reader;
	struct kstream_topic *t = kf->topic;
	struct kstream_ring *ring = &t->ring;
	u64 head, start, pos, first_seq, last_seq;
	struct kstream_delivery d;
	struct kstream_msg_hdr hdr;
	size_t copied;
	int err;

retry:
	/* Pairs with smp_store_release() of head in kstream_commit(). */
	head = smp_load_acquire(&ring->ctl->head);
	start = kstream_cursor(t, rd, head);
	pos = start;
	copied = 0;
	first_seq = 0;
	last_seq = 0;
	memset(&d, 0, sizeof(d));
	d.now_ns = ktime_get_real_ns();
	while (pos < head) {
		size_t size, n;
		void *src;

		err = kstream_peek(t, rd, pos, &hdr);
		if (err == -ESTALE)
			goto lapped;
		if (err)
			goto fail;
		size = kstream_out_size(&hdr, kf->flags);
		if (size > iov_iter_count(to)) {
			if (copied)
				break;
			return -EMSGSIZE;
		}
		src = kstream_ring_ptr(ring, pos);
		/*
		 * A lapped reader copies bytes a producer may be overwriting
		 * (overwrite topics): a data race by design, as in a seqlock
		 * reader.  Nothing copied is used or kept until the tail
		 * check after the copy shows that no producer had started to
		 * reuse the space (ring.c); otherwise the copy is discarded.
		 * data_race(): KCSAN is right that it races, and it is benign.
		 */
		n = data_race(kstream_copy_out(src, &hdr, kf->flags, to));
		copied += n;
		if (n != size) {
			err = -EFAULT;
			goto fail;
		}
		if (pos == start)
			first_seq = hdr.seq;
		last_seq = hdr.seq;
		kstream_delivery_add(&d, hdr.ts_ns, kstream_msg_payload_len(&hdr));
		trace_kstream_deliver(t, hdr.seq, kstream_msg_payload_len(&hdr),
				      hdr.ts_ns, d.now_ns);
		pos += KSTREAM_REC_SIZE(hdr.len);
		if (!records)
			break;
	}
	if (!copied)
		return -EAGAIN;

	/* Was anything we copied overwritten meanwhile?  See ring.c. */
	smp_rmb();
	if (READ_ONCE(ring->ctl->tail) > start)
		goto lapped;

	kstream_stats_delivered(t, rd, &d);
	kstream_reader_advance(t, rd, start, pos, first_seq, last_seq);
	return copied;

lapped:
	iov_iter_revert(to, copied);
	cond_resched();
	goto retry;
fail:
	iov_iter_revert(to, copied);
	return err;
}

/*
 * read(): @nonblock (O_NONBLOCK or IOCB_NOWAIT) never waits for data;
 * @nowait (IOCB_NOWAIT: io_uring, which polls and retries) does not wait
 * for the fd lock either.  An O_NONBLOCK reader does: an EAGAIN because
 * another thread of the fd held the lock (FIONREAD, KSTREAM_IOC_INFO, a
 * second reader) would leave an edge-triggered epoll reader unarmed with
 * records there, and no wakeup to come.
 */
ssize_t kstream_consume(struct kstream_file *kf, struct iov_iter *to,
			bool nonblock, bool nowait)
{
	struct kstream_reader *rd = &kf->reader;
	struct kstream_topic *t = kf->topic;
	bool dead;
	ssize_t ret;

	for (;;) {
		/* The fd's right to read (a cached decision, cheap). */
		ret = kstream_security_access(kf, KSTREAM_ACCESS_CONSUME);
		if (ret)
			return ret;
		/*
		 * Pairs with smp_store_release() of dead in
		 * kstream_topic_unregister(): if we see the topic dead, we
		 * see every message committed before it died.
		 */
		dead = smp_load_acquire(&t->dead);
		if (nowait) {
			if (!mutex_trylock(&kf->lock))
				return -EAGAIN;
		} else if (mutex_lock_interruptible(&kf->lock)) {
			return -ERESTARTSYS;
		}
		ret = kstream_read_locked(kf, to);
		mutex_unlock(&kf->lock);
		if (ret != -EAGAIN)
			return ret;
		if (dead)
			return 0;	/* drained: end of file */
		if (nonblock) {
			/*
			 * Edge-triggered pollers wait after EAGAIN: arm, so
			 * that the next commit wakes them.  A commit between
			 * our read and the arm finds us unarmed: then the
			 * arm finds the record, and we read again instead of
			 * answering EAGAIN with a record there and no wakeup
			 * to come.
			 */
			if (kstream_reader_arm(t, rd))
				continue;
			return -EAGAIN;
		}
		/* A revocation wakes us too (kstream_security_enforce()). */
		ret = wait_event_interruptible(rd->wq,
					       kstream_security_stale(kf, KSTREAM_ACCESS_CONSUME) ||
					       kstream_reader_arm(t, rd));
		if (ret)
			return ret;
	}
}

/* Payload length of the next message for FIONREAD; 0 if none. */
int kstream_next_len(struct kstream_file *kf, u32 *len)
{
	struct kstream_reader *rd = &kf->reader;
	struct kstream_topic *t = kf->topic;
	struct kstream_msg_hdr hdr;
	u64 pos, head;
	int err;

	if (mutex_lock_interruptible(&kf->lock))
		return -ERESTARTSYS;
	do {
		/* Pairs with the release of head in kstream_commit(). */
		head = smp_load_acquire(&t->ring.ctl->head);
		pos = kstream_cursor(t, rd, head);
		hdr.len = 0;
		err = pos < head ? kstream_peek(t, rd, pos, &hdr) : 0;
	} while (err == -ESTALE);
	mutex_unlock(&kf->lock);
	/* The payload, whatever blocks precede it. */
	*len = !err && hdr.len ? kstream_msg_payload_len(&hdr) : 0;
	return err;
}

/*
 * Sequence of the next record @rd reads.  The kernel tracks it, except
 * for mapped readers, which move on their own: then it is read from the
 * record at the cursor.  File lock held.
 */
/*
 * Topic lock held (nothing moves): sequence of the record at @pos, a
 * clamped cursor of @rd.  A mapped reader's cursor may point anywhere in
 * [tail, head]; what is not a plausible record reads as the tail.
 */
u64 kstream_reader_seq_locked(struct kstream_topic *t, struct kstream_reader *rd,
			      u64 pos)
{
	struct kstream_ring_ctl *ctl = t->ring.ctl;
	const struct kstream_msg_hdr *hdr;
	u64 seq;

	lockdep_assert_held(&t->lock);
	if (!rd->page)
		return clamp(READ_ONCE(rd->next_seq), ctl->tail_seq,
			     ctl->head_seq);
	if (pos == ctl->head)
		return ctl->head_seq;
	hdr = kstream_ring_ptr(&t->ring, pos);
	seq = READ_ONCE(hdr->seq);
	return seq >= ctl->tail_seq && seq < ctl->head_seq ? seq : ctl->tail_seq;
}

u64 kstream_reader_next_seq(struct kstream_topic *t, struct kstream_reader *rd)
{
	struct kstream_msg_hdr hdr;
	u64 head, pos;
	int err;

	if (!rd->page)
		return rd->next_seq;
	do {
		/* Pairs with the release of head in kstream_commit(). */
		head = smp_load_acquire(&t->ring.ctl->head);
		pos = kstream_cursor(t, rd, head);
		if (pos == head)
			return READ_ONCE(t->ring.ctl->head_seq);
		err = kstream_peek(t, rd, pos, &hdr);
	} while (err == -ESTALE);
	return err ? READ_ONCE(t->ring.ctl->head_seq) : hdr.seq;
}

/*
 * Find the record with sequence @seq, walking from the record at @pos with
 * sequence @pos_seq (pos_seq <= seq < head_seq).  Lockless; -ESTALE if
 * producers evicted records under the walk.
 */
static int kstream_walk_to(struct kstream_topic *t, struct kstream_reader *rd,
			   u64 *pos, u64 pos_seq, u64 seq)
{
	struct kstream_msg_hdr hdr;
	u64 p = *pos;
	int err;

	while (pos_seq < seq) {
		err = kstream_peek(t, rd, p, &hdr);
		if (err)
			return err;
		p += KSTREAM_REC_SIZE(hdr.len);
		pos_seq++;
		if (!(pos_seq & 1023))
			cond_resched();
	}
	*pos = p;
	return 0;
}

loff_t kstream_seek(struct kstream_file *kf, loff_t off, int whence)
{
	struct kstream_reader *rd = &kf->reader;
	struct kstream_topic *t = kf->topic;
	struct kstream_ring_ctl *ctl = t->ring.ctl;
	u64 head, tail, head_seq, tail_seq, target, pos, cur, cur_seq;
	loff_t ret;
	int err;

	if (mutex_lock_interruptible(&kf->lock))
		return -ERESTARTSYS;
again:
	cur_seq = kstream_reader_next_seq(t, rd);
	/* Only reporting: a mapped reader may be moving the cursor itself. */
	if (whence == SEEK_CUR && !off) {
		ret = cur_seq;
		goto out;
	}
	err = 0;
	spin_lock(&t->lock);
	head = ctl->head;
	tail = ctl->tail;
	head_seq = ctl->head_seq;
	tail_seq = ctl->tail_seq;
	cur = READ_ONCE(*rd->posp);
	spin_unlock(&t->lock);

	switch (whence) {
	case SEEK_SET:
		target = off;
		ret = off < 0 ? -EINVAL : 0;
		break;
	case SEEK_CUR:
		target = cur_seq + off;
		ret = off < 0 && -(u64)off > cur_seq ? -EINVAL : 0;
		break;
	case SEEK_END:
		/* Beyond the oldest clamps to the oldest, as for SEEK_SET. */
		target = off < 0 && -(u64)off > head_seq ? 0 : head_seq + off;
		ret = off > 0 ? -EINVAL : 0;
		break;
	default:
		ret = -EINVAL;
	}
	if (ret || target > head_seq) {
		ret = -EINVAL;
		goto out;
	}

	if (target <= tail_seq) {
		target = tail_seq;
		pos = tail;
	} else if (target == head_seq) {
		pos = head;
	} else if (rd->next_seq <= target && cur >= tail && cur <= head &&
		   !rd->page) {
		/* Forward from our own cursor (the kernel's, so trusted). */
		pos = cur;
		err = kstream_walk_to(t, rd, &pos, rd->next_seq, target);
	} else {
		pos = tail;
		err = kstream_walk_to(t, rd, &pos, tail_seq, target);
	}
	if (err == -ESTALE)
		goto again;
	if (err) {
		ret = err;
		goto out;
	}

	/* Moving back is only safe under the lock producers evict under. */
	spin_lock(&t->lock);
	if (pos < ctl->tail) {
		spin_unlock(&t->lock);
		goto again;
	}
	rd->next_seq = target;
	/* Where it was, as kstream_min_reader_pos() saw it. */
	cur = max(READ_ONCE(*rd->posp), ctl->tail);
	/* Pairs with smp_load_acquire() in kstream_min_reader_pos(). */
	smp_store_release(rd->posp, pos);
	spin_unlock(&t->lock);
	/* Forward: producers may wait for the room it made. */
	if (t->policy == KSTREAM_POLICY_BLOCK)
		kstream_reader_passed(t, cur, pos);
	ret = target;
out:
	mutex_unlock(&kf->lock);
	return ret;
}

/* Add a reader at the live end.  -EUSERS beyond max_readers. */
int kstream_reader_attach(struct kstream_topic *t, struct kstream_reader *rd)
{
	int err = 0;

	init_waitqueue_head(&rd->wq);
	hrtimer_init(&rd->wake_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	rd->wake_timer.function = kstream_wake_timer;
	rd->posp = &rd->pos;
	spin_lock(&t->lock);
	if (t->dead) {
		err = -ENODEV;
	} else if (t->nr_readers >= READ_ONCE(kstream_max_readers)) {
		err = -EUSERS;
	} else {
		rd->pos = t->ring.ctl->head;
		rd->next_seq = t->ring.ctl->head_seq;
		rd->lost = 0;
		rd->delivered = 0;
		/* In the initial pid namespace, as netlink reports it. */
		rd->pid = task_tgid_nr(current);
		rd->armed = false;
		list_add_tail(&rd->node, &t->readers);
		t->nr_readers++;
	}
	spin_unlock(&t->lock);
	return err;
}

void kstream_reader_detach(struct kstream_topic *t, struct kstream_reader *rd)
{
	spin_lock(&t->lock);
	list_del(&rd->node);
	t->nr_readers--;
	kstream_reader_disarm(t, rd);
	/* What this reader lost through its mapping stays counted. */
	atomic64_add(kstream_reader_page_lost(rd), &t->lost);
	spin_unlock(&t->lock);
	/* Off the list: no commit starts it again.  Before rd is freed. */
	hrtimer_cancel(&rd->wake_timer);
	/* A block topic's producers may be waiting for this reader. */
	kstream_wake_writers(t);
}
