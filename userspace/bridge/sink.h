/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The receiver's side of a stream: publishes records into a local topic
 * as one producer, discarding what was already committed.  This is the
 * one place that knows how duplicates are detected:
 *
 *   kernel mode     the topic's idempotent-producer table (issue 15:
 *                   KSTREAM_IOC_SET_PRODUCER / KSTREAM_IOC_PRODUCER_SEQ
 *                   through libkstream), which survives daemon restarts;
 *   process mode    until the kernel has it: a table in this process,
 *                   lost when the daemon restarts (then RESUME says
 *                   "unknown" and a resend can duplicate, counted by the
 *                   sender's resume logic, not hidden).
 *
 * bsink_mode() says which is in use.
 */
#ifndef BRIDGE_SINK_H
#define BRIDGE_SINK_H

#include <stdbool.h>
#include <stdint.h>

struct bsink;

enum bsink_mode { BSINK_PROCESS, BSINK_KERNEL };

/* Open @topic for publishing as producer @id (non-blocking).  -errno. */
int bsink_open(struct bsink **s, const char *topic, uint64_t id);
void bsink_close(struct bsink *s);
/* Last committed sequence for the producer: 1 known (*seq set), 0 unknown, -errno. */
int bsink_last_seq(struct bsink *s, uint64_t *seq);
/*
 * Publish one record: 0 committed, 1 discarded as a duplicate (seq not
 * above the last committed), -EAGAIN when a block topic is full (retry
 * the same record once bsink_fd() polls writable), other -errno.
 */
int bsink_publish(struct bsink *s, uint64_t seq, const void *data, uint32_t len);
int bsink_fd(const struct bsink *s);
enum bsink_mode bsink_mode(const struct bsink *s);
/* Records discarded as duplicates by this sink. */
uint64_t bsink_duplicates(const struct bsink *s);
/*
 * Kernel mode: the destination topic's own count of discarded duplicates
 * (KSTREAM_STAT_DROPPED_DUPLICATE, from sysfs; every idempotent producer
 * of the topic, this sink's repeats included): 0 and *n, or -errno
 * (-EOPNOTSUPP in process mode).
 */
int bsink_topic_duplicates(const struct bsink *s, uint64_t *n);

/* Forget the process-mode table (tests). */
void bsink_reset_table(void);

#endif
