// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka tests of libkstream's batching producer (userspace/lib/producer.c)
 * and of its producer-id queries, against a fake kernel: ioctl(), write()
 * and writev() on the producer's fd are answered here (the executable's
 * definitions take precedence over libc's), the way kmod/publish.c
 * answers them: records in the batch framing, a number of records taken,
 * then errors on demand.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <cmocka.h>

#include <linux/kstream.h>

#include "libkstream.h"

#define HDR sizeof(struct kstream_msg_hdr)

/* The fake kernel's state. */
static struct {
	int fd;			/* the producer's fd (others pass through) */
	int batch_known;	/* 0: SET_FLAGS refuses KSTREAM_FD_BATCH */
	__u32 flags;
	int take;		/* records the next write takes; -1: all */
	int fail;		/* errno of a write that takes none; 0: none */
	unsigned int writes;	/* write()/writev() calls */
	unsigned int msgs;	/* messages published */
	unsigned char log[64][64];	/* their payloads (first 64 bytes) */
	size_t len[64];
	/* KSTREAM_IOC_PRODUCER_SEQ: the one id the topic knows */
	__u64 known_id, last_seq;
	__u32 qflags;		/* flags besides KNOWN (EVICTED) */
} k;

static void publish(const void *p, size_t len)
{
	if (k.msgs < 64) {
		memcpy(k.log[k.msgs], p, len < 64 ? len : 64);
		k.len[k.msgs] = len;
	}
	k.msgs++;
}

/* One write of @len bytes at @buf, as publish.c takes it. */
static ssize_t fake_write(const unsigned char *buf, size_t len)
{
	size_t off = 0;
	int n = 0;

	k.writes++;
	if (!(k.flags & KSTREAM_FD_BATCH)) {
		publish(buf, len);
		return len;
	}
	while (off < len && (k.take < 0 || n < k.take)) {
		struct kstream_msg_hdr h;

		assert_true(len - off >= HDR);
		memcpy(&h, buf + off, HDR);
		assert_int_equal(0, h.flags);
		assert_true(KSTREAM_REC_SIZE(h.len) <= len - off);
		publish(buf + off + HDR, h.len);
		off += KSTREAM_REC_SIZE(h.len);
		n++;
	}
	if (!n && k.fail) {
		errno = k.fail;
		return -1;
	}
	if (k.take >= 0)
		k.take = 0;	/* the next write takes none: errors then */
	return off;
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != k.fd)
		return syscall(SYS_ioctl, fd, req, arg);
	switch (req) {
	case KSTREAM_IOC_GET_FLAGS:
		*(__u32 *)arg = k.flags;
		return 0;
	case KSTREAM_IOC_PRODUCER_SEQ: {
		struct kstream_producer_query *q = arg;

		if (!q->id) {
			errno = EINVAL;
			return -1;
		}
		q->last_seq = q->id == k.known_id ? k.last_seq : 0;
		q->flags = q->id == k.known_id ? KSTREAM_PRODUCER_KNOWN | k.qflags : 0;
		return 0;
	}
	case KSTREAM_IOC_SET_FLAGS:
		if ((*(__u32 *)arg & KSTREAM_FD_BATCH) && !k.batch_known) {
			errno = EINVAL;
			return -1;
		}
		k.flags = *(__u32 *)arg;
		return 0;
	default:
		errno = ENOTTY;
		return -1;
	}
}

