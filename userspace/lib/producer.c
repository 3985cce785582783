// SPDX-License-Identifier: GPL-2.0
/*
 * Producers: one message per write(2), or batches of records
 * (KSTREAM_FD_BATCH: uapi/linux/kstream.h, Batch publish).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/kstream.h>

#include "libkstream.h"
#include "topic_path.h"

#define KS_HDR sizeof(struct kstream_msg_hdr)

struct ks_producer {
	int fd;
	/* ks_producer_batch_init(): */
	bool batching;
	bool kbatch;		/* the fd has KSTREAM_FD_BATCH */
	unsigned int max_msgs;
	size_t max_bytes;
	uint64_t linger_ns;
	/* the batch: n records in buf[0..len) */
	uint8_t *buf;
	size_t cap, len;
	unsigned int n;
	uint64_t first_ns;	/* when its oldest message was added */
	uint64_t sent;		/* records the kernel took, in all */
};

static uint64_t ks_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int ks_producer_open(struct ks_producer **pp, const char *topic,
		     unsigned int flags)
{
	struct ks_producer *p;
	int err;

	if (flags & ~KS_NONBLOCK)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->fd = ks_topic_open(topic, O_WRONLY | (flags & KS_NONBLOCK ? O_NONBLOCK : 0));
	if (p->fd < 0) {
		err = p->fd;
		free(p);
		return err;
	}
	*pp = p;
	return 0;
}

int ks_publish(struct ks_producer *p, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	return ks_publishv(p, &iov, 1);
}

