/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The read path (consume.c): reader cursors, read, seek, FIONREAD and
 * reader wakeups.  consume.c's top comment says what it may call and
 * which locks it takes.
 */
#ifndef _KSTREAM_CONSUME_H
#define _KSTREAM_CONSUME_H

#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/types.h>
#include <linux/uio.h>
#include <linux/wait.h>

struct kstream_file;
struct kstream_reader_page;
struct kstream_topic;
struct page;

/* One reader fd's cursor; lives in struct kstream_file. */
struct kstream_reader {
	struct list_head node;	/* topic->readers, under topic->lock */
	/*
	 * *posp is the position of the next record to read: &pos, or the
	 * pos field of the reader page once it is mapped (then userspace
	 * writes it and it is untrusted: see kstream_cursor()).  Advanced
	 * with smp_store_release() after the copy out is done; producers of
	 * block topics read it with smp_load_acquire() under the topic
	 * lock.  The kernel moves it backwards (lseek) only under that lock.
	 */
	u64 *posp;
	u64 pos;
	struct kstream_reader_page *page;	/* mapped reader page or NULL */
	struct page *page_pg;
	u64 next_seq;		/* sequence expected next (file lock) */
	u64 lost;		/* messages lost to overwrite (file lock) */
	u64 delivered;		/* messages read() gave it (file lock) */
	u64 lost_base;		/* page->lost at the last stats reset (lock) */
	pid_t pid;		/* process that opened it (tgid) */
	wait_queue_head_t wq;	/* this reader waiting for data */
	bool armed;		/* wake on the next commit (topic lock) */
	struct list_head armed_node;	/* topic->armed while armed (lock) */
	/*
	 * Wakeup coalescing (KSTREAM_IOC_SET_WAKEUP; topic lock): an armed
	 * reader is woken once this many record bytes wait at its cursor,
	 * 0 = by every commit.  At most half the ring.
	 */
	u32 wake_bytes;
	/*
	 * Its bound (KSTREAM_IOC_SET_WAKEUP_DELAY; topic lock), 0 = none:
	 * the first commit that leaves an armed reader asleep under its
	 * threshold starts wake_timer, which wakes it wake_delay_ns later
	 * whatever is pending.  The timer only wakes: the woken reader
	 * re-checks (kstream_reader_arm()) as after any wakeup.
	 */
	u64 wake_delay_ns;
	struct hrtimer wake_timer;
	/*
	 * The fd lost its right to subscribe (topic lock): it no longer
	 * holds a block topic's producers back.  revoked_gen is the policy
	 * generation that decision was taken at.
	 */
	bool revoked;
	unsigned long revoked_gen;
};

int kstream_reader_attach(struct kstream_topic *t, struct kstream_reader *rd);
void kstream_reader_detach(struct kstream_topic *t, struct kstream_reader *rd);
ssize_t kstream_consume(struct kstream_file *kf, struct iov_iter *to,
			bool nonblock, bool nowait);
loff_t kstream_seek(struct kstream_file *kf, loff_t off, int whence);
int kstream_next_len(struct kstream_file *kf, u32 *len);
int kstream_set_wakeup(struct kstream_file *kf, u32 bytes, u32 delay_us);
bool kstream_reader_arm(struct kstream_topic *t, struct kstream_reader *rd);
void kstream_wake_readers(struct kstream_topic *t, bool all);
u64 kstream_reader_lost(struct kstream_reader *rd);
u64 kstream_reader_page_lost(struct kstream_reader *rd);
u64 kstream_reader_next_seq(struct kstream_topic *t, struct kstream_reader *rd);
u64 kstream_reader_seq_locked(struct kstream_topic *t, struct kstream_reader *rd,
			      u64 pos);

#endif /* _KSTREAM_CONSUME_H */
