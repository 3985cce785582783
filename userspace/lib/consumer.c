// SPDX-License-Identifier: GPL-2.0
/*
 * Consumers: by copy (records-mode read(), many messages per syscall) or
 * zero-copy (the ring mapped read-only; view.c has the protocol).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "libkstream.h"
#include "topic_path.h"
#include "view.h"

#define KS_COPY_BUF_MIN (64 * 1024)

struct ks_consumer {
	int fd;
	unsigned int flags;
	bool block_topic;
	/* copy mode: records read but not handed out yet */
	uint8_t *buf;
	size_t buf_size, buf_len, buf_off;
	uint64_t expect, lost;
	/* zero-copy mode */
	void *ring_map;
	size_t ring_len;
	struct kstream_reader_page *page;
	size_t page_len;
	struct ks_view view;
	uint64_t spin_ns;	/* ks_consumer_set_spin() */
};

static int ks_map(struct ks_consumer *c, const struct kstream_fd_info *info)
{
	long psz = sysconf(_SC_PAGESIZE);

	int cfd;

	cfd = ioctl(c->fd, KSTREAM_IOC_CURSOR_FD);
	if (cfd < 0)
		return -errno;
	c->page_len = psz;
	c->page = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
	close(cfd);	/* the mapping keeps what it needs */
	if (c->page == MAP_FAILED) {
		c->page = NULL;
		return -errno;
	}
	c->ring_len = psz + 2 * info->ring_size;
	c->ring_map = mmap(NULL, c->ring_len, PROT_READ, MAP_SHARED, c->fd, 0);
	if (c->ring_map == MAP_FAILED) {
		c->ring_map = NULL;
		return -errno;
	}
	ks_view_init(&c->view, c->ring_map, (uint8_t *)c->ring_map + psz,
		     c->page, info->next_seq);
	return 0;
}

static void ks_consumer_free(struct ks_consumer *c)
{
	if (c->ring_map)
		munmap(c->ring_map, c->ring_len);
	if (c->page)
		munmap(c->page, c->page_len);
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}

int ks_consumer_open(struct ks_consumer **cp, const char *topic,
		     unsigned int flags)
{
	struct kstream_fd_info info;
	struct ks_consumer *c;
	__u32 fdflags = KSTREAM_FD_RECORDS | KSTREAM_FD_ORIGIN;
	int err;

	if (flags & ~(KS_NONBLOCK | KS_ZEROCOPY))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->flags = flags;
	c->fd = ks_topic_open(topic, O_RDONLY | (flags & KS_NONBLOCK ? O_NONBLOCK : 0));
	if (c->fd < 0) {
		err = c->fd;
		c->fd = -1;
		goto fail;
	}
	if (ioctl(c->fd, KSTREAM_IOC_INFO, &info)) {
		err = -errno;
		goto fail;
	}
	c->block_topic = info.policy == KSTREAM_POLICY_BLOCK;
	if (flags & KS_ZEROCOPY) {
		err = ks_map(c, &info);
		if (err)
			goto fail;
	} else {
		/* Records with their origin (a kernel before origins: without). */
		if (ioctl(c->fd, KSTREAM_IOC_SET_FLAGS, &fdflags)) {
			fdflags = KSTREAM_FD_RECORDS;
			if (errno != EINVAL ||
			    ioctl(c->fd, KSTREAM_IOC_SET_FLAGS, &fdflags)) {
				err = -errno;
				goto fail;
			}
		}
		c->buf_size = KSTREAM_REC_SIZE(info.msg_max +
					       sizeof(struct kstream_msg_origin));
		if (c->buf_size < KS_COPY_BUF_MIN)
			c->buf_size = KS_COPY_BUF_MIN;
		c->buf = malloc(c->buf_size);
		if (!c->buf) {
			err = -ENOMEM;
			goto fail;
		}
		c->expect = info.next_seq;
	}
	*cp = c;
	return 0;
fail:
	ks_consumer_free(c);
	return err;
}

int64_t ks_seek(struct ks_consumer *c, enum ks_whence whence, uint64_t seq)
{
	off_t r;

	switch (whence) {
	case KS_SEEK_LIVE:
		r = lseek(c->fd, 0, SEEK_END);
		break;
	case KS_SEEK_OLDEST:
		r = lseek(c->fd, 0, SEEK_SET);
		break;
	case KS_SEEK_SEQ:
		if (seq > INT64_MAX)
			return -EINVAL;
		r = lseek(c->fd, (off_t)seq, SEEK_SET);
		break;
	default:
		return -EINVAL;
	}
	if (r < 0)
		return -errno;
	if (c->flags & KS_ZEROCOPY) {
		ks_view_sync(&c->view, r);
	} else {
		c->buf_len = c->buf_off = 0;
		c->expect = r;
	}
	return r;
}

