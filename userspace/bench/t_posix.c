// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's own IPC, as an application fans a stream out with it: one
 * channel per reader, and the producer sends each message to every
 * channel.  Each channel gets the same buffer budget as a kstream topic's
 * ring in the suite (BENCH_BUDGET), as far as the API allows.
 *
 *   pipe    a pipe per reader (F_SETPIPE_SZ); fixed-size messages, so the
 *           reader reads exactly one message's bytes
 *   unix    an AF_UNIX SOCK_SEQPACKET socket pair per reader (SO_SNDBUF)
 *   mq      a POSIX message queue per reader (mq_maxmsg = budget / size)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "bench.h"


enum px_kind { PX_PIPE, PX_UNIX, PX_MQ };

struct bench_reader {
	struct bench_stream *s;
	int rfd;		/* read end / mq descriptor */
	int wfd;		/* write end / mq descriptor */
	uint8_t *buf;
};

struct bench_prod {
	struct bench_stream *s;
};

struct bench_stream {
	struct bench_cfg cfg;
	enum px_kind kind;
	struct bench_reader *ch;
	struct bench_prod prod;
	char mq_name[64];
};

static int px_init_mq(void)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	/*
	 * Queues count against RLIMIT_MSGQUEUE (800 KiB by default): lift it
	 * (root), or at least up to the hard limit.
	 */
	if (!setrlimit(RLIMIT_MSGQUEUE, &rl))
		return 0;
	if (getrlimit(RLIMIT_MSGQUEUE, &rl))
		return -errno;
	rl.rlim_cur = rl.rlim_max;
	return setrlimit(RLIMIT_MSGQUEUE, &rl) ? -errno : 0;
}

static int px_open(const struct bench_cfg *cfg, enum px_kind kind,
		   struct bench_stream **sp)
{
	struct bench_stream *s;
	unsigned int i;

	/* Writes of more than PIPE_BUF bytes to a pipe are not atomic. */
	if (kind == PX_PIPE && cfg->producers > 1 && cfg->size > PIPE_BUF)
		return -EOPNOTSUPP;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	s->kind = kind;
	s->prod.s = s;
	s->ch = calloc(cfg->readers, sizeof(*s->ch));
	if (!s->ch) {
		free(s);
		return -ENOMEM;
	}
	for (i = 0; i < cfg->readers; i++)
		s->ch[i].rfd = s->ch[i].wfd = -1;
	*sp = s;
	return 0;
}

static int px_open_pipe(const struct bench_cfg *cfg, struct bench_stream **s)
{
	return px_open(cfg, PX_PIPE, s);
}

static int px_open_unix(const struct bench_cfg *cfg, struct bench_stream **s)
{
	return px_open(cfg, PX_UNIX, s);
}

static int px_open_mq(const struct bench_cfg *cfg, struct bench_stream **s)
{
	return px_open(cfg, PX_MQ, s);
}

static int px_channel(struct bench_stream *s, struct bench_reader *ch,
		      unsigned int idx)
{
	int fds[2], budget = BENCH_BUDGET;
	struct mq_attr attr = { 0 };

	switch (s->kind) {
	case PX_PIPE:
		if (pipe2(fds, O_CLOEXEC))
			return -errno;
		ch->rfd = fds[0];
		ch->wfd = fds[1];
		if (fcntl(fds[1], F_SETPIPE_SZ, budget) < 0)
			return -errno;
		return 0;
	case PX_UNIX:
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds))
			return -errno;
		ch->wfd = fds[0];
		ch->rfd = fds[1];
		/* Capped by net.core.wmem_max unless raised (the suite does). */
		if (setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &budget, sizeof(budget)))
			return -errno;
		return 0;
	case PX_MQ:
		snprintf(s->mq_name, sizeof(s->mq_name), "/%s.%u", s->cfg.name, idx);
		mq_unlink(s->mq_name);
		attr.mq_msgsize = s->cfg.size;
		attr.mq_maxmsg = BENCH_BUDGET / s->cfg.size;
		if (attr.mq_maxmsg < 2)
			attr.mq_maxmsg = 2;
		ch->rfd = mq_open(s->mq_name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
				  0600, &attr);
		if (ch->rfd < 0)
			return -errno;
		mq_unlink(s->mq_name);	/* gone when closed */
		ch->wfd = ch->rfd;
		return 0;
	}
	return -EINVAL;
}

static int px_reader(struct bench_stream *s, unsigned int idx,
		     struct bench_reader **rp)
{
	struct bench_reader *ch = &s->ch[idx];
	int err;

	ch->s = s;
	ch->buf = malloc(s->cfg.size);
	if (!ch->buf)
		return -ENOMEM;
	err = px_channel(s, ch, idx);
	if (!err)
		*rp = ch;
	return err;
}

static int px_producer(struct bench_stream *s, unsigned int idx,
		       struct bench_prod **pp)
{
	(void)idx;
	*pp = &s->prod;
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int px_send(struct bench_prod *p, const void *buf, size_t len)
{
	struct bench_stream *s = p->s;
	unsigned int i;
	int err = 0;

	for (i = 0; i < s->cfg.readers && !err; i++) {
		switch (s->kind) {
		case PX_PIPE:
			err = write_all(s->ch[i].wfd, buf, len);
			break;
		case PX_UNIX:
			if (send(s->ch[i].wfd, buf, len, 0) != (ssize_t)len)
				err = -errno;
			break;
		case PX_MQ:
			if (mq_send(s->ch[i].wfd, buf, len, 0))
				err = -errno;
			break;
		}
	}
	return err;
}

static int px_recv(struct bench_reader *ch, struct bench_msg *m)
{
	size_t size = ch->s->cfg.size, got = 0;
	ssize_t n;

	switch (ch->s->kind) {
	case PX_PIPE:
		while (got < size) {
			n = read(ch->rfd, ch->buf + got, size - got);
			if (n <= 0)
				return n < 0 ? -errno : -EPIPE;
			got += n;
		}
		break;
	case PX_UNIX:
		n = recv(ch->rfd, ch->buf, size, 0);
		if (n < 0)
			return -errno;
		got = n;
		break;
	case PX_MQ:
		n = mq_receive(ch->rfd, (char *)ch->buf, size, NULL);
		if (n < 0)
			return -errno;
		got = n;
		break;
	}
	m->data = ch->buf;
	m->len = got;
	return 0;
}

static void px_release(struct bench_reader *ch)
{
	(void)ch;
}

static void px_close(struct bench_stream *s)
{
	unsigned int i;

	for (i = 0; i < s->cfg.readers; i++) {
		if (s->ch[i].rfd >= 0)
			close(s->ch[i].rfd);
		if (s->ch[i].wfd >= 0 && s->ch[i].wfd != s->ch[i].rfd)
			close(s->ch[i].wfd);
		free(s->ch[i].buf);
	}
	free(s->ch);
	free(s);
}

#define PX_TRANSPORT(tname, tdesc, tinit, topen)			\
	{								\
		.name = tname, .desc = tdesc, .init = tinit,		\
		.open = topen, .reader = px_reader,			\
		.producer = px_producer, .send = px_send,		\
		.recv = px_recv, .release = px_release,			\
		.close = px_close,					\
	}

const struct bench_transport bench_pipe =
	PX_TRANSPORT("pipe", "a pipe per reader", NULL, px_open_pipe);
const struct bench_transport bench_unix =
	PX_TRANSPORT("unix", "AF_UNIX SOCK_SEQPACKET pair per reader", NULL, px_open_unix);
const struct bench_transport bench_mq =
	PX_TRANSPORT("mq", "POSIX message queue per reader", px_init_mq, px_open_mq);
