// SPDX-License-Identifier: GPL-2.0
/*
 * The message ring of a topic.
 *
 * Layout
 * ------
 * A ring is a control page (struct kstream_ring_ctl: positions, sequence
 * numbers, geometry) followed by size bytes (a power of two) of zeroed
 * data pages mapped twice back to back in kernel virtual memory (as the
 * BPF ring buffer does), so that a record that wraps around the end of the
 * ring is still contiguous at data + (pos & mask) and is copied with one
 * memcpy.  mmap readers get the same layout, read-only (mmap.c).
 *
 * Records are a struct kstream_msg_hdr, the payload, and zero padding up
 * to a multiple of 8 bytes: KSTREAM_REC_SIZE(len) bytes in all.  Records
 * follow each other without gaps from tail to head.  Nothing else is
 * stored in the ring, and padding is written as zeroes, so the bytes a
 * reader copies out are only headers, payloads and zeroes.
 *
 * Positions and the lockless read protocol
 * ----------------------------------------
 * head and tail are byte positions that only grow (u64: they never wrap).
 * Producers change them under the topic lock; readers do not take it.
 *
 *   producer (publish.c), under topic->lock:
 *     evict:    WRITE_ONCE(tail, tail + rec);   ... as often as needed
 *               smp_wmb();                                          (A)
 *     write the new record at head (header, payload, padding)
 *     smp_store_release(&head, head + rec);                         (B)
 *
 *   reader (consume.c), no lock:
 *     h = smp_load_acquire(&head);                     pairs with (B)
 *     copy the header (and later the payload) at pos, pos < h
 *     smp_rmb();                                       pairs with (A)
 *     if (READ_ONCE(tail) > pos) the bytes may have been overwritten
 *         while we copied: discard the copy, restart from tail.
 *
 * (B) makes a record's bytes visible before the head that covers it.
 * (A) orders a producer's tail update before it overwrites the space; so
 * if a reader's check after its copy still sees tail <= pos, no producer
 * had started to reuse [pos, ...) when the copy was made.  A length read
 * from a header is used only after that check.
 *
 * On block-policy topics producers never evict a record some reader has
 * not consumed (publish.c), so their readers never fail the check.
 *
 * On overwrite topics a lapped reader's copy does race with a producer
 * rewriting the space, as a seqlock reader races with its writer: the
 * race is the protocol, and the check discards whatever it tore.  The
 * copies are data_race() (consume.c) so that KCSAN reports the races that
 * are bugs only.
 *
 * Reservation: writing a record's body outside the lock
 * -----------------------------------------------------
 * A producer may copy a message from userspace straight into the ring
 * (publish.c: kstream_publish_direct(), kstream_batch_direct()) instead of
 * into a staging buffer first.  The bytes from head on are free space no
 * reader reads (readers stop at head), so the producer that owns them can
 * fill them without the topic lock, as long as nobody else writes there
 * or evicts up to them.  Ownership is the reservation:
 *
 *   reserver (publish.c):
 *     mutex_trylock(&rsv_lock)          (a busy one: take the staged path)
 *     spin_lock(&lock); make room for the record (evict: (A) as above);
 *       reserved = true; spin_unlock(&lock)
 *     copy the body to head + header (page faults disabled: a fault ends
 *       the reservation, and the staged path faults the pages in)
 *     the ingress verdict on the bytes in the ring
 *     spin_lock(&lock); write the header (seq, ts) and padding; (B);
 *       reserved = false; spin_unlock(&lock); mutex_unlock(&rsv_lock)
 *
 *   any other writer at head (a staged commit, a dead letter):
 *     spin_lock(&lock); if reserved: spin_unlock, mutex_lock(&rsv_lock),
 *     spin_lock(&lock) (reserved is false now); write; (B); unlock both
 *
 * Every writer of head and tail holds the topic lock with reserved false,
 * or is the reserver: so while reserved is set head and tail do not move,
 * and [head, head + the record) is the reserver's alone (make_room() gave
 * it; readers never evict).  Nothing is visible before (B), which
 * happens under the lock as for any record, so the lockless read
 * protocol above is unchanged, and sequence numbers are still assigned in
 * commit order under the lock.  A record the verdict drops, a copy that
 * faulted, a topic deleted meanwhile: the reservation ends without (B)
 * (its bytes zeroed first), head does not move, and no sequence number,
 * skip record or gap is left: the uapi's record stream is the same as
 * with a staging copy.  What a mapped reader may see of the free space
 * beyond head (nothing it should read) is a message on its way in, or
 * zeroes.
 *
 * The reservation holds rsv_lock across a copy of at most one record of
 * msg_max bytes (or one batch window) that cannot sleep on a page fault
 * and across an eBPF verdict (and, for what must be staged after all, the
 * staging buffer's allocation and copy), never across a wait for room; the topic
 * lock is held twice briefly, each hold bounded as before.  Lock order:
 * rsv_lock -> topic lock; one topic's rsv_lock at a time (a dead letter
 * is routed after the reservation ended).
 */

#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "ring.h"

int kstream_ring_alloc(struct kstream_ring *ring, u32 size, u32 msg_max,
		       u32 policy)
{
	unsigned int i, nr = size >> PAGE_SHIFT;
	struct page **pages;
	void *vaddr;
	int err = -ENOMEM;

	/* The control page, then nr data pages listed twice. */
	pages = kvcalloc(1 + 2 * nr, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return -ENOMEM;

	for (i = 0; i < 1 + nr; i++) {
		/* Up to 1 GiB: stay preemptible and killable. */
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			goto err_pages;
		}
		/* Fail rather than wake the OOM killer: it is a request. */
		pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO |
				      __GFP_NOWARN | __GFP_RETRY_MAYFAIL);
		if (!pages[i])
			goto err_pages;
		if (i)
			pages[nr + i] = pages[i];
		cond_resched();
	}

	/* mmap.c maps these pages into readers, one fault at a time. */
	vaddr = vmap(pages, 1 + 2 * nr, VM_MAP | VM_USERMAP, PAGE_KERNEL);
	if (!vaddr)
		goto err_pages;

	ring->ctl = vaddr;
	ring->data = vaddr + PAGE_SIZE;
	ring->pages = pages;
	ring->nr_pages = nr;
	ring->size = size;
	ring->mask = size - 1;
	ring->ctl->size = size;
	ring->ctl->msg_max = msg_max;
	ring->ctl->policy = policy;
	/* No producer waits for room (publish.c). */
	ring->ctl->wake_pos = U64_MAX;
	mutex_init(&ring->rsv_lock);
	ring->reserved = false;
	return 0;

err_pages:
	while (i--)
		__free_page(pages[i]);
	kvfree(pages);
	return err;
}

void kstream_ring_free(struct kstream_ring *ring)
{
	unsigned int i;

	if (!ring->pages)
		return;
	vunmap(ring->ctl);
	/* Mappings hold the file, hence the topic: none is left now. */
	for (i = 0; i < 1 + ring->nr_pages; i++)
		__free_page(ring->pages[i]);
	kvfree(ring->pages);
	mutex_destroy(&ring->rsv_lock);
	ring->pages = NULL;
	ring->ctl = NULL;
	ring->data = NULL;
}