int ks_consumer_set_wakeup(struct ks_consumer *c, uint32_t bytes,
			   int max_delay_ms)
{
	struct kstream_wakeup w = { .bytes = bytes };

	if (bytes && max_delay_ms <= 0)
		return -EINVAL;
	if (bytes) {
		if ((uint64_t)max_delay_ms * 1000 > KSTREAM_WAKEUP_DELAY_MAX_US)
			return -EINVAL;
		w.max_delay_us = (uint32_t)max_delay_ms * 1000;
	}
	/* The kernel bounds the delay, for read() and poll() alike. */
	if (ioctl(c->fd, KSTREAM_IOC_SET_WAKEUP_DELAY, &w))
		return -errno;
	return 0;
}

/*
 * Wait for data (the kernel wakes us no later than the coalescing delay
 * when something is pending): 1 when woken, -EPIPE if the topic is gone
 * (the caller rechecks data).
 * POLLERR: the fd lost its right to subscribe; FIONREAD says so (-EACCES)
 * without touching the ring, whose pages are no longer served.
 */
static int ks_wait(struct ks_consumer *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	int n;

	n = poll(&pfd, 1, -1);
	if (n < 0)
		return -errno;
	if (pfd.revents & POLLERR)
		return ioctl(c->fd, FIONREAD, &n) ? -errno : -EIO;
	return pfd.revents & POLLHUP ? -EPIPE : 1;
}

static uint64_t ks_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline void ks_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

/*
 * The adaptive wait's first half: look at the ring for up to spin_ns
 * (reading the clock every 64 looks).  True if a message came.
 */
static bool ks_spin(struct ks_consumer *c)
{
	uint64_t t0 = ks_now_ns();
	unsigned int i;

	do {
		for (i = 0; i < 64; i++) {
			if (ks_view_ready(&c->view))
				return true;
			ks_cpu_relax();
		}
	} while (ks_now_ns() - t0 < c->spin_ns);
	return false;
}

int ks_consumer_set_spin(struct ks_consumer *c, uint32_t spin_us)
{
	if (!(c->flags & KS_ZEROCOPY))
		return -EINVAL;
	c->spin_ns = (uint64_t)spin_us * 1000;
	return 0;
}

static int ks_next_zerocopy(struct ks_consumer *c, struct ks_msg *m)
{
	int r, gone = 0;

	/* Released through ks_release(): producers may wait for it. */
	if (c->view.held)
		ks_release(c);
	for (;;) {
		r = ks_view_next(&c->view, m);
		if (r)
			return r;
		if (gone)
			return -EPIPE;	/* deleted, and we consumed it all */
		/* Deleted: look once more, the final head is visible now. */
		if (ks_view_deleted(&c->view)) {
			gone = 1;
			continue;
		}
		if (c->flags & KS_NONBLOCK)
			return 0;
		if (c->spin_ns && !gone && ks_spin(c))
			continue;
		r = ks_wait(c);
		if (r == -EPIPE)
			gone = 1;
		else if (r < 0)
			return r;
	}
}

static int ks_next_copy(struct ks_consumer *c, struct ks_msg *m)
{
	const struct kstream_msg_hdr *h;
	ssize_t n;

	if (c->buf_off >= c->buf_len) {
		/* A coalescing delay is bounded by the kernel, read() too. */
		n = read(c->fd, c->buf, c->buf_size);
		if (n == 0)
			return -EPIPE;
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		c->buf_len = n;
		c->buf_off = 0;
	}
	h = (const void *)(c->buf + c->buf_off);
	c->buf_off += KSTREAM_REC_SIZE(h->len);
	if (h->seq > c->expect)
		c->lost += h->seq - c->expect;
	c->expect = h->seq + 1;
	m->data = kstream_msg_payload(h);
	m->len = kstream_msg_payload_len(h);
	m->seq = h->seq;
	m->ts_ns = h->ts_ns;
	m->producer_id = 0;
	m->producer_seq = 0;
	if (h->flags & KSTREAM_MSG_ORIGIN) {
		const struct kstream_msg_origin *o = (const void *)(h + 1);

		m->producer_id = o->producer_id;
		m->producer_seq = o->producer_seq;
	}
	return 1;
}

int ks_next(struct ks_consumer *c, struct ks_msg *m)
{
	if (c->flags & KS_ZEROCOPY)
		return ks_next_zerocopy(c, m);
	return ks_next_copy(c, m);
}

int ks_release(struct ks_consumer *c)
{
	int r;

	if (!(c->flags & KS_ZEROCOPY))
		return 0;
	if (!c->view.held)
		return 0;
	r = ks_view_release(&c->view);
	/* Block topics: producers may wait for the room we just made. */
	if (c->block_topic && ks_view_must_wake(&c->view))
		ioctl(c->fd, KSTREAM_IOC_WAKEUP);
	return r;
}

uint64_t ks_lost(const struct ks_consumer *c)
{
	return c->flags & KS_ZEROCOPY ? c->view.lost : c->lost;
}

int ks_consumer_fd(const struct ks_consumer *c)
{
	return c->fd;
}

void ks_consumer_close(struct ks_consumer *c)
{
	if (c)
		ks_consumer_free(c);
}
