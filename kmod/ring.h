/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The message ring of a topic (ring.c): memory, layout, the lockless
 * read protocol and the reservation (ring.c's top comment).  A leaf: it
 * calls nothing of the module and takes no lock; its callers hold the
 * topic lock when they move head or tail.
 */
#ifndef _KSTREAM_RING_H
#define _KSTREAM_RING_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <asm/barrier.h>
#include <linux/kstream.h>

struct page;

struct kstream_ring {
	/*
	 * The control page, shared read-only with mmap readers.  Its byte
	 * positions grow monotonically and never wrap (2^64 bytes); pos &
	 * mask is the offset in data.  Written under the topic lock:
	 * head: end of the newest committed record (smp_store_release).
	 * tail: start of the oldest retained record (WRITE_ONCE, then
	 *       smp_wmb() before the space is reused).
	 * head_seq, tail_seq: sequences of the next and the oldest record.
	 */
	struct kstream_ring_ctl *ctl;
	void *data;		/* ctl + PAGE_SIZE: size bytes, mapped twice */
	struct page **pages;	/* ctl page, data pages, data pages again */
	unsigned int nr_pages;	/* data pages */
	u64 size;		/* power of two (also in ctl) */
	u64 mask;		/* size - 1 */
	/*
	 * The reservation (ring.c, "Reservation"): the free bytes from head
	 * on belong to the holder of rsv_lock while reserved is set.
	 * reserved is written under the topic lock by the holder of
	 * rsv_lock, and read under the topic lock.
	 */
	struct mutex rsv_lock;
	bool reserved;
};

/*
 * Process context, no lock held: up to 1 GiB of pages.  0, -ENOMEM, or
 * -EINTR when a fatal signal arrives while allocating.
 */
int kstream_ring_alloc(struct kstream_ring *ring, u32 size, u32 msg_max,
		       u32 policy);
void kstream_ring_free(struct kstream_ring *ring);

/*
 * The topic is deleted: tell mapped readers in the control page
 * (KSTREAM_RING_DELETED).  Topic lock held, after the last commit.
 */
static inline void kstream_ring_mark_deleted(struct kstream_ring *ring)
{
	/* Pairs with the reader's acquire load: the final head is visible. */
	smp_store_release(&ring->ctl->flags,
			  ring->ctl->flags | KSTREAM_RING_DELETED);
}

static inline void *kstream_ring_ptr(const struct kstream_ring *ring, u64 pos)
{
	return ring->data + (pos & ring->mask);
}

#define KSTREAM_HDR_SIZE sizeof(struct kstream_msg_hdr)

/*
 * Could @hdr head a record of a topic whose payloads are at most @msg_max
 * bytes: only flags the kernel sets, and 1 to msg_max bytes of payload
 * after the blocks the flags announce?  (For headers read from the ring,
 * where a mapped reader's cursor may point anywhere.)
 */
static inline bool kstream_hdr_valid(const struct kstream_msg_hdr *hdr,
				     u32 msg_max)
{
	u32 blocks = KSTREAM_MSG_BLOCKS(hdr->flags);

	return !(hdr->flags & ~KSTREAM_MSG_FLAGS_ALL) && hdr->len > blocks &&
	       hdr->len - blocks <= msg_max;
}

#endif /* _KSTREAM_RING_H */
