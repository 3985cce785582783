/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The write path (publish.c): one write(2) is one message, or a batch of
 * records; the ingress verdict point; room on block topics and producer
 * wakeups.  publish.c's
 * top comment says what it may call and which locks it takes.
 */
#ifndef _KSTREAM_PUBLISH_H
#define _KSTREAM_PUBLISH_H

#include <linux/types.h>
#include <linux/uio.h>

struct kstream_file;
struct kstream_topic;

ssize_t kstream_publish(struct kstream_file *kf, struct iov_iter *from,
			bool nonblock);
bool kstream_writable(struct kstream_topic *t, u64 need);
void kstream_wake_writers(struct kstream_topic *t);
/*
 * A reader of a block topic release-stored its position @to, coming from
 * @from: wake the producers if it passed the position they wait for
 * (publish.c's top comment has the protocol).  No lock held.
 */
void kstream_reader_passed(struct kstream_topic *t, u64 from, u64 to);

#endif /* _KSTREAM_PUBLISH_H */
