// SPDX-License-Identifier: GPL-2.0
/*
 * The wakeup protocol under stress (Documentation/design.rst, "The wakeup
 * protocol"): every kind of waiter of the protocol's table, on block and
 * overwrite topics, 1 to 8 readers, a producer that fills the ring, many
 * iterations.  Every reader checks every message it gets (order, payload
 * checksum; exact on block topics, losses only on overwrite ones), and a
 * watchdog fails the run as soon as any wait outlasts its documented bound
 * by more than a second, after dumping the ring, every reader's state and
 * the kernel stacks of every thread.
 *
 * KST_WAKEUP_ITERS sets the number of iterations (default 200, what the
 * VM suite runs, about 15 s under TCG; make stress-wakeup runs thousands).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "ksft_kstream.h"
#include <libkstream.h>

#define RING		(16 * 1024)
#define MSG_MAX		1024
#define NMSG		1500
#define MAX_READERS	8
#define DELAY_MS	50	/* the threshold readers' bound */
#define SLACK_MS	1000	/* the "1 s beyond its bound" */
/*
 * The watchdog looks every 20 ms; a look this much later means the guest
 * did not run the watchdog itself (its own timer was late: a starved
 * vCPU), so what it saw before is not known to have held in between.
 */
#define HELD_OFF_MS	250

/* Every waiter of the protocol table, as an application uses it. */
enum kind {
	K_READ,		/* blocking read() */
	K_READ_THR,	/* blocking read(), threshold + kernel delay */
	K_POLL,		/* poll() + non-blocking read() */
	K_EPOLL_ET,	/* edge-triggered epoll + non-blocking read() */
	K_ZC,		/* libkstream zero-copy consumer */
	K_ZC_THR,	/* the same with a threshold + delay */
	K_COPY_THR,	/* libkstream copy consumer with a threshold + delay */
	K_NKINDS,
};

static const char *const kind_name[K_NKINDS] = {
	"read", "read+threshold", "poll", "epoll-et", "zerocopy",
	"zerocopy+threshold", "copy+threshold",
};

struct waiter {
	_Atomic __u64 since_ns;	/* when the current wait began; 0: not waiting */
	const char *what;
	_Atomic pid_t tid;	/* the waiting thread */
	/*
	 * The watchdog's: since when the waiter has been seen asleep (not
	 * runnable: a starved thread is no stall) while what it waits for
	 * was there (a record pending; for the producer, every reader
	 * caught up, so room).  0: not seen so.
	 */
	__u64 stuck_since_ns;
};

struct run;

struct rdr {
	struct run *run;
	enum kind kind;
	int fd, ep;
	struct ks_consumer *c;
	struct waiter w;
	__u64 got, lost, next;	/* next: index expected */
	__u64 max_wait_ms;
	char err[160];
	pthread_t thr;
};

struct run {
	char topic[32];
	int policy, nreaders;
	struct rdr r[MAX_READERS];
	int wfd;
	struct waiter pw;	/* the producer */
	__u64 max_write_ms;
	char perr[160];
	bool batch;		/* the producer writes batches (KSTREAM_FD_BATCH) */
	__u64 bound_ms;
	atomic_int stop;	/* the watchdog fired */
	int held_off;		/* the watchdog's looks came HELD_OFF_MS late */
	__u64 max_gap_ms;	/* its longest gap between two looks */
};

/* A message: its index, a checksum of the rest, filler from the index. */
static size_t msg_len(__u64 i)
{
	return 16 + (i * 2654435761u) % (600 - 16);
}

static __u64 sum(const unsigned char *p, size_t n)
{
	__u64 h = 1469598103934665603ull;

	while (n--)
		h = (h ^ *p++) * 1099511628211ull;
	return h;
}

static void fill(unsigned char *buf, __u64 i, size_t len)
{
	__u64 s;
	size_t k;

	for (k = 16; k < len; k++)
		buf[k] = (unsigned char)(i * 31 + k);
	memcpy(buf, &i, 8);
	s = sum(buf + 16, len - 16);
	memcpy(buf + 8, &s, 8);
}

static void wait_begin(struct waiter *w, const char *what)
{
	w->what = what;
	if (!atomic_load(&w->tid))
		atomic_store(&w->tid, gettid());
	atomic_store(&w->since_ns, kst_now_ns(CLOCK_MONOTONIC));
}

static __u64 wait_end(struct waiter *w)
{
	__u64 t0 = atomic_exchange(&w->since_ns, 0);

	return (kst_now_ns(CLOCK_MONOTONIC) - t0) / 1000000;
}