/* One message as one record (a batch of one), on a KSTREAM_FD_BATCH fd. */
static int ks_publish_record(struct ks_producer *p, const struct iovec *iov,
			     int iovcnt)
{
	static const uint8_t zeros[KSTREAM_REC_ALIGN];
	struct kstream_msg_hdr h = { 0 };
	struct iovec small[16], *v = small;
	size_t len = 0;
	ssize_t n;
	int i;

	if (iovcnt < 0 || iovcnt > IOV_MAX - 2)
		return -EINVAL;
	if (iovcnt + 2 > (int)(sizeof(small) / sizeof(small[0]))) {
		v = calloc(iovcnt + 2, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	for (i = 0; i < iovcnt; i++) {
		len += iov[i].iov_len;
		v[i + 1] = iov[i];
	}
	/* The kernel refuses what does not fit its header (EMSGSIZE). */
	h.len = len > UINT32_MAX - KSTREAM_REC_ALIGN ? UINT32_MAX - KSTREAM_REC_ALIGN : len;
	v[0] = (struct iovec){ .iov_base = &h, .iov_len = KS_HDR };
	v[iovcnt + 1] = (struct iovec){ .iov_base = (void *)zeros,
					.iov_len = KSTREAM_REC_SIZE(h.len) - KS_HDR - h.len };
	n = writev(p->fd, v, iovcnt + 2);
	if (v != small)
		free(v);
	return n < 0 ? -errno : 0;
}

int ks_publishv(struct ks_producer *p, const struct iovec *iov, int iovcnt)
{
	int err;

	if (p->batching) {
		/* What was batched before goes first. */
		err = ks_producer_batch_flush(p);
		if (err)
			return err;
		if (p->kbatch)
			return ks_publish_record(p, iov, iovcnt);
	}
	/* One writev is one message, committed whole or not at all. */
	return writev(p->fd, iov, iovcnt) < 0 ? -errno : 0;
}

int ks_publish_batch(struct ks_producer *p, const struct iovec *msgs,
		     unsigned int n)
{
	uint64_t sent;
	unsigned int i;
	int err;

	if (p->batching) {
		/* As many messages per write(2) as the batch holds. */
		err = ks_producer_batch_flush(p);
		if (err)
			return err;
		sent = p->sent;
		for (i = 0; i < n && !err; i++)
			err = ks_producer_batch_add(p, msgs[i].iov_base,
						    msgs[i].iov_len);
		if (!err)
			err = ks_producer_batch_flush(p);
		if (!err)
			return n;
		/* Stop at the first failure: the rest is not sent later. */
		p->len = 0;
		p->n = 0;
		return p->sent > sent ? (int)(p->sent - sent) : err;
	}
	for (i = 0; i < n; i++) {
		err = ks_publishv(p, &msgs[i], 1);
		if (err)
			return i ? (int)i : err;
	}
	return n;
}

int ks_producer_set_id(struct ks_producer *p, uint64_t id, uint64_t next_seq)
{
	struct kstream_producer kp = { .id = id, .next_seq = next_seq };

	return ioctl(p->fd, KSTREAM_IOC_SET_PRODUCER, &kp) ? -errno : 0;
}

static int producer_query(struct ks_producer *p, uint64_t id, struct kstream_producer_query *q)
{
	*q = (struct kstream_producer_query){ .id = id };
	return ioctl(p->fd, KSTREAM_IOC_PRODUCER_SEQ, q) ? -errno : 0;
}

int ks_producer_last_seq(struct ks_producer *p, uint64_t id, uint64_t *seq)
{
	struct kstream_producer_query q;
	int err = producer_query(p, id, &q);

	if (err)
		return err;
	if (!(q.flags & KSTREAM_PRODUCER_KNOWN))
		return 0;
	*seq = q.last_seq;
	return 1;
}

int ks_producer_evicted(struct ks_producer *p, uint64_t id)
{
	struct kstream_producer_query q;
	int err = producer_query(p, id, &q);

	return err ? err : !!(q.flags & KSTREAM_PRODUCER_EVICTED);
}

int ks_producer_fd(const struct ks_producer *p)
{
	return p->fd;
}

void ks_producer_close(struct ks_producer *p)
{
	if (!p)
		return;
	if (p->batching)
		ks_producer_batch_flush(p);
	close(p->fd);
	free(p->buf);
	free(p);
}

/* ---------------------------------------------------------- batching */

int ks_producer_batch_init(struct ks_producer *p, unsigned int max_msgs,
			   size_t max_bytes, uint32_t linger_us)
{
	__u32 flags;

	if (!max_msgs || max_bytes < KSTREAM_REC_SIZE(1))
		return -EINVAL;
	if (!p->batching) {
		if (ioctl(p->fd, KSTREAM_IOC_GET_FLAGS, &flags))
			return -errno;
		flags |= KSTREAM_FD_BATCH;
		if (!ioctl(p->fd, KSTREAM_IOC_SET_FLAGS, &flags))
			p->kbatch = true;
		else if (errno != EINVAL)	/* EINVAL: a kernel without it */
			return -errno;
	}
	p->batching = true;
	p->max_msgs = max_msgs;
	p->max_bytes = max_bytes;
	p->linger_ns = (uint64_t)linger_us * 1000;
	return 0;
}

unsigned int ks_producer_batch_pending(const struct ks_producer *p)
{
	return p->n;
}

int ks_producer_batch_timeout_ms(const struct ks_producer *p)
{
	uint64_t age;

	if (!p->n)
		return -1;
	age = ks_now_ns() - p->first_ns;
	if (age >= p->linger_ns)
		return 0;
	/* Rounded up: poll() must not wake before it is due. */
	return (int)((p->linger_ns - age + 999999) / 1000000);
}

/* The first @bytes of the batch are done with: drop them (and @msgs). */
static void ks_batch_consume(struct ks_producer *p, size_t bytes,
			     unsigned int msgs)
{
	memmove(p->buf, p->buf + bytes, p->len - bytes);
	p->len -= bytes;
	/* first_ns stays: the oldest left is no older than it (bound kept). */
	p->n -= msgs;
}

/* Records in the first @bytes of the batch (whole ones: the kernel's). */
static unsigned int ks_batch_count(const struct ks_producer *p, size_t bytes)
{
	const struct kstream_msg_hdr *h;
	unsigned int n = 0;
	size_t off = 0;

	while (off < bytes) {
		h = (const void *)(p->buf + off);
		off += KSTREAM_REC_SIZE(h->len);
		n++;
	}
	return n;
}

/* The kernel without batches: one write(2) per record's payload. */
static ssize_t ks_batch_write_one(struct ks_producer *p)
{
	const struct kstream_msg_hdr *h = (const void *)p->buf;

	if (write(p->fd, h + 1, h->len) < 0)
		return -errno;
	return KSTREAM_REC_SIZE(h->len);
}

int ks_producer_batch_flush(struct ks_producer *p)
{
	unsigned int i;
	ssize_t n;

	while (p->len) {
		if (p->kbatch) {
			n = write(p->fd, p->buf, p->len);
			if (n < 0)
				n = -errno;
		} else {
			n = ks_batch_write_one(p);
		}
		if (n < 0) {
			/* A message the topic never takes would block the rest. */
			if (n == -EMSGSIZE || n == -EINVAL)
				ks_batch_consume(p, KSTREAM_REC_SIZE(((const struct kstream_msg_hdr *)
								      p->buf)->len), 1);
			return (int)n;
		}
		i = ks_batch_count(p, n);
		p->sent += i;
		ks_batch_consume(p, n, i);
	}
	return 0;
}

int ks_producer_batch_add(struct ks_producer *p, const void *buf, size_t len)
{
	struct kstream_msg_hdr *h;
	uint64_t now;
	size_t rec;
	int err;

	if (!p->batching || !len || len > UINT32_MAX - KSTREAM_REC_ALIGN)
		return -EINVAL;
	rec = KSTREAM_REC_SIZE(len);
	/* It would take the batch beyond max_bytes: send what is there. */
	if (p->n && p->len + rec > p->max_bytes) {
		err = ks_producer_batch_flush(p);
		if (err)
			return err;
	}
	if (p->len + rec > p->cap) {
		size_t cap = p->max_bytes > p->len + rec ? p->max_bytes : p->len + rec;
		uint8_t *nb = realloc(p->buf, cap);

		if (!nb)
			return -ENOMEM;
		p->buf = nb;
		p->cap = cap;
	}
	h = (void *)(p->buf + p->len);
	memset(h, 0, KS_HDR);
	h->len = len;
	memcpy(h + 1, buf, len);
	memset((uint8_t *)(h + 1) + len, 0, rec - KS_HDR - len);
	p->len += rec;
	now = ks_now_ns();
	if (!p->n++)
		p->first_ns = now;
	if (p->n >= p->max_msgs || now - p->first_ns >= p->linger_ns)
		return ks_producer_batch_flush(p);
	return 0;
}
