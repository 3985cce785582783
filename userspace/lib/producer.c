// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/kstream.h>

#include "libkstream.h"
#include "topic_path.h"

struct ks_producer {
	int fd;
};

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

int ks_publishv(struct ks_producer *p, const struct iovec *iov, int iovcnt)
{
	/* One writev is one message, committed whole or not at all. */
	return writev(p->fd, iov, iovcnt) < 0 ? -errno : 0;
}

int ks_publish_batch(struct ks_producer *p, const struct iovec *msgs,
		     unsigned int n)
{
	unsigned int i;
	int err;

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

int ks_producer_last_seq(struct ks_producer *p, uint64_t id, uint64_t *seq)
{
	struct kstream_producer_query q = { .id = id };

	if (ioctl(p->fd, KSTREAM_IOC_PRODUCER_SEQ, &q))
		return -errno;
	if (!(q.flags & KSTREAM_PRODUCER_KNOWN))
		return 0;
	*seq = q.last_seq;
	return 1;
}

int ks_producer_fd(const struct ks_producer *p)
{
	return p->fd;
}

void ks_producer_close(struct ks_producer *p)
{
	if (!p)
		return;
	close(p->fd);
	free(p);
}
