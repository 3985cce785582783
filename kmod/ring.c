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
	ring->pages = NULL;
	ring->ctl = NULL;
	ring->data = NULL;
}
