// SPDX-License-Identifier: GPL-2.0
#include <errno.h>

#include "libkstream.h"
#include "view.h"

/* The kernel's barriers, for userspace (see Documentation/design.rst). */
#define load_acquire(p)		__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define load_once(p)		__atomic_load_n((p), __ATOMIC_RELAXED)
#define store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)

void ks_view_init(struct ks_view *v, const struct kstream_ring_ctl *ctl,
		  const void *data, struct kstream_reader_page *page,
		  uint64_t next_seq)
{
	v->ctl = ctl;
	v->data = data;
	v->page = page;
	v->mask = ctl->size - 1;
	v->msg_max = ctl->msg_max;
	v->pos = load_once(&page->pos);
	v->lost = load_once(&page->lost);
	ks_view_sync(v, next_seq);
}

void ks_view_sync(struct ks_view *v, uint64_t next_seq)
{
	v->pos = load_once(&v->page->pos);
	v->from = v->pos;
	v->expect = next_seq;
	v->held = false;
}

static const struct kstream_msg_hdr *ks_view_hdr(const struct ks_view *v,
						 uint64_t pos)
{
	return (const void *)(v->data + (pos & v->mask));
}

/* Has the producer evicted the record at pos (lapped us)?  After reads. */
static bool ks_view_overtaken(const struct ks_view *v, uint64_t pos)
{
	/* Pairs with the kernel's smp_wmb() after moving tail. */
	smp_rmb();
	return load_once(&v->ctl->tail) > pos;
}

static void ks_view_count_lost(struct ks_view *v, uint64_t n)
{
	v->lost += n;
	/* The kernel reads it for the fd's and the topic's counters. */
	__atomic_store_n(&v->page->lost, v->lost, __ATOMIC_RELAXED);
}

int ks_view_next(struct ks_view *v, struct ks_msg *m)
{
	struct kstream_msg_origin origin = { 0, 0 };
	const struct kstream_msg_hdr *hdr;
	uint32_t len, flags, blocks;
	uint64_t head, pos;
	uint64_t seq;

	if (v->held)
		ks_view_release(v);
	for (;;) {
		/* Pairs with the kernel's release of head. */
		head = load_acquire(&v->ctl->head);
		pos = v->pos;
		if (pos >= head)
			return 0;
		if (pos < load_once(&v->ctl->tail))
			pos = load_once(&v->ctl->tail);	/* lapped */
		if (pos >= head)
			continue;
		hdr = ks_view_hdr(v, pos);
		len = load_once(&hdr->len);
		flags = load_once(&hdr->flags);
		seq = load_once(&hdr->seq);
		m->ts_ns = load_once(&hdr->ts_ns);
		if (flags & KSTREAM_MSG_ORIGIN) {
			const struct kstream_msg_origin *o = (const void *)(hdr + 1);

			origin.producer_id = load_once(&o->producer_id);
			origin.producer_seq = load_once(&o->producer_seq);
		}
		if (ks_view_overtaken(v, pos)) {
			v->pos = pos;	/* restart from the new tail */
			continue;
		}
		/* Validated copies only: the ring is the producers'. */
		blocks = KSTREAM_MSG_BLOCKS(flags);
		if ((flags & ~KSTREAM_MSG_FLAGS_ALL) || len <= blocks ||
		    len - blocks > v->msg_max)
			return -EIO;
		v->pos = pos;
		break;
	}
	if (seq > v->expect)
		ks_view_count_lost(v, seq - v->expect);
	m->data = (const uint8_t *)(hdr + 1) + blocks;
	m->len = len - blocks;
	m->seq = seq;
	m->producer_id = origin.producer_id;
	m->producer_seq = origin.producer_seq;
	v->held = true;
	v->held_pos = pos;
	v->held_len = len;
	v->held_seq = seq;
	return 1;
}

int ks_view_release(struct ks_view *v)
{
	int ret = 0;

	if (!v->held)
		return 0;
	v->held = false;
	v->expect = v->held_seq + 1;
	if (ks_view_overtaken(v, v->held_pos)) {
		/* Its bytes may have changed while the caller used them. */
		ks_view_count_lost(v, 1);
		ret = -ESTALE;
	}
	v->from = v->held_pos;
	v->pos = v->held_pos + KSTREAM_REC_SIZE(v->held_len);
	/* Our reads are done before producers (block topics) reuse it. */
	store_release(&v->page->pos, v->pos);
	return ret;
}

bool ks_view_must_wake(const struct ks_view *v)
{
	uint64_t wait;

	/*
	 * Pairs with the kernel's smp_mb() between publishing wake_pos and
	 * looking at reader positions: either it saw our release, or we
	 * see what it waits for.
	 */
	smp_mb();
	if (!load_once(&v->ctl->writers_waiting))
		return false;
	wait = load_once(&v->ctl->wake_pos);
	/* 0: a kernel without wake_pos; wake it at every release. */
	return !wait || (v->from < wait && v->pos >= wait);
}

bool ks_view_ready(const struct ks_view *v)
{
	return load_acquire(&v->ctl->head) > v->pos;
}

bool ks_view_deleted(const struct ks_view *v)
{
	return load_acquire(&v->ctl->flags) & KSTREAM_RING_DELETED;
}