ssize_t write(int fd, const void *buf, size_t len)
{
	if (fd != k.fd)
		return syscall(SYS_write, fd, buf, len);
	return fake_write(buf, len);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	static unsigned char flat[1 << 16];
	size_t len = 0;
	int i;

	if (fd != k.fd)
		return syscall(SYS_writev, fd, iov, n);
	for (i = 0; i < n; i++) {
		assert_true(len + iov[i].iov_len <= sizeof(flat));
		memcpy(flat + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	return fake_write(flat, len);
}

static struct ks_producer *open_fake(int batch_known)
{
	struct ks_producer *p;

	memset(&k, 0, sizeof(k));
	k.take = -1;
	k.batch_known = batch_known;
	assert_int_equal(0, ks_producer_open(&p, "/dev/null", 0));
	k.fd = ks_producer_fd(p);
	return p;
}

static void msg(char *buf, unsigned int i)
{
	snprintf(buf, 16, "m%u", i);
}

/* Full batches go out in one write; a partial one on flush. */
static void batches_by_count(void **state)
{
	struct ks_producer *p = open_fake(1);
	char b[16];
	unsigned int i;

	(void)state;
	assert_int_equal(0, ks_producer_batch_init(p, 4, 4096, 1000000));
	assert_true(k.flags & KSTREAM_FD_BATCH);
	assert_int_equal(-1, ks_producer_batch_timeout_ms(p));
	for (i = 0; i < 3; i++) {
		msg(b, i);
		assert_int_equal(0, ks_producer_batch_add(p, b, strlen(b)));
	}
	assert_int_equal(0, k.writes);
	assert_int_equal(3, ks_producer_batch_pending(p));
	assert_true(ks_producer_batch_timeout_ms(p) > 0);
	msg(b, 3);
	assert_int_equal(0, ks_producer_batch_add(p, b, strlen(b)));
	assert_int_equal(1, k.writes);
	assert_int_equal(4, k.msgs);
	assert_int_equal(0, ks_producer_batch_pending(p));
	for (i = 0; i < 4; i++) {
		msg(b, i);
		assert_int_equal(strlen(b), k.len[i]);
		assert_memory_equal(b, k.log[i], strlen(b));
	}
	msg(b, 4);
	assert_int_equal(0, ks_producer_batch_add(p, b, strlen(b)));
	assert_int_equal(0, ks_producer_batch_flush(p));
	assert_int_equal(2, k.writes);
	assert_int_equal(5, k.msgs);
	/* ks_publish() on a batching producer: the batch first, in order */
	assert_int_equal(0, ks_producer_batch_add(p, "x", 1));
	assert_int_equal(0, ks_publish(p, "yy", 2));
	assert_int_equal(7, k.msgs);
	assert_memory_equal("x", k.log[5], 1);
	assert_memory_equal("yy", k.log[6], 2);
	ks_producer_close(p);
}

/* max_bytes: a message that would overflow it sends what is there. */
static void batches_by_bytes(void **state)
{
	struct ks_producer *p = open_fake(1);
	char big[400];

	(void)state;
	memset(big, 'b', sizeof(big));
	assert_int_equal(-EINVAL, ks_producer_batch_init(p, 0, 4096, 0));
	assert_int_equal(-EINVAL, ks_producer_batch_init(p, 8, 8, 0));
	assert_int_equal(0, ks_producer_batch_init(p, 100, 2 * KSTREAM_REC_SIZE(100), 1000000));
	assert_int_equal(0, ks_producer_batch_add(p, big, 100));
	assert_int_equal(0, ks_producer_batch_add(p, big, 100));
	assert_int_equal(0, k.writes);
	assert_int_equal(0, ks_producer_batch_add(p, big, 100));	/* flushes two */
	assert_int_equal(1, k.writes);
	assert_int_equal(2, k.msgs);
	assert_int_equal(1, ks_producer_batch_pending(p));
	/* a message bigger than max_bytes: what is there goes first */
	assert_int_equal(0, ks_producer_batch_add(p, big, 300));
	assert_int_equal(2, k.writes);
	assert_int_equal(3, k.msgs);
	ks_producer_close(p);		/* flushes the rest */
	assert_int_equal(4, k.msgs);
	assert_int_equal(300, k.len[3]);
}

/* A linger bound of 0: every message goes at once. */
static void linger_zero(void **state)
{
	struct ks_producer *p = open_fake(1);

	(void)state;
	assert_int_equal(0, ks_producer_batch_init(p, 64, 4096, 0));
	assert_int_equal(0, ks_producer_batch_add(p, "a", 1));
	assert_int_equal(1, k.msgs);
	assert_int_equal(0, ks_producer_batch_add(p, "b", 1));
	assert_int_equal(2, k.msgs);
	assert_int_equal(-EINVAL, ks_producer_batch_add(p, "c", 0));
	ks_producer_close(p);
}

/*
 * The kernel takes part of a batch, then fails: flush reports the error
 * and keeps the rest (a transient error), sends it later; a message the
 * topic can never take (EMSGSIZE) is dropped from the batch.
 */
static void partial_and_errors(void **state)
{
	struct ks_producer *p = open_fake(1);
	char b[16];
	unsigned int i;

	(void)state;
	assert_int_equal(0, ks_producer_batch_init(p, 64, 4096, 1000000));
	for (i = 0; i < 5; i++) {
		msg(b, i);
		assert_int_equal(0, ks_producer_batch_add(p, b, strlen(b)));
	}
	k.take = 2;
	k.fail = EAGAIN;
	assert_int_equal(-EAGAIN, ks_producer_batch_flush(p));
	assert_int_equal(2, k.msgs);
	assert_int_equal(3, ks_producer_batch_pending(p));
	k.take = -1;
	k.fail = 0;
	assert_int_equal(0, ks_producer_batch_flush(p));
	assert_int_equal(5, k.msgs);
	msg(b, 4);
	assert_memory_equal(b, k.log[4], strlen(b));

	assert_int_equal(0, ks_producer_batch_add(p, "too-big", 7));
	assert_int_equal(0, ks_producer_batch_add(p, "fine", 4));
	k.take = 0;
	k.fail = EMSGSIZE;
	assert_int_equal(-EMSGSIZE, ks_producer_batch_flush(p));
	assert_int_equal(1, ks_producer_batch_pending(p));	/* dropped */
	k.take = -1;
	k.fail = 0;
	assert_int_equal(0, ks_producer_batch_flush(p));
	assert_memory_equal("fine", k.log[5], 4);
	ks_producer_close(p);
}

/* ks_publish_batch(): how many were published, stopping at a failure. */
static void publish_batch_counts(void **state)
{
	struct ks_producer *p = open_fake(1);
	struct iovec m[6];
	char b[6][16];
	unsigned int i;

	(void)state;
	for (i = 0; i < 6; i++) {
		msg(b[i], i);
		m[i] = (struct iovec){ .iov_base = b[i], .iov_len = strlen(b[i]) };
	}
	/* not batching: one write per message */
	assert_int_equal(6, ks_publish_batch(p, m, 6));
	assert_int_equal(6, k.writes);
	assert_int_equal(0, ks_producer_batch_init(p, 64, 4096, 1000000));
	assert_int_equal(6, ks_publish_batch(p, m, 6));
	assert_int_equal(7, k.writes);
	assert_int_equal(12, k.msgs);
	k.take = 4;
	k.fail = EAGAIN;
	assert_int_equal(4, ks_publish_batch(p, m, 6));
	assert_int_equal(0, ks_producer_batch_pending(p));	/* not sent later */
	assert_int_equal(-EAGAIN, ks_publish_batch(p, m, 6));
	ks_producer_close(p);
	assert_int_equal(16, k.msgs);
}

/* A kernel without batch publish: the same API, one write per message. */
static void old_kernel(void **state)
{
	struct ks_producer *p = open_fake(0);

	(void)state;
	assert_int_equal(0, ks_producer_batch_init(p, 3, 4096, 1000000));
	assert_false(k.flags & KSTREAM_FD_BATCH);
	assert_int_equal(0, ks_producer_batch_add(p, "one", 3));
	assert_int_equal(0, ks_producer_batch_add(p, "two", 3));
	assert_int_equal(0, ks_producer_batch_add(p, "three", 5));
	assert_int_equal(3, k.writes);
	assert_int_equal(3, k.msgs);
	assert_memory_equal("three", k.log[2], 5);
	assert_int_equal(5, k.len[2]);
	ks_producer_close(p);
}

/* The producer queries decode the kernel's answer; errors pass through. */
static void producer_queries(void **state)
{
	struct ks_producer *p = open_fake(1);
	uint64_t seq = 99;

	(void)state;
	k.known_id = 7;
	k.last_seq = 41;
	assert_int_equal(1, ks_producer_last_seq(p, 7, &seq));
	assert_int_equal(41, seq);
	seq = 99;
	assert_int_equal(0, ks_producer_last_seq(p, 8, &seq));
	assert_int_equal(99, seq);	/* untouched when unknown */
	assert_int_equal(0, ks_producer_evicted(p, 7));
	k.qflags = KSTREAM_PRODUCER_EVICTED;
	assert_int_equal(1, ks_producer_evicted(p, 7));
	assert_int_equal(1, ks_producer_last_seq(p, 7, &seq));
	assert_int_equal(0, ks_producer_evicted(p, 8));
	assert_int_equal(-EINVAL, ks_producer_evicted(p, 0));
	assert_int_equal(-EINVAL, ks_producer_last_seq(p, 0, &seq));
	ks_producer_close(p);
	k.known_id = k.last_seq = k.qflags = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(batches_by_count),
		cmocka_unit_test(batches_by_bytes),
		cmocka_unit_test(linger_zero),
		cmocka_unit_test(partial_and_errors),
		cmocka_unit_test(publish_batch_counts),
		cmocka_unit_test(old_kernel),
		cmocka_unit_test(producer_queries),
	};

	return cmocka_run_group_tests_name("batch_producer", tests, NULL, NULL);
}
