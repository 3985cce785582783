/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * libkstream: publish to and consume from kstream topics.
 *
 * Every function returns 0 (or a count) on success and a negative errno
 * on failure; nothing sets errno for you to read.  There is no global
 * state.  A producer or consumer object may be used by one thread at a
 * time (use one per thread; a producer per thread is also the fastest);
 * different objects are independent, even on the same topic.
 *
 * Topics are named by their name ("imu") or a path ("/dev/stream/imu").
 */
#ifndef LIBKSTREAM_H
#define LIBKSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Flags of ks_producer_open() and ks_consumer_open(). */
#define KS_NONBLOCK	0x1	/* never wait: -EAGAIN / 0 instead */
#define KS_ZEROCOPY	0x2	/* consumer: map the ring, no copies */

/* ---- producers ---- */

struct ks_producer;

int ks_producer_open(struct ks_producer **p, const char *topic,
		     unsigned int flags);
/* One message.  -EMSGSIZE, -EINVAL (empty), -EAGAIN, -ENODEV, ... */
int ks_publish(struct ks_producer *p, const void *buf, size_t len);
/* One message gathered from iovcnt pieces (writev). */
int ks_publishv(struct ks_producer *p, const struct iovec *iov, int iovcnt);
/*
 * n messages, msgs[i] each.  Returns how many were published (stops at
 * the first failure), or a negative errno if the first one failed.
 */
int ks_publish_batch(struct ks_producer *p, const struct iovec *msgs,
		     unsigned int n);
int ks_producer_fd(const struct ks_producer *p);
/* Sends what a batch still holds (ks_producer_batch_flush()) first. */
void ks_producer_close(struct ks_producer *p);

/*
 * Batching producer: many messages per system call (the kernel's batch
 * publish, KSTREAM_FD_BATCH; one write(2) per message on a kernel
 * without it).  ks_producer_batch_init() turns batching on for @p;
 * ks_producer_batch_add() copies one message into the batch, which goes
 * out in one write(2), each message judged and committed as if written
 * alone, when it holds @max_msgs messages, when the next one would take
 * it beyond @max_bytes of records (KSTREAM_REC_SIZE() of each), or when
 * ks_producer_batch_add() or ks_producer_batch_flush() finds its oldest
 * message older than @linger_us.  There is no thread: a producer that
 * may stop adding must flush, or call ks_producer_batch_flush() when
 * ks_producer_batch_timeout_ms() says (a poll() timeout), for the linger
 * bound to hold.  ks_publish(), ks_publishv() and ks_publish_batch() on a
 * batching producer send the batch first, so messages keep their order.
 * 0 or -errno: -EINVAL (max_msgs 0, max_bytes below one record).
 */
int ks_producer_batch_init(struct ks_producer *p, unsigned int max_msgs,
			   size_t max_bytes, uint32_t linger_us);
/*
 * Add one message; it may send the batch (then the errors of
 * ks_producer_batch_flush()).  -EINVAL: empty, or not batching.
 */
int ks_producer_batch_add(struct ks_producer *p, const void *buf, size_t len);
/*
 * Send the batch now: 0 when all of it was published (or dropped by the
 * topic's ingress filter, or discarded as duplicates, as write(2)
 * succeeds for those), or the -errno of the first message that failed.
 * Messages before it are published; it and those after it stay in the
 * batch for the next flush, but for a message the topic can never take
 * (-EMSGSIZE, -EINVAL), which is dropped from the batch.
 */
int ks_producer_batch_flush(struct ks_producer *p);
/* Messages in the batch, not yet sent. */
unsigned int ks_producer_batch_pending(const struct ks_producer *p);
/*
 * Milliseconds until the batch's linger bound expires (0: flush now), or
 * -1 if the batch is empty: a timeout for poll(2) in an event loop.
 */
int ks_producer_batch_timeout_ms(const struct ks_producer *p);

/*
 * Idempotent producers (uapi/linux/kstream.h explains them).  Give the
 * producer an id (not 0; the same across restarts of the same logical
 * producer) and the producer sequence of its next message: every message
 * published from then on carries (id, seq), seq + 1 for the next, and the
 * topic discards a message whose seq is not above the last it accepted
 * from id (the publish still succeeds).  A failed publish does not move
 * the sequence on: retrying it retries the same sequence.  id 0 clears it.
 * 0 or -errno (-EBADF, -EACCES, -ENOMEM, -ENOTTY on a kernel without
 * idempotent producers).
 */
int ks_producer_set_id(struct ks_producer *p, uint64_t id, uint64_t next_seq);
/*
 * The last producer sequence the topic accepted from id (not 0; any id,
 * not only this producer's): 1 and *seq if the topic knows id, 0 if it
 * does not (never seen, or evicted from its table: then its next message
 * is accepted whatever its sequence), or -errno.  Where a restarted
 * producer resumes: ks_producer_set_id(p, id, *seq + 1).
 */