/* Check one message; 1 when it was the last one, -1 on a failure. */
static int check(struct run *run, struct rdr *r, const void *p, size_t len)
{
	__u64 i, s;

	if (len < 16) {
		snprintf(r->err, sizeof(r->err), "short message: %zu bytes", len);
		return -1;
	}
	memcpy(&i, p, 8);
	memcpy(&s, (const char *)p + 8, 8);
	if (len != msg_len(i) || s != sum((const unsigned char *)p + 16, len - 16)) {
		snprintf(r->err, sizeof(r->err), "message %llu: %zu bytes, bad payload", i, len);
		return -1;
	}
	if (i < r->next || (i > r->next && run->policy == KSTREAM_POLICY_BLOCK)) {
		snprintf(r->err, sizeof(r->err), "got message %llu, expected %llu", i, r->next);
		return -1;
	}
	r->lost += i - r->next;
	r->next = i + 1;
	r->got++;
	return i == NMSG - 1;
}

static void note_wait(struct rdr *r)
{
	__u64 ms = wait_end(&r->w);

	if (ms > r->max_wait_ms)
		r->max_wait_ms = ms;
}

/* read()-style readers: one message per read, or EAGAIN. */
static int read_one(struct run *run, struct rdr *r, unsigned char *buf)
{
	ssize_t n = read(r->fd, buf, MSG_MAX);

	if (n < 0 && errno == EAGAIN)
		return 2;
	if (n <= 0) {
		snprintf(r->err, sizeof(r->err), "read: %zd (%s)", n, strerror(errno));
		return -1;
	}
	return check(run, r, buf, n);
}

static void *reader_thread(void *arg)
{
	struct rdr *r = arg;
	struct run *run = r->run;
	unsigned char buf[MSG_MAX];
	struct epoll_event ev;
	struct pollfd pfd;
	struct ks_msg m;
	int ret = 0;

	while (!ret && !atomic_load(&run->stop)) {
		switch (r->kind) {
		case K_READ:
		case K_READ_THR:
			wait_begin(&r->w, "read()");
			ret = read_one(run, r, buf);
			note_wait(r);
			break;
		case K_POLL:
		case K_EPOLL_ET:
			ret = read_one(run, r, buf);
			if (ret != 2)
				break;
			ret = 0;
			wait_begin(&r->w, r->kind == K_POLL ? "poll()" : "epoll_wait()");
			if (r->kind == K_POLL) {
				pfd = (struct pollfd){ .fd = r->fd, .events = POLLIN };
				if (poll(&pfd, 1, -1) != 1)
					ret = -1;
			} else if (epoll_wait(r->ep, &ev, 1, -1) != 1) {
				ret = -1;
			}
			note_wait(r);
			if (ret)
				snprintf(r->err, sizeof(r->err), "wait: %s", strerror(errno));
			break;
		default:
			wait_begin(&r->w, "ks_next()");
			ret = ks_next(r->c, &m);
			note_wait(r);
			if (ret != 1) {
				snprintf(r->err, sizeof(r->err), "ks_next: %d", ret);
				ret = -1;
				break;
			}
			/* Overwrite topics: the bytes count once released. */
			memcpy(buf, m.data, m.len);
			if (ks_release(r->c) == -ESTALE) {
				ret = 0;	/* lapped while held: lost */
				break;
			}
			ret = check(run, r, buf, m.len);
			break;
		}
	}
	return NULL;
}

/*
 * The batching producer: up to BATCH messages per write(2), as records;
 * a blocking batch waits for room record by record (and is woken by the
 * same protocol), and returns when all of them are in.
 */
#define BATCH 8

static void *batch_producer(struct run *run)
{
	static __thread unsigned char buf[BATCH * (MSG_MAX + 32)];
	__u64 i = 0, ms;
	ssize_t n;

	while (i < NMSG && !atomic_load(&run->stop)) {
		size_t len = 0, off = 0;
		__u64 k;

		for (k = i; k < NMSG && k < i + BATCH; k++) {
			struct kstream_msg_hdr h = { .len = msg_len(k) };

			memcpy(buf + len, &h, sizeof(h));
			fill(buf + len + sizeof(h), k, msg_len(k));
			len += KSTREAM_REC_SIZE(msg_len(k));
		}
		wait_begin(&run->pw, "write() of a batch");
		n = write(run->wfd, buf, len);
		ms = wait_end(&run->pw);
		if (ms > run->max_write_ms)
			run->max_write_ms = ms;
		if (n != (ssize_t)len) {
			snprintf(run->perr, sizeof(run->perr), "batch at %llu: %zd of %zu (%s)",
				 i, n, len, strerror(errno));
			break;
		}
		for (; off < len; i++)
			off += KSTREAM_REC_SIZE(msg_len(i));
	}
	return NULL;
}

