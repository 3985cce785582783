/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The zero-copy consumer protocol over a mapped ring (uapi/linux/kstream.h
 * describes it; Documentation/design.rst has the memory-ordering pairs).
 * Pure logic over three pointers, so that it is unit-tested against a
 * simulated mapping on the host.
 */
#ifndef KS_VIEW_H
#define KS_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kstream.h>

struct ks_view {
	const struct kstream_ring_ctl *ctl;	/* read-only control page */
	const uint8_t *data;			/* ring data, mapped twice */
	struct kstream_reader_page *page;	/* our cursor, shared */
	uint64_t mask;
	uint32_t msg_max;
	uint64_t pos;		/* cursor (also in page->pos once released) */
	uint64_t from;		/* the cursor before the last release */
	uint64_t expect;	/* sequence number expected next */
	uint64_t lost;
	/* the message handed out, until ks_view_release() */
	bool held;
	uint64_t held_pos;
	uint32_t held_len;
	uint64_t held_seq;
};

struct ks_msg;

/* next_seq: the sequence at the cursor (KSTREAM_IOC_INFO's next_seq). */
void ks_view_init(struct ks_view *v, const struct kstream_ring_ctl *ctl,
		  const void *data, struct kstream_reader_page *page,
		  uint64_t next_seq);
/*
 * Was the topic deleted (KSTREAM_RING_DELETED; acquire: a ks_view_next()
 * after a true answer sees every record the topic will ever have)?
 */
bool ks_view_deleted(const struct ks_view *v);
/* 1: *m is the next message (held); 0: none; -EIO: corrupt cursor. */
int ks_view_next(struct ks_view *v, struct ks_msg *m);
/* 0, or -ESTALE when the held message was overwritten while held. */
int ks_view_release(struct ks_view *v);
/*
 * Block topics, after a release: must producers be woken
 * (KSTREAM_IOC_WAKEUP)?  Only when the release took the cursor past the
 * position they wait for (ctl->wake_pos; on a kernel without it,
 * whenever producers wait).
 */
bool ks_view_must_wake(const struct ks_view *v);
/* Is there a message to take (a lockless look, for spinning)? */
bool ks_view_ready(const struct ks_view *v);
/* The cursor was moved by the kernel (lseek): resynchronise. */
void ks_view_sync(struct ks_view *v, uint64_t next_seq);

#endif /* KS_VIEW_H */