int ks_producer_last_seq(struct ks_producer *p, uint64_t id, uint64_t *seq);
/*
 * Whether the topic evicted id (this producer's id, set with
 * ks_producer_set_id()) from its full table while this producer used it:
 * 1 if so (one of its messages since was accepted without the duplicate
 * check: a retry of it may have been published twice), 0 if not, or
 * -errno.  Cleared by the next ks_producer_set_id().  The topic counts
 * evictions too (producers_evicted); raise its producers_max if this
 * happens.
 */
int ks_producer_evicted(struct ks_producer *p, uint64_t id);

/* ---- consumers ---- */

struct ks_consumer;

/* One message handed out by ks_next(). */
struct ks_msg {
	const void *data;	/* payload; valid until ks_release() */
	uint32_t len;		/* payload bytes */
	uint64_t seq;		/* sequence number */
	uint64_t ts_ns;		/* ingress time, CLOCK_REALTIME ns */
	/*
	 * Origin: the producer id and producer sequence of a message an
	 * idempotent producer published; both 0 for other messages.
	 */
	uint64_t producer_id;
	uint64_t producer_seq;
};

enum ks_whence {
	KS_SEEK_LIVE,		/* only messages published from now on */
	KS_SEEK_OLDEST,		/* the oldest message still retained */
	KS_SEEK_SEQ,		/* seq (or the oldest, if seq is older) */
};

/* A new consumer starts at the live end. */
int ks_consumer_open(struct ks_consumer **c, const char *topic,
		     unsigned int flags);
/* Move the cursor; returns the sequence number read next, or -errno. */
int64_t ks_seek(struct ks_consumer *c, enum ks_whence whence, uint64_t seq);
/*
 * The next message: 1 and *m filled in; 0 when there is none and the
 * consumer is non-blocking; -EPIPE when the topic was deleted and
 * everything it held was consumed (a non-blocking zero-copy consumer
 * learns it from the ring's control page, KSTREAM_RING_DELETED: on a
 * kernel without that flag it gets 0); -EINTR if a signal interrupted the
 * wait; -EACCES once the right to subscribe of whoever opened the topic
 * was revoked (a zero-copy consumer that touches the ring after that gets
 * SIGBUS: the kernel stops serving the mapping; a waiting one gets
 * -EACCES); other negative errnos on errors.  Messages the consumer lost
 * are counted (ks_lost()) and skipped.
 */
int ks_next(struct ks_consumer *c, struct ks_msg *m);
/*
 * Done with the message ks_next() returned: 0, or -ESTALE if, on an
 * overwrite topic, a zero-copy consumer was lapped while it held the
 * message: its bytes may have changed under the caller, who must discard
 * what it computed from them (the message is counted as lost).  Calling
 * ks_next() without ks_release() releases the previous message.
 */
int ks_release(struct ks_consumer *c);
/*
 * Wakeup coalescing, for throughput-bound consumers of small messages: a
 * consumer that caught up sleeps until at least @bytes of records wait
 * (each message counts KSTREAM_REC_SIZE(len) bytes; the kernel clamps to
 * half the ring) or @max_delay_ms passed since the first message it was
 * held back for, instead of waking for every message (the kernel keeps
 * the bound: KSTREAM_IOC_SET_WAKEUP_DELAY).  ks_next() then hands them out
 * one by one without a system call.  An idle consumer sleeps.  0 bytes:
 * wake for every message (the default).  @max_delay_ms must be > 0 with a
 * threshold, at most 60000.  0 or -errno (-EINVAL).
 */
int ks_consumer_set_wakeup(struct ks_consumer *c, uint32_t bytes,
			   int max_delay_ms);
/*
 * Adaptive waiting (zero-copy consumers): a ks_next() that finds nothing
 * looks at the ring for up to @spin_us before it sleeps in poll(2), so a
 * busy consumer gets busy-polling latency and an idle one sleeps.  0 (the
 * default): sleep at once.  -EINVAL for a copy consumer.
 */
int ks_consumer_set_spin(struct ks_consumer *c, uint32_t spin_us);
/* Messages this consumer lost (overwrite topics). */
uint64_t ks_lost(const struct ks_consumer *c);
/* The fd to put in a poll/epoll loop (level-triggered): POLLIN = ready. */
int ks_consumer_fd(const struct ks_consumer *c);
void ks_consumer_close(struct ks_consumer *c);

#ifdef __cplusplus
}
#endif

#endif /* LIBKSTREAM_H */