static void *producer_thread(void *arg)
{
	struct run *run = arg;
	unsigned char buf[MSG_MAX];
	__u64 i, ms;
	ssize_t n;

	if (run->batch)
		return batch_producer(run);
	for (i = 0; i < NMSG && !atomic_load(&run->stop); i++) {
		fill(buf, i, msg_len(i));
		wait_begin(&run->pw, "write()");
		n = write(run->wfd, buf, msg_len(i));
		ms = wait_end(&run->pw);
		if (ms > run->max_write_ms)
			run->max_write_ms = ms;
		if (n != (ssize_t)msg_len(i)) {
			snprintf(run->perr, sizeof(run->perr), "write %llu: %zd (%s)",
				 i, n, strerror(errno));
			break;
		}
	}
	return NULL;
}

static int reader_fd(const struct rdr *r)
{
	return r->c ? ks_consumer_fd(r->c) : r->fd;
}

static void dump_file(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = 0;
		fprintf(stderr, "%s", buf);
	}
}

/* What a stall looks like: the ring, every reader, every thread's stack. */
static void dump_state(struct run *run)
{
	struct kstream_fd_info info;
	char path[300];
	struct dirent *d;
	DIR *dir;
	int i, fd;

	fprintf(stderr, "# topic %s policy %s, %d readers, bound %llu ms\n",
		run->topic, run->policy == KSTREAM_POLICY_BLOCK ? "block" : "overwrite",
		run->nreaders, run->bound_ms);
	for (i = 0; i < run->nreaders; i++) {
		struct rdr *r = &run->r[i];
		__u64 since = atomic_load(&r->w.since_ns);

		fd = reader_fd(r);
		memset(&info, 0, sizeof(info));
		ioctl(fd, KSTREAM_IOC_INFO, &info);
		fprintf(stderr, "# reader %d tid %d %-18s got %llu next %llu lost %llu; fd next_seq %llu head_seq %llu tail_seq %llu%s%s %llu ms\n",
			i, atomic_load(&r->w.tid), kind_name[r->kind], r->got, r->next, r->lost,
			info.next_seq, info.head_seq, info.tail_seq,
			since ? "; in " : "", since ? r->w.what : "",
			since ? (kst_now_ns(CLOCK_MONOTONIC) - since) / 1000000 : 0);
	}
	fprintf(stderr, "# producer: %s\n", atomic_load(&run->pw.since_ns) ? "in write()" : "not waiting");
	dir = opendir("/proc/self/task");
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		fprintf(stderr, "# task %s:\n", d->d_name);
		snprintf(path, sizeof(path), "/proc/self/task/%s/stack", d->d_name);
		dump_file(path);
	}
	if (dir)
		closedir(dir);
	/* The protocol's tracepoints, when someone enabled them: the tail. */
	fd = open("/sys/kernel/tracing/trace", O_RDONLY);
	if (fd >= 0) {
		static char win[2 * 32768 + 1];
		size_t len = 0;
		ssize_t n;
		char *p;

		while ((n = read(fd, win + len, 32768)) > 0) {
			len += n;
			if (len > 32768) {
				memmove(win, win + len - 32768, 32768);
				len = 32768;
			}
		}
		close(fd);
		win[len] = 0;
		p = strchr(win, '\n');
		if (len && p)
			fprintf(stderr, "# last trace events:\n%s\n", p + 1);
	}
}

/* Is thread @tid asleep (S or D), rather than running or runnable? */
static bool asleep(pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && (p[2] == 'S' || p[2] == 'D');
}

/* Does a record wait at @r's cursor (and head_seq, for the caller)? */
static bool pending(const struct rdr *r, __u64 *head_seq)
{
	struct kstream_fd_info info;

	if (ioctl(reader_fd(r), KSTREAM_IOC_INFO, &info))
		return false;
	*head_seq = info.head_seq;
	return info.next_seq < info.head_seq;
}

/* One look at @w: is it stuck, and since when?  true once past @limit. */
static bool stuck(struct waiter *w, bool cond, __u64 now, __u64 limit)
{
	__u64 since = atomic_load(&w->since_ns);

	if (!since || !cond || !asleep(atomic_load(&w->tid))) {
		w->stuck_since_ns = 0;
		return false;
	}
	if (!w->stuck_since_ns)
		w->stuck_since_ns = now;
	return now - w->stuck_since_ns > limit && now - since > limit;
}

