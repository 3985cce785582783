// SPDX-License-Identifier: GPL-2.0
/*
 * The write path: one write(2) is one message.
 *
 *   1. check the length, copy the payload into kernel memory (a stack
 *      buffer for small messages, else a kvmalloc'ed one): all of it or
 *      EFAULT, so a message is never partial;
 *   2. the ingress verdict (kstream_ingress_verdict()), outside any lock;
 *   3. commit under the topic lock: make room (evict, or wait on block
 *      topics), assign the sequence number and timestamp, copy into the
 *      ring, publish head; then wake readers.
 *
 * Only step 3 makes a message visible, so no reader can see a message the
 * verdict discarded or one that is half written.  Sequence numbers are
 * assigned in step 3, so dropped messages leave no gap.
 */

#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "kstream.h"

/* Messages up to this size are staged on the stack. */
#define KSTREAM_STACK_STAGE 256

/*
 * The ingress verdict point.  Called exactly once per message, after the
 * whole payload is in kernel memory (@data, @len) and before the message
 * is committed; nothing of a message it drops is ever visible to readers.
 * Runs in process context without locks held, so hooks may sleep.
 * Authorization of the publish and eBPF ingress programs plug in here.
 * Topics with nothing attached pass every message, at the cost of one
 * pointer test.
 */
static enum kstream_ingress_verdict
kstream_ingress_verdict(struct kstream_topic *t,
			const struct kstream_producer *producer,
			const void *data, size_t len)
{
	if (!kstream_filter_attached(t))
		return KSTREAM_INGRESS_PASS;
	/* eBPF ingress filter (bpf.c): len <= msg_max fits a u32. */
	return kstream_filter_run(t, producer, data, len);
}

/* Lowest position some reader still has to read; head if none.  Lock held. */
static u64 kstream_min_reader_pos(struct kstream_topic *t)
{
	struct kstream_reader *rd;
	u64 min = t->ring.head;

	lockdep_assert_held(&t->lock);
	list_for_each_entry(rd, &t->readers, node) {
		/*
		 * Pairs with the readers' release of pos: their copies out
		 * of the ring are done before we overwrite the space.
		 */
		u64 pos = smp_load_acquire(&rd->pos);

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
	struct kstream_ring *ring = &t->ring;
	u64 limit = U64_MAX;
	bool evicted = false;

	lockdep_assert_held(&t->lock);
	if (ring->head + need - ring->tail <= ring->size)
		return true;
	if (t->policy == KSTREAM_POLICY_BLOCK)
		limit = kstream_min_reader_pos(t);

	while (ring->head + need - ring->tail > ring->size) {
		const struct kstream_msg_hdr *hdr;

		if (ring->tail >= limit)
			break;
		hdr = kstream_ring_ptr(ring, ring->tail);
		WRITE_ONCE(ring->tail, ring->tail + KSTREAM_REC_SIZE(hdr->len));
		ring->tail_seq++;
		evicted = true;
	}
	if (evicted)
		smp_wmb();	/* tail before reuse; pairs with readers' smp_rmb() */
	return ring->head + need - ring->tail <= ring->size;
}

/* Would a record of @need bytes fit now?  For waiters and poll. */
bool kstream_writable(struct kstream_topic *t, u64 need)
{
	struct kstream_ring *ring = &t->ring;
	bool ok;

	if (t->policy == KSTREAM_POLICY_OVERWRITE || READ_ONCE(t->dead))
		return true;
	spin_lock(&t->lock);
	ok = ring->head + need - kstream_min_reader_pos(t) <= ring->size;
	spin_unlock(&t->lock);
	return ok;
}

static int kstream_commit(struct kstream_topic *t, const void *data, u32 len,
			  bool nonblock)
{
	struct kstream_ring *ring = &t->ring;
	u64 need = KSTREAM_REC_SIZE(len);
	struct kstream_msg_hdr *hdr;
	int err;

	for (;;) {
		spin_lock(&t->lock);
		if (t->dead) {
			spin_unlock(&t->lock);
			return -ENODEV;
		}
		if (kstream_make_room(t, need))
			break;
		spin_unlock(&t->lock);
		if (nonblock)
			return -EAGAIN;
		err = wait_event_interruptible(t->wwq, kstream_writable(t, need));
		if (err)
			return err;
	}

	hdr = kstream_ring_ptr(ring, ring->head);
	hdr->len = len;
	hdr->flags = 0;
	hdr->seq = ring->head_seq;
	/* Read without the lock by bpf_kstream_seq_hint(). */
	WRITE_ONCE(ring->head_seq, ring->head_seq + 1);
	hdr->ts_ns = ktime_get_real_ns();
	memcpy(hdr + 1, data, len);
	memset((void *)(hdr + 1) + len, 0, need - KSTREAM_HDR_SIZE - len);
	t->published++;
	t->published_bytes += len;
	/* Pairs with smp_load_acquire() of head by readers (ring.c). */
	smp_store_release(&ring->head, ring->head + need);
	spin_unlock(&t->lock);

	/* wq_has_sleeper() has the barrier that pairs with the waiters'. */
	if (wq_has_sleeper(&t->rwq))
		wake_up_interruptible_poll(&t->rwq, EPOLLIN | EPOLLRDNORM);
	return 0;
}

ssize_t kstream_publish(struct kstream_topic *t,
			const struct kstream_producer *producer,
			struct iov_iter *from, bool nonblock)
{
	size_t len = iov_iter_count(from);
	enum kstream_ingress_verdict verdict;
	u8 stage[KSTREAM_STACK_STAGE];
	void *buf = stage;
	ssize_t ret;

	if (!len)
		return -EINVAL;
	if (len > t->msg_max)
		return -EMSGSIZE;
	if (READ_ONCE(t->dead))
		return -ENODEV;

	if (len > sizeof(stage)) {
		buf = kvmalloc(len, GFP_KERNEL_ACCOUNT);
		if (!buf)
			return -ENOMEM;
	}
	if (!copy_from_iter_full(buf, len, from)) {
		ret = -EFAULT;
		goto out;
	}

	verdict = kstream_ingress_verdict(t, producer, buf, len);
	if (verdict != KSTREAM_INGRESS_PASS) {
		atomic64_inc(&t->dropped[verdict]);
		ret = len;
		goto out;
	}

	ret = kstream_commit(t, buf, len, nonblock);
	if (!ret)
		ret = len;
	else	/* nothing was published: let a retry start over */
		iov_iter_revert(from, len);
out:
	if (buf != stage)
		kvfree(buf);
	return ret;
}