/*
 * The watchdog, until the producer and every reader are done.  A stall is
 * a waiter asleep while what it waits for is there: a reader with a
 * record pending, for longer than its bound (the wakeup delay) + SLACK_MS;
 * the producer while every reader has caught up (so there is room), for
 * longer than that (it has no periodic re-check: only the reader that
 * passes the position it waits for wakes it).  Threads that are runnable but not
 * running (a loaded host, TCG) do not count: that is the scheduler's.
 * Nor does a span in which the watchdog itself was held off longer than
 * HELD_OFF_MS (its own 20 ms sleep came late: the guest was not run, and
 * every timer in it, the wakeup delay's too, was late alike): a stall is
 * a waiter seen asleep at every look, the looks no more than
 * HELD_OFF_MS apart, for longer than its bound.
 */
static int watch(struct run *run, pthread_t prod)
{
	__u64 limit = (run->bound_ms + SLACK_MS) * 1000000ull;
	bool prod_done = false, done[MAX_READERS] = { false };
	__u64 prev = 0;
	int i, left;

	for (;;) {
		__u64 now = kst_now_ns(CLOCK_MONOTONIC), head_seq = 0;
		struct waiter *late = NULL;
		bool all_caught_up = true;

		if (prev && now - prev > (20 + HELD_OFF_MS) * 1000000ull) {
			run->held_off++;
			for (i = 0; i < run->nreaders; i++)
				run->r[i].w.stuck_since_ns = 0;
			run->pw.stuck_since_ns = 0;
		}
		if (prev && (now - prev) / 1000000 > run->max_gap_ms)
			run->max_gap_ms = (now - prev) / 1000000;
		prev = now;

		if (!prod_done)
			prod_done = pthread_tryjoin_np(prod, NULL) == 0;
		left = !prod_done;
		for (i = 0; i < run->nreaders; i++) {
			struct rdr *r = &run->r[i];
			bool p;

			if (!done[i])
				done[i] = pthread_tryjoin_np(r->thr, NULL) == 0;
			left += !done[i];
			if (done[i])
				continue;
			p = pending(r, &head_seq);
			all_caught_up &= !p;
			if (stuck(&r->w, p, now, limit))
				late = &r->w;
		}
		if (!prod_done && stuck(&run->pw, all_caught_up, now,
					limit))
			late = &run->pw;
		if (late) {
			fprintf(stderr, "# STALL: tid %d asleep in %s for %llu ms with what it waits for there (bound %llu ms + %d ms; the watchdog's longest gap between looks %llu ms)\n",
				atomic_load(&late->tid), late->what,
				(now - late->stuck_since_ns) / 1000000,
				run->bound_ms, SLACK_MS, run->max_gap_ms);
			dump_state(run);
			atomic_store(&run->stop, 1);
			return -1;
		}
		if (!left)
			return 0;
		usleep(20000);
	}
}

static int open_reader(struct run *run, struct rdr *r)
{
	struct kstream_wakeup wk = { .bytes = RING / 4, .max_delay_us = DELAY_MS * 1000 };
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	int err;

	r->run = run;
	r->fd = -1;
	r->ep = -1;
	switch (r->kind) {
	case K_ZC:
	case K_ZC_THR:
	case K_COPY_THR:
		err = ks_consumer_open(&r->c, run->topic, r->kind == K_COPY_THR ? 0 : KS_ZEROCOPY);
		if (!err && r->kind != K_ZC)
			err = ks_consumer_set_wakeup(r->c, RING / 4, DELAY_MS);
		return err;
	default:
		break;
	}
	r->fd = kst_open(run->topic, O_RDONLY |
			 (r->kind == K_POLL || r->kind == K_EPOLL_ET ? O_NONBLOCK : 0));
	if (r->fd < 0)
		return r->fd;
	if (r->kind == K_READ_THR && ioctl(r->fd, KSTREAM_IOC_SET_WAKEUP_DELAY, &wk))
		return -errno;
	if (r->kind == K_EPOLL_ET) {
		r->ep = epoll_create1(0);
		if (r->ep < 0 || epoll_ctl(r->ep, EPOLL_CTL_ADD, r->fd, &ev))
			return -errno;
	}
	return 0;
}

static void close_reader(struct rdr *r)
{
	if (r->c)
		ks_consumer_close(r->c);
	if (r->fd >= 0)
		close(r->fd);
	if (r->ep >= 0)
		close(r->ep);
}

FIXTURE(wk) {
	struct kst_nl nl;
};

FIXTURE_SETUP(wk)
{
	int fd;

	kst_fixture_load(_metadata, &self->nl, NULL);
	/*
	 * KST_TRACE=1 (make stress-wakeup): record the protocol's
	 * tracepoints, so a stall's dump ends with the last sleeps and wakes.
	 */
	if (getenv("KST_TRACE")) {
		fd = open("/sys/kernel/tracing/events/kstream/enable", O_WRONLY);
		ASSERT_LE(0, fd) TH_LOG("KST_TRACE: kstream trace events: %s", strerror(errno));
		ASSERT_EQ(1, write(fd, "1", 1));
		close(fd);
	}
}

FIXTURE_TEARDOWN_PARENT(wk)
{
	kst_fixture_unload_parent(_metadata);
}

/*
 * Iteration i: block and overwrite topics in turn, 1, 2, 4, 8 readers in
 * turn, reader kinds rotating so every kind meets every other, one
 * message per write or batches of BATCH in turn.
 */
TEST_F_TIMEOUT(wk, stress, 7200)
{
	const char *env = getenv("KST_WAKEUP_ITERS");
	int iters = env ? atoi(env) : 200;
	__u64 max_read = 0, max_write = 0, lost = 0, max_gap = 0, t0;
	int it, i, held_off = 0;

	t0 = kst_now_ns(CLOCK_MONOTONIC);
	for (it = 0; it < iters; it++) {
		struct run *run = calloc(1, sizeof(*run));
		pthread_t prod;

		ASSERT_NE(NULL, run);
		snprintf(run->topic, sizeof(run->topic), "wk%d", it);
		run->policy = it % 2 ? KSTREAM_POLICY_OVERWRITE : KSTREAM_POLICY_BLOCK;
		run->nreaders = 1 << ((it / 2) % 4);
		run->bound_ms = DELAY_MS;
		KST_MK(run->topic, RING, MSG_MAX, run->policy);
		for (i = 0; i < run->nreaders; i++) {
			run->r[i].kind = (it + i * 3) % K_NKINDS;
			ASSERT_EQ(0, open_reader(run, &run->r[i]))
				TH_LOG("reader %s", kind_name[run->r[i].kind]);
		}
		run->wfd = KST_OPEN(run->topic, O_WRONLY);
		/* Every policy and reader count with and without batches. */
		run->batch = (it / 8) % 2;
		if (run->batch)
			ASSERT_EQ(0, kst_set_flags(run->wfd, KSTREAM_FD_BATCH));
		for (i = 0; i < run->nreaders; i++)
			ASSERT_EQ(0, pthread_create(&run->r[i].thr, NULL, reader_thread, &run->r[i]));
		ASSERT_EQ(0, pthread_create(&prod, NULL, producer_thread, run));
		/* On a stall the process exits with the threads still stuck. */
		ASSERT_EQ(0, watch(run, prod))
			TH_LOG("iteration %d: stalled (state above)", it);
		EXPECT_STREQ("", run->perr);
		for (i = 0; i < run->nreaders; i++) {
			struct rdr *r = &run->r[i];

			EXPECT_STREQ("", r->err) TH_LOG("iteration %d reader %s", it, kind_name[r->kind]);
			EXPECT_EQ(NMSG, r->next) TH_LOG("reader %s", kind_name[r->kind]);
			if (run->policy == KSTREAM_POLICY_BLOCK)
				EXPECT_EQ(NMSG, r->got);
			max_read = r->max_wait_ms > max_read ? r->max_wait_ms : max_read;
			lost += r->lost;
			close_reader(r);
		}
		max_write = run->max_write_ms > max_write ? run->max_write_ms : max_write;
		held_off += run->held_off;
		max_gap = run->max_gap_ms > max_gap ? run->max_gap_ms : max_gap;
		close(run->wfd);
		EXPECT_EQ(0, kst_topic_delete(&self->nl, run->topic));
		free(run);
	}
	TH_LOG("%d iterations in %llu s: longest reader wait %llu ms, longest write %llu ms (bound %d ms + %d ms), %llu messages lost on overwrite topics; the watchdog was held off %d times (longest gap %llu ms)",
	       iters, (kst_now_ns(CLOCK_MONOTONIC) - t0) / 1000000000ull,
	       max_read, max_write, DELAY_MS, SLACK_MS, lost, held_off, max_gap);
}

TEST_HARNESS_MAIN
