// SPDX-License-Identifier: GPL-2.0
/*
 * Zero-copy consumption: the ring and cursor-page mappings of a topic,
 * libkstream's zero-copy consumer against read(2), lapping on overwrite
 * topics, back-pressure from mmap readers on block topics, invalid mmap
 * requests, a ring nothing can pin, the lifetime of mappings, an
 * untrusted cursor page, wakeups.
 *
 * Runs with kstream unloaded; the fixture loads it and creates topics
 * over generic netlink.  Teardown runs in the parent once the test's
 * process is gone (with every fd, mapping and thread it had), then deletes
 * the topics and unloads the module.
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <liburing.h>

#include "kselftest_harness.h"
#include "ksft_kstream.h"
#include <libkstream.h>

#define HDR sizeof(struct kstream_msg_hdr)
/* Slack allowed between our clock reads and the kernel's timestamps. */
#define TS_SLACK_NS 20000000ULL

#define load_acquire(p)		__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define load_once(p)		__atomic_load_n((p), __ATOMIC_RELAXED)
#define store_once(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define rmb()			__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define mb()			__atomic_thread_fence(__ATOMIC_SEQ_CST)

/* ------------------------------------------------------------ fixture */

FIXTURE(mm) {
	struct kst_nl nl;
};

FIXTURE_SETUP(mm)
{
	kst_fixture_load(_metadata, &self->nl, NULL);
}

/*
 * In the parent, after the test's process exited: its fds, mappings and
 * threads are gone, so the module can go whatever the test left behind.
 */
FIXTURE_TEARDOWN_PARENT(mm)
{
	kst_fixture_unload_parent(_metadata);
}

/* ------------------------------------------------------------ helpers */

static size_t psz(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* mmap(2) returning the address or NULL with -errno in *err. */
static void *map(size_t len, int prot, int flags, int fd, off_t off, int *err)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED) {
		*err = -errno;
		return NULL;
	}
	*err = 0;
	return p;
}

/* The error of an mmap(2) that must fail (0 if it succeeded). */
static int map_err(size_t len, int prot, int flags, int fd, off_t off)
{
	int err;
	void *p = map(len, prot, flags, fd, off, &err);

	if (p)
		munmap(p, len);
	return err;
}

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* Is addr inside a mapping of a /dev/stream/ node (/proc/self/maps)? */
static int in_topic_mapping(const void *addr)
{
	unsigned long a = (unsigned long)addr, lo, hi;
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && a >= lo && a < hi)
			found = strstr(line, KST_DEV_DIR "/") ? 1 : -1;
	fclose(f);
	return found;
}

/*
 * A raw zero-copy reader, following the protocol of the uapi header by
 * hand: the ring mapped read-only from the topic fd, the cursor page from
 * the fd KSTREAM_IOC_CURSOR_FD returns.
 */
struct rmap {
	int fd;			/* the topic fd (a reader) */
	int cfd;		/* cursor fd, -1 once closed */
	size_t ring_len;
	struct kstream_ring_ctl *ctl;
	const unsigned char *data;
	struct kstream_reader_page *page;
	__u64 size, mask;
};

/* Map fd's ring and cursor page; 0 or -errno. */
static int rmap_init(struct rmap *r, int fd)
{
	struct kstream_fd_info info;
	void *p;
	int err;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->cfd = -1;
	if (kst_info(fd, &info))
		return -errno;
	r->size = info.ring_size;
	r->mask = info.ring_size - 1;
	r->ring_len = psz() + 2 * info.ring_size;
	p = map(r->ring_len, PROT_READ, MAP_SHARED, fd, 0, &err);
	if (!p)
		return err;
	r->ctl = p;
	r->data = (unsigned char *)p + psz();
	r->cfd = ioctl(fd, KSTREAM_IOC_CURSOR_FD);
	if (r->cfd < 0)
		return -errno;
	p = map(psz(), PROT_READ | PROT_WRITE, MAP_SHARED, r->cfd, 0, &err);
	if (!p)
		return err;
	r->page = p;
	return 0;
}

static void rmap_unmap(struct rmap *r)
{
	if (r->ctl)
		munmap(r->ctl, r->ring_len);
	if (r->page)
		munmap(r->page, psz());
	if (r->cfd >= 0)
		close(r->cfd);
	r->ctl = NULL;
	r->page = NULL;
	r->cfd = -1;
}

/*
 * The record at or after *pos (lapped: the oldest retained one): 1 with
 * its header copied to *h, its payload in place in *payload and *pos its
 * position; 0 if there is none.
 */
static int rmap_peek(struct rmap *r, __u64 *pos, struct kstream_msg_hdr *h,
		     const unsigned char **payload)
{
	for (;;) {
		__u64 head = load_acquire(&r->ctl->head);
		__u64 p = *pos, tail = load_once(&r->ctl->tail);
		const unsigned char *rec;

		if (p >= head)
			return 0;
		if (p < tail)
			p = tail;
		rec = r->data + (p & r->mask);
		memcpy(h, rec, HDR);
		rmb();
		if (load_once(&r->ctl->tail) > p) {
			*pos = load_once(&r->ctl->tail);
			continue;
		}
		*pos = p;
		*payload = rec + HDR;
		return 1;
	}
}

/* Consumed up to pos: publish it, and wake waiting producers. */
static void rmap_advance(struct rmap *r, __u64 pos)
{
	store_release(&r->page->pos, pos);
	mb();
	if (load_once(&r->ctl->writers_waiting))
		ioctl(r->fd, KSTREAM_IOC_WAKEUP);
}

/* A thread blocked in one write(2). */
struct bwriter {
	int fd;
	const void *buf;
	size_t len;
	pid_t tid;
	ssize_t ret;
	int done;
	pthread_t th;
};

static void *bwriter_fn(void *arg)
{
	struct bwriter *b = arg;
	ssize_t r;

	__atomic_store_n(&b->tid, gettid_(), __ATOMIC_SEQ_CST);
	r = write(b->fd, b->buf, b->len);
	b->ret = r < 0 ? -errno : r;
	__atomic_store_n(&b->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Start the writer and wait until it sleeps in write(2): 0 or -errno. */
static int bwriter_start(struct bwriter *b, int fd, const void *buf, size_t len)
{
	int i;

	memset(b, 0, sizeof(*b));
	b->fd = fd;
	b->buf = buf;
	b->len = len;
	if (pthread_create(&b->th, NULL, bwriter_fn, b))
		return -EAGAIN;
	for (i = 0; i < 5000 && !__atomic_load_n(&b->tid, __ATOMIC_SEQ_CST); i++)
		usleep(1000);
	if (!__atomic_load_n(&b->tid, __ATOMIC_SEQ_CST))
		return -ETIMEDOUT;
	return kst_wait_sleeping(b->tid, 10000);
}

/* ------------------------------------ 1. zero-copy and read() agree */

#define SAME_N		400
#define SAME_RING	4096U

/* What one consumer saw of message i. */
struct seen {
	__u64 seq, ts;
	__u32 len;
	int ok;		/* payload bytes were kst_fill(i) */
};

/*
 * Length of message i, published at byte position head of a
 * SAME_RING-byte ring: varied lengths that do not divide the ring, and,
 * once in a while, one chosen so that the next record's header straddles
 * the end of the ring (8 or 16 bytes before it).
 */
static __u32 same_len(unsigned int i, __u64 head)
{
	__u64 room = SAME_RING - (head & (SAME_RING - 1));
	__u64 gap = (head / SAME_RING) % 3 == 1 ? 8 : 16;

	if ((head / SAME_RING) % 3 && room > gap + HDR + 1 &&
	    room - gap - HDR <= 1000)
		return room - gap - HDR;
	return 1 + (i * 97 + 13) % 1000;
}

TEST_F_TIMEOUT(mm, zerocopy_matches_read, 20)
{
	static struct seen s[4][SAME_N];
	static const char *const who[4] = {
		"libkstream zero-copy", "libkstream copy", "read(2)", "raw mmap",
	};
	unsigned char buf[2048];
	struct kstream_msg_hdr rh;
	const unsigned char *pl;
	struct ks_consumer *zc, *cp;
	struct kstream_fd_info info;
	struct ks_msg m;
	struct rmap r;
	__u32 lens[SAME_N];
	__u64 head = 0, pending = 0, rpos, t0, t1, before[SAME_N], after[SAME_N];
	unsigned int i, c, got[4] = { 0 }, hdr_wraps = 0, payload_wraps = 0;
	int wfd, rfd, mfd, n, zc_mapped = 0;

	KST_MK("same", SAME_RING, 0, KSTREAM_POLICY_OVERWRITE);
	ASSERT_EQ(0, ks_consumer_open(&zc, "same", KS_ZEROCOPY | KS_NONBLOCK));
	ASSERT_EQ(0, ks_consumer_open(&cp, "same", KS_NONBLOCK));
	rfd = KST_OPEN("same", O_RDONLY | O_NONBLOCK);
	mfd = KST_OPEN("same", O_RDONLY | O_NONBLOCK);
	ASSERT_EQ(0, rmap_init(&r, mfd));
	wfd = KST_OPEN("same", O_WRONLY);
	ASSERT_EQ(SAME_RING, r.ctl->size);
	ASSERT_EQ(0, r.page->pos);
	rpos = r.page->pos;

	for (i = 0; i <= SAME_N; i++) {
		__u32 len = i < SAME_N ? same_len(i, head) : 0;

		/*
		 * Drain every consumer before the ring would have to evict
		 * a record one of them has not read (and at the end).
		 */
		if (i == SAME_N || pending + KSTREAM_REC_SIZE(len) > SAME_RING) {
			/* libkstream, zero-copy */
			while ((n = ks_next(zc, &m)) == 1) {
				struct seen *e = &s[0][got[0]];

				ASSERT_GT(SAME_N, got[0]);
				e->seq = m.seq;
				e->ts = m.ts_ns;
				e->len = m.len;
				e->ok = e->len == lens[got[0]] && kst_check_fill(m.data, m.len, got[0]);
				if (!zc_mapped++) {
					EXPECT_EQ(1, in_topic_mapping(m.data))
						TH_LOG("zero-copy data is not in the ring mapping");
				}
				ASSERT_EQ(0, ks_release(zc));
				got[0]++;
			}
			ASSERT_EQ(0, n);
			/* libkstream, copy */
			while ((n = ks_next(cp, &m)) == 1) {
				struct seen *e = &s[1][got[1]];

				ASSERT_GT(SAME_N, got[1]);
				e->seq = m.seq;
				e->ts = m.ts_ns;
				e->len = m.len;
				e->ok = e->len == lens[got[1]] && kst_check_fill(m.data, m.len, got[1]);
				ASSERT_EQ(0, ks_release(cp));
				got[1]++;
			}
			ASSERT_EQ(0, n);
			/* read(2), one payload per call: seq from lseek, no ts */
			for (;;) {
				struct seen *e = &s[2][got[2]];
				off_t seq = kst_seek(rfd, 0, SEEK_CUR);
				int avail = kst_fionread(rfd);
				ssize_t k = kst_rd(rfd, buf, sizeof(buf));

				if (k == -EAGAIN) {
					EXPECT_EQ(0, avail);
					break;
				}
				ASSERT_GT(SAME_N, got[2]);
				ASSERT_LT(0, k) TH_LOG("read: %zd", k);
				EXPECT_EQ(k, avail);
				e->seq = seq;
				e->len = k;
				e->ok = e->len == lens[got[2]] && kst_check_fill(buf, k, got[2]);
				got[2]++;
			}
			/* the uapi protocol by hand */
			while (rmap_peek(&r, &rpos, &rh, &pl)) {
				const struct kstream_msg_hdr *h = &rh;
				struct seen *e = &s[3][got[3]];
				__u64 off = rpos & r.mask, rec = KSTREAM_REC_SIZE(h->len);

				ASSERT_GT(SAME_N, got[3]);
				e->seq = h->seq;
				e->ts = h->ts_ns;
				e->len = h->len;
				e->ok = e->len == lens[got[3]] && !h->flags &&
					kst_check_fill(pl, h->len, got[3]);
				/* a record that wraps is whole in the second mapping */
				if (off + HDR > SAME_RING)
					hdr_wraps++;
				else if (off + rec > SAME_RING)
					payload_wraps++;
				if (off + rec > SAME_RING)
					EXPECT_EQ(0, memcmp(r.data + SAME_RING, r.data,
							    off + rec - SAME_RING));
				/* padding is zero */
				for (n = HDR + h->len; n < (int)rec; n++)
					EXPECT_EQ(0, r.data[off + n]);
				rpos += rec;
				rmap_advance(&r, rpos);
				got[3]++;
			}
			for (c = 0; c < 4; c++)
				ASSERT_EQ(i, got[c]) TH_LOG("%s after %u messages", who[c], i);
			pending = 0;
		}
		if (i == SAME_N)
			break;
		lens[i] = len;
		before[i] = kst_now_ns(CLOCK_REALTIME);
		ASSERT_EQ(len, kst_wr_msg(wfd, len, i));
		after[i] = kst_now_ns(CLOCK_REALTIME);
		pending += KSTREAM_REC_SIZE(len);
		head += KSTREAM_REC_SIZE(len);
	}

	/* the test covered what it is about */
	EXPECT_EQ(head, r.ctl->head);
	EXPECT_LT(0, r.ctl->tail) TH_LOG("the ring never wrapped");
	EXPECT_LT(2, hdr_wraps) TH_LOG("records whose header wraps: %u", hdr_wraps);
	EXPECT_LT(2, payload_wraps) TH_LOG("records whose payload wraps: %u", payload_wraps);

	for (i = 0; i < SAME_N; i++) {
		for (c = 0; c < 4; c++) {
			ASSERT_EQ(i, s[c][i].seq) TH_LOG("%s, message %u", who[c], i);
			ASSERT_EQ(lens[i], s[c][i].len) TH_LOG("%s, message %u", who[c], i);
			ASSERT_TRUE(s[c][i].ok) TH_LOG("%s: payload of message %u", who[c], i);
		}
		/* the same timestamp whichever way it was consumed */
		ASSERT_EQ(s[1][i].ts, s[0][i].ts) TH_LOG("message %u", i);
		ASSERT_EQ(s[1][i].ts, s[3][i].ts) TH_LOG("message %u", i);
		t0 = before[i] - TS_SLACK_NS;
		t1 = after[i] + TS_SLACK_NS;
		ASSERT_LE(t0, s[0][i].ts) TH_LOG("message %u", i);
		ASSERT_GE(t1, s[0][i].ts) TH_LOG("message %u", i);
		if (i)
			ASSERT_LE(s[0][i - 1].ts, s[0][i].ts) TH_LOG("message %u", i);
	}

	/* every fd is at the end and lost nothing */
	ASSERT_EQ(0, kst_info(ks_consumer_fd(zc), &info));
	EXPECT_EQ(SAME_N, info.next_seq);
	EXPECT_EQ(0, info.lost);
	EXPECT_EQ(0, ks_lost(zc));
	EXPECT_EQ(0, ks_lost(cp));
	ASSERT_EQ(0, kst_info(ks_consumer_fd(cp), &info));
	EXPECT_EQ(SAME_N, info.next_seq);
	ASSERT_EQ(0, kst_info(rfd, &info));
	EXPECT_EQ(SAME_N, info.next_seq);
	ASSERT_EQ(0, kst_info(mfd, &info));
	EXPECT_EQ(SAME_N, info.next_seq);
	EXPECT_EQ(0, info.lost);
	EXPECT_EQ(0, KST_STAT("same", KSTREAM_STAT_LOST));
	ks_consumer_close(zc);
	ks_consumer_close(cp);
	rmap_unmap(&r);
}

/* ---------------------------------------- 2. lapped while holding */

/* Payload of the lapping tests: header, bytes, FNV-1a of all before it. */
struct lap_msg {
	__u64 k;	/* the producer's counter: the seq it gets */
	__u32 len;	/* the whole payload */
	__u32 salt;
};

#define LAP_MIN (sizeof(struct lap_msg) + 4)

static __u32 fnv(const volatile unsigned char *p, size_t n, int slow)
{
	__u32 h = 2166136261U;
	size_t k;

	for (k = 0; k < n; k++) {
		h = (h ^ p[k]) * 16777619U;
		/* give the producer time to overwrite what we are reading */
		if (slow && k == n / 2)
			usleep(50);
	}
	return h;
}

static void lap_fill(unsigned char *buf, __u32 len, __u64 k)
{
	struct lap_msg h = { .k = k, .len = len, .salt = (__u32)(k * 2654435761U) };
	__u32 sum, i;

	memcpy(buf, &h, sizeof(h));
	for (i = sizeof(h); i < len - 4; i++)
		buf[i] = (unsigned char)(h.salt >> (i % 24)) ^ (unsigned char)i;
	sum = fnv(buf, len - 4, 0);
	memcpy(buf + len - 4, &sum, 4);
}

/* Is m the intact message of the producer with sequence m->seq? */
static int lap_valid(const struct ks_msg *m, int slow)
{
	const volatile unsigned char *p = m->data;
	struct lap_msg h;
	__u32 sum, i;

	if (m->len < LAP_MIN)
		return 0;
	for (i = 0; i < sizeof(h); i++)
		((unsigned char *)&h)[i] = p[i];
	sum = fnv(p, m->len - 4, slow);
	return h.k == m->seq && h.len == m->len &&
	       !memcmp((const void *)(p + m->len - 4), &sum, 4);
}

static __u32 lap_len(__u64 k)
{
	return LAP_MIN + (k * 89) % 480;
}

struct lap_prod {
	int fd;
	int stop;
	__u64 n;
	int err;
};

static void *lap_prod_fn(void *arg)
{
	struct lap_prod *p = arg;
	unsigned char buf[1024];

	while (!__atomic_load_n(&p->stop, __ATOMIC_RELAXED)) {
		__u32 len = lap_len(p->n);
		ssize_t r;

		lap_fill(buf, len, p->n);
		r = kst_wr(p->fd, buf, len);
		if (r != len) {
			p->err = r < 0 ? (int)r : -EIO;
			break;
		}
		p->n++;
	}
	return NULL;
}

TEST_F_TIMEOUT(mm, lapped_consumer_never_accepts_torn, 20)
{
	struct lap_prod prod = { 0 };
	struct kstream_fd_info info;
	struct ks_consumer *zc;
	struct ks_msg m;
	pthread_t th;
	__u64 expect = 0, gaps = 0, stale = 0, accepted = 0, torn_accepted = 0;
	__u64 torn_caught = 0, end, lost;
	int n, r, valid, stopped = 0;

	KST_MK("lap", 8192, 0, KSTREAM_POLICY_OVERWRITE);
	ASSERT_EQ(0, ks_consumer_open(&zc, "lap", KS_ZEROCOPY | KS_NONBLOCK));
	prod.fd = KST_OPEN("lap", O_WRONLY);
	ASSERT_EQ(0, pthread_create(&th, NULL, lap_prod_fn, &prod));

	end = kst_now_ns(CLOCK_MONOTONIC) + 2000000000ULL;
	for (;;) {
		n = ks_next(zc, &m);
		ASSERT_LE(0, n) TH_LOG("ks_next: %d", n);
		if (!n) {
			if (stopped)
				break;	/* drained after the producer stopped */
			if (kst_now_ns(CLOCK_MONOTONIC) >= end) {
				__atomic_store_n(&prod.stop, 1, __ATOMIC_RELAXED);
				ASSERT_EQ(0, kst_join_ms(th, 10000));
				stopped = 1;
			} else {
				kst_poll(ks_consumer_fd(zc), POLLIN, 10);
			}
			continue;
		}
		ASSERT_LE(expect, m.seq) TH_LOG("sequence went back");
		gaps += m.seq - expect;
		expect = m.seq + 1;
		/* in place before releasing; every other one slowly */
		valid = lap_valid(&m, !stopped && (accepted + stale) % 2);
		r = ks_release(zc);
		if (r == 0) {
			accepted++;
			if (!valid)
				torn_accepted++;
		} else {
			ASSERT_EQ(-ESTALE, r);
			stale++;
			if (!valid)
				torn_caught++;
		}
		if (!stopped && kst_now_ns(CLOCK_MONOTONIC) >= end) {
			__atomic_store_n(&prod.stop, 1, __ATOMIC_RELAXED);
			ASSERT_EQ(0, kst_join_ms(th, 10000));
			stopped = 1;
		}
	}
	ASSERT_EQ(0, prod.err);
	TH_LOG("%llu published, %llu accepted, %llu lost in gaps, %llu stale (%llu seen torn)",
	       (unsigned long long)prod.n, (unsigned long long)accepted,
	       (unsigned long long)gaps, (unsigned long long)stale,
	       (unsigned long long)torn_caught);
	EXPECT_EQ(0, torn_accepted) TH_LOG("torn messages released as valid");
	EXPECT_EQ(prod.n, expect) TH_LOG("did not get to the last message");
	EXPECT_LT(20, accepted) TH_LOG("the consumer accepted (almost) nothing");
	EXPECT_LT(0, gaps) TH_LOG("the producer never lapped the consumer");
	EXPECT_EQ(prod.n, accepted + gaps + stale);

	lost = ks_lost(zc);
	EXPECT_EQ(gaps + stale, lost);
	ASSERT_EQ(0, kst_info(ks_consumer_fd(zc), &info));
	EXPECT_EQ(lost, info.lost);
	EXPECT_EQ(prod.n, info.next_seq);
	EXPECT_EQ(lost, KST_STAT("lap", KSTREAM_STAT_LOST));
	EXPECT_EQ(prod.n, KST_STAT("lap", KSTREAM_STAT_PUBLISHED));
	/* what the consumer lost stays counted after it is gone */
	ks_consumer_close(zc);
	EXPECT_EQ(lost, KST_STAT("lap", KSTREAM_STAT_LOST));
	EXPECT_EQ(0, KST_STAT("lap", KSTREAM_STAT_READERS));
}

TEST_F_TIMEOUT(mm, overwritten_while_held_is_estale, 20)
{
	unsigned char buf[1024];
	struct kstream_fd_info info;
	struct ks_consumer *zc;
	struct ks_msg m;
	__u64 k, lost;
	int wfd;

	KST_MK("held", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	ASSERT_EQ(0, ks_consumer_open(&zc, "held", KS_ZEROCOPY | KS_NONBLOCK));
	wfd = KST_OPEN("held", O_WRONLY);
	for (k = 0; k < 2; k++) {
		lap_fill(buf, 100, k);
		ASSERT_EQ(100, kst_wr(wfd, buf, 100));
	}
	/* message 0, released in time: fine */
	ASSERT_EQ(1, ks_next(zc, &m));
	ASSERT_EQ(0, m.seq);
	ASSERT_TRUE(lap_valid(&m, 0));
	ASSERT_EQ(0, ks_release(zc));
	/* message 1, held while the producer goes round the ring */
	ASSERT_EQ(1, ks_next(zc, &m));
	ASSERT_EQ(1, m.seq);
	ASSERT_TRUE(lap_valid(&m, 0));
	for (k = 2; k < 2 + 2 * 4096 / KSTREAM_REC_SIZE(100); k++) {
		lap_fill(buf, 100, k);
		ASSERT_EQ(100, kst_wr(wfd, buf, 100));
	}
	/* it was overwritten in place (this is zero-copy) ... */
	EXPECT_FALSE(lap_valid(&m, 0));
	/* ... and release says so */
	EXPECT_EQ(-ESTALE, ks_release(zc));
	EXPECT_EQ(1, ks_lost(zc));
	/* it goes on with the oldest retained message, the gap counted */
	ASSERT_EQ(1, ks_next(zc, &m));
	ASSERT_EQ(0, kst_info(ks_consumer_fd(zc), &info));
	EXPECT_EQ(info.tail_seq, m.seq);
	EXPECT_LT(2, m.seq);
	EXPECT_TRUE(lap_valid(&m, 0));
	EXPECT_EQ(0, ks_release(zc));
	lost = 1 + (m.seq - 2);
	EXPECT_EQ(lost, ks_lost(zc));
	ASSERT_EQ(0, kst_info(ks_consumer_fd(zc), &info));
	EXPECT_EQ(lost, info.lost);
	EXPECT_EQ(m.seq + 1, info.next_seq);
	EXPECT_EQ(lost, KST_STAT("held", KSTREAM_STAT_LOST));
	ks_consumer_close(zc);
	EXPECT_EQ(lost, KST_STAT("held", KSTREAM_STAT_LOST));
}

/* --------------------------------------- 3. block policy, mmap reader */

#define BLK_N 300

struct blk_prod {
	int fd;
	pid_t tid;
	unsigned int n;		/* written */
	int err;
	int done;
};

static __u32 blk_len(unsigned int i)
{
	return 20 + (i * 53) % 280;
}

static void *blk_prod_fn(void *arg)
{
	struct blk_prod *p = arg;

	__atomic_store_n(&p->tid, gettid_(), __ATOMIC_SEQ_CST);
	for (; p->n < BLK_N; p->n++) {
		ssize_t r = kst_wr_msg(p->fd, blk_len(p->n), p->n);

		if (r != blk_len(p->n)) {
			p->err = r < 0 ? (int)r : -EIO;
			break;
		}
	}
	__atomic_store_n(&p->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

TEST_F_TIMEOUT(mm, block_producer_waits_for_zerocopy_consumer, 20)
{
	struct blk_prod prod = { 0 };
	struct ks_consumer *zc;
	struct ks_msg m;
	pthread_t th;
	__u64 p1, p2, t0, total = 0;
	unsigned int i;
	int k;

	KST_MK("blk", 4096, 0, KSTREAM_POLICY_BLOCK);
	ASSERT_EQ(0, ks_consumer_open(&zc, "blk", KS_ZEROCOPY));
	prod.fd = KST_OPEN("blk", O_WRONLY);
	for (i = 0; i < BLK_N; i++)
		total += KSTREAM_REC_SIZE(blk_len(i));
	ASSERT_LT(4 * 4096, total);
	ASSERT_EQ(0, pthread_create(&th, NULL, blk_prod_fn, &prod));
	for (k = 0; k < 5000 && !__atomic_load_n(&prod.tid, __ATOMIC_SEQ_CST); k++)
		usleep(1000);

	/* the ring fills up, then the producer waits ... */
	ASSERT_EQ(0, kst_wait_sleeping(prod.tid, 10000));
	p1 = KST_STAT("blk", KSTREAM_STAT_PUBLISHED);
	usleep(300000);
	p2 = KST_STAT("blk", KSTREAM_STAT_PUBLISHED);
	EXPECT_EQ(p1, p2) TH_LOG("the producer got on without the consumer");
	EXPECT_GT(BLK_N, p2);
	EXPECT_FALSE(__atomic_load_n(&prod.done, __ATOMIC_SEQ_CST));
	EXPECT_LT(4096 - KSTREAM_REC_SIZE(300), KST_STAT("blk", KSTREAM_STAT_RING_USED));

	/* ... for as long as the consumer does not move */
	t0 = kst_now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < BLK_N; i++) {
		ASSERT_EQ(1, ks_next(zc, &m)) TH_LOG("message %u", i);
		ASSERT_EQ(i, m.seq);
		ASSERT_EQ(blk_len(i), m.len) TH_LOG("message %u", i);
		ASSERT_TRUE(kst_check_fill(m.data, m.len, i)) TH_LOG("message %u", i);
		ASSERT_EQ(0, ks_release(zc)) TH_LOG("message %u", i);
	}
	ASSERT_EQ(0, kst_join_ms(th, 10000)) TH_LOG("producer stuck after %u", prod.n);
	/*
	 * The consumer's KSTREAM_IOC_WAKEUP (when its release passes the
	 * position the producer waits for, ctl->wake_pos) lets the producer
	 * in each time the ring was full: about 2 ms per ring here under
	 * TCG.  There is no other wakeup: this fails by the test's timeout
	 * if the consumer's wakeup is lost.
	 */
	t0 = (kst_now_ns(CLOCK_MONOTONIC) - t0) / 1000000;
	TH_LOG("%llu rings' worth in %llu ms", (unsigned long long)(total / 4096),
	       (unsigned long long)t0);
	EXPECT_GT(total / 4096 * 40, t0) TH_LOG("producers not woken by the consumer");
	EXPECT_EQ(0, prod.err);
	EXPECT_EQ(BLK_N, prod.n);
	EXPECT_EQ(0, ks_lost(zc));
	EXPECT_EQ(BLK_N, KST_STAT("blk", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(0, KST_STAT("blk", KSTREAM_STAT_LOST));
	ks_consumer_close(zc);
}

TEST_F_TIMEOUT(mm, block_cursor_page_is_the_reader_position, 20)
{
	unsigned char msg[100], buf[256];
	struct kstream_msg_hdr h;
	const unsigned char *payload;
	struct bwriter b;
	struct rmap r;
	unsigned int next = 0, want;
	__u64 pos;
	int rfd, wnb, wb, n, i;

	KST_MK("blkp", 4096, 0, KSTREAM_POLICY_BLOCK);
	rfd = KST_OPEN("blkp", O_RDONLY | O_NONBLOCK);
	ASSERT_EQ(0, rmap_init(&r, rfd));
	wnb = KST_OPEN("blkp", O_WRONLY | O_NONBLOCK);
	wb = KST_OPEN("blkp", O_WRONLY);

	/* the mmap reader has not consumed: EAGAIN once the ring is full */
	n = kst_fill_until_eagain(wnb, 100, &next);
	ASSERT_EQ(4096 / KSTREAM_REC_SIZE(100), n);
	EXPECT_EQ(-EAGAIN, kst_wr_msg(wnb, 100, next));
	EXPECT_EQ(-EAGAIN, kst_wr_msg(wnb, 1, next));
	EXPECT_EQ(0, r.page->pos);
	EXPECT_EQ(0, r.ctl->writers_waiting);

	/* a blocking producer waits, and says so in the control page */
	kst_fill(msg, sizeof(msg), 1000);
	ASSERT_EQ(0, bwriter_start(&b, wb, msg, sizeof(msg)));
	EXPECT_NE(0, load_once(&r.ctl->writers_waiting));
	usleep(200000);
	EXPECT_FALSE(__atomic_load_n(&b.done, __ATOMIC_SEQ_CST));

	/* consuming one record through the page (and waking it) lets it in */
	pos = r.page->pos;
	ASSERT_EQ(1, rmap_peek(&r, &pos, &h, &payload));
	EXPECT_EQ(0, h.seq);
	EXPECT_TRUE(kst_check_fill(payload, h.len, 0));
	rmap_advance(&r, pos + KSTREAM_REC_SIZE(h.len));
	ASSERT_EQ(0, kst_join_ms(b.th, 10000)) TH_LOG("the producer was not let in");
	EXPECT_EQ(100, b.ret);
	EXPECT_EQ(0, load_once(&r.ctl->writers_waiting));
	/* full again */
	EXPECT_EQ(-EAGAIN, kst_wr_msg(wnb, 100, next));

	/* the kernel reads the page: moving pos makes room, no syscall */
	pos = r.page->pos;
	ASSERT_EQ(1, rmap_peek(&r, &pos, &h, &payload));
	EXPECT_EQ(1, h.seq);
	store_release(&r.page->pos, pos + KSTREAM_REC_SIZE(h.len));
	EXPECT_EQ(100, kst_wr_msg(wnb, 100, next));
	next++;
	EXPECT_EQ(-EAGAIN, kst_wr_msg(wnb, 100, next));
	/* read(2) on the fd starts where the page says */
	EXPECT_EQ(2, kst_seek(rfd, 0, SEEK_CUR));
	ASSERT_EQ(100, kst_rd(rfd, buf, sizeof(buf)));
	EXPECT_TRUE(kst_check_fill(buf, 100, 2));
	EXPECT_EQ(3, kst_seek(rfd, 0, SEEK_CUR));

	/* the rest by hand: every message, in order, nothing lost */
	pos = r.page->pos;
	for (i = 3; rmap_peek(&r, &pos, &h, &payload); i++) {
		ASSERT_EQ(i, h.seq);
		ASSERT_EQ(100, h.len);
		/* the blocked writer's message came right after the first n */
		want = i < (unsigned int)n ? i : i == (unsigned int)n ? 1000 : i - 1;
		EXPECT_TRUE(kst_check_fill(payload, 100, want)) TH_LOG("message %u", i);
		pos += KSTREAM_REC_SIZE(h.len);
		rmap_advance(&r, pos);
	}
	EXPECT_EQ(n + 2, i);
	EXPECT_EQ(0, KST_STAT("blkp", KSTREAM_STAT_LOST));
	rmap_unmap(&r);
}

/* ------------------------------------------ 4. invalid mmap requests */

TEST_F_TIMEOUT(mm, invalid_mmap_requests, 20)
{
	size_t P = psz(), ring = 8192, len = P + 2 * ring;
	struct kstream_reader_page *page, *page2;
	struct kstream_ring_ctl *ctl;
	int rfd, rwfd, wfd, cfd, cfd2, fl, err;

	KST_MK("inv", ring, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("inv", O_RDONLY);
	rwfd = KST_OPEN("inv", O_RDWR);
	wfd = KST_OPEN("inv", O_WRONLY);

	/* the ring: exactly PAGE + 2 * ring_size at offset 0 */
	ctl = map(len, PROT_READ, MAP_SHARED, rfd, 0, &err);
	ASSERT_NE(NULL, ctl) TH_LOG("mmap ring: %d", err);
	EXPECT_EQ(ring, ctl->size);
	EXPECT_EQ(ring / 4, ctl->msg_max);
	EXPECT_EQ(KSTREAM_POLICY_OVERWRITE, ctl->policy);
	/* mprotect cannot make it writable, and it stays readable */
	EXPECT_EQ(-1, mprotect(ctl, len, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(ring, ctl->size);
	munmap(ctl, len);
	/* not even on an fd open for writing */
	ctl = map(len, PROT_READ, MAP_SHARED, rwfd, 0, &err);
	ASSERT_NE(NULL, ctl) TH_LOG("mmap ring O_RDWR: %d", err);
	EXPECT_EQ(-1, mprotect(ctl, len, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(ctl, P, PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(ring, ctl->size);
	munmap(ctl, len);

	EXPECT_EQ(-EINVAL, map_err(len - P, PROT_READ, MAP_SHARED, rfd, 0));
	EXPECT_EQ(-EINVAL, map_err(len + P, PROT_READ, MAP_SHARED, rfd, 0));
	EXPECT_EQ(-EINVAL, map_err(P, PROT_READ, MAP_SHARED, rfd, 0));
	EXPECT_EQ(-EINVAL, map_err(P + ring, PROT_READ, MAP_SHARED, rfd, 0));
	EXPECT_EQ(-EINVAL, map_err(len, PROT_READ, MAP_SHARED, rfd, P));
	EXPECT_EQ(-EINVAL, map_err(len - P, PROT_READ, MAP_SHARED, rfd, P));
	EXPECT_EQ(-EINVAL, map_err(2 * ring, PROT_READ, MAP_SHARED, rfd, P));

	/* PROT_WRITE: EPERM from kstream ... */
	EXPECT_EQ(-EPERM, map_err(len, PROT_READ | PROT_WRITE, MAP_SHARED, rwfd, 0));
	EXPECT_EQ(-EPERM, map_err(len, PROT_READ | PROT_WRITE, MAP_PRIVATE, rwfd, 0));
	EXPECT_EQ(-EPERM, map_err(len, PROT_READ | PROT_WRITE, MAP_PRIVATE, rfd, 0));
	/* ... or, shared on an fd not open for writing, EACCES from the VFS */
	EXPECT_EQ(-EACCES, map_err(len, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0));

	/* a producer-only fd maps nothing and has no cursor */
	EXPECT_EQ(-EACCES, map_err(len, PROT_READ, MAP_SHARED, wfd, 0));
	EXPECT_EQ(-EACCES, map_err(P, PROT_READ, MAP_SHARED, wfd, 0));
	EXPECT_EQ(-1, ioctl(wfd, KSTREAM_IOC_CURSOR_FD));
	EXPECT_EQ(EBADF, errno);

	/* the cursor fd: O_RDWR, close-on-exec, one shared page at 0 */
	cfd = ioctl(rfd, KSTREAM_IOC_CURSOR_FD);
	ASSERT_LE(0, cfd) TH_LOG("KSTREAM_IOC_CURSOR_FD: %d", errno);
	fl = fcntl(cfd, F_GETFD);
	EXPECT_TRUE(fl >= 0 && (fl & FD_CLOEXEC));
	fl = fcntl(cfd, F_GETFL);
	EXPECT_EQ(O_RDWR, fl & O_ACCMODE);
	EXPECT_EQ(-EINVAL, map_err(P, PROT_READ | PROT_WRITE, MAP_PRIVATE, cfd, 0));
	EXPECT_EQ(-EINVAL, map_err(P, PROT_READ, MAP_PRIVATE, cfd, 0));
	EXPECT_EQ(-EINVAL, map_err(2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0));
	EXPECT_EQ(-EINVAL, map_err(P, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, P));
	EXPECT_EQ(-EINVAL, map_err(len, PROT_READ, MAP_SHARED, cfd, 0));
	page = map(P, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0, &err);
	ASSERT_NE(NULL, page) TH_LOG("mmap cursor: %d", err);
	EXPECT_EQ(0, page->pos);
	EXPECT_EQ(0, page->lost);

	/* it is the fd's cursor */
	ASSERT_EQ(5, kst_wr(wfd, "first", 5));
	ASSERT_EQ(6, kst_wr(wfd, "second", 6));
	EXPECT_EQ(0, kst_seek(rfd, 0, SEEK_CUR));
	store_release(&page->pos, KSTREAM_REC_SIZE(5));
	EXPECT_EQ(1, kst_seek(rfd, 0, SEEK_CUR));
	EXPECT_EQ(6, kst_fionread(rfd));
	EXPECT_EQ(0, kst_seek(rfd, 0, SEEK_SET));
	EXPECT_EQ(0, load_once(&page->pos));
	/* a second cursor fd is the same page */
	cfd2 = ioctl(rfd, KSTREAM_IOC_CURSOR_FD);
	ASSERT_LE(0, cfd2);
	page2 = map(P, PROT_READ, MAP_SHARED, cfd2, 0, &err);
	ASSERT_NE(NULL, page2);
	store_release(&page->pos, KSTREAM_REC_SIZE(5) + KSTREAM_REC_SIZE(6));
	EXPECT_EQ(KSTREAM_REC_SIZE(5) + KSTREAM_REC_SIZE(6), page2->pos);
	EXPECT_EQ(2, kst_seek(rfd, 0, SEEK_CUR));
	munmap(page2, P);
	close(cfd2);
	munmap(page, P);
	close(cfd);
	/* an O_RDWR fd has a cursor too */
	cfd = ioctl(rwfd, KSTREAM_IOC_CURSOR_FD);
	EXPECT_LE(0, cfd);
	close(cfd);
}

/*
 * The ring is a VM_PFNMAP mapping: get_user_pages() refuses it on every
 * architecture, so nothing can pin it and hold a page past a revocation.
 * Each way of pinning user memory fails with EFAULT, and the same calls
 * succeed on ordinary memory (so the failure is the mapping's).
 */
TEST_F_TIMEOUT(mm, ring_cannot_be_pinned, 20)
{
	size_t P = psz(), ring = 8192, len = P + 2 * ring;
	struct kstream_ring_ctl *ctl;
	struct io_uring uring;
	char *plain, buf[64];
	int rfd, wfd, err, pfd[2];

	KST_MK("pin", ring, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("pin", O_RDONLY);
	wfd = KST_OPEN("pin", O_WRONLY);
	ASSERT_EQ(5, kst_wr(wfd, "first", 5));
	ctl = map(len, PROT_READ, MAP_SHARED, rfd, 0, &err);
	ASSERT_NE(NULL, ctl) TH_LOG("mmap ring: %d", err);
	ASSERT_EQ(ring, load_once(&ctl->size));	/* faulted in */
	plain = map(len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &err);
	ASSERT_NE(NULL, plain);
	memset(plain, 'x', len);

	/* process_vm_readv() pins the remote pages */
	{
		struct iovec local = { buf, 16 };
		struct iovec remote = { ctl, 16 };

		errno = 0;
		EXPECT_EQ(-1, process_vm_readv(getpid(), &local, 1, &remote, 1, 0));
		EXPECT_EQ(EFAULT, errno);
		remote.iov_base = plain;
		EXPECT_EQ(16, process_vm_readv(getpid(), &local, 1, &remote, 1, 0));
	}

	/* vmsplice() into a pipe takes references to the pages */
	ASSERT_EQ(0, pipe(pfd));
	{
		struct iovec iov = { (char *)ctl + P, 64 };

		errno = 0;
		EXPECT_EQ(-1, vmsplice(pfd[1], &iov, 1, 0));
		EXPECT_EQ(EFAULT, errno);
		iov.iov_base = plain;
		EXPECT_EQ(64, vmsplice(pfd[1], &iov, 1, 0));
		EXPECT_EQ(64, read(pfd[0], buf, 64));
	}
	close(pfd[0]);
	close(pfd[1]);

	/*
	 * io_uring fixed buffers are long-term pins (for writing too, which
	 * a read-only mapping would refuse anyway: EFAULT either way)
	 */
	ASSERT_EQ(0, io_uring_queue_init(4, &uring, 0));
	{
		struct iovec iov = { (char *)ctl + P, P };

		EXPECT_EQ(-EFAULT, io_uring_register_buffers(&uring, &iov, 1));
		iov.iov_base = plain;
		EXPECT_EQ(0, io_uring_register_buffers(&uring, &iov, 1));
		EXPECT_EQ(0, io_uring_unregister_buffers(&uring));
	}
	io_uring_queue_exit(&uring);

	/* and the ring is still there to read */
	EXPECT_EQ(1, load_once(&ctl->head_seq));
	munmap(plain, len);
	munmap(ctl, len);
}

/* ------------------------------------------------------- 5. lifetime */

static long refcnt(void)
{
	char buf[32];
	long n = -1;
	int fd = open("/sys/module/kstream/refcnt", O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) > 0)
		n = strtol(buf, NULL, 10);
	close(fd);
	return n;
}

TEST_F_TIMEOUT(mm, mappings_outlive_topic, 20)
{
	size_t P = psz();
	struct kstream_reader_page *page;
	const struct kstream_ring_ctl *ctl;
	const unsigned char *data;
	struct rmap r;
	__u64 pos;
	long ref0, ref1;
	unsigned int i;
	int rfd, wfd, rfd2, cfd2;

	KST_MK("life", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	KST_MK("life2", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("life", O_RDONLY);
	wfd = KST_OPEN("life", O_WRONLY);
	ASSERT_EQ(0, rmap_init(&r, rfd));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(10 + i, kst_wr_msg(wfd, 10 + i, i));
	/* life2: only a cursor fd is left */
	rfd2 = KST_OPEN("life2", O_RDONLY);
	cfd2 = ioctl(rfd2, KSTREAM_IOC_CURSOR_FD);
	ASSERT_LE(0, cfd2);
	close(rfd2);

	/* life: the mappings only */
	close(r.cfd);
	r.cfd = -1;
	close(wfd);
	close(rfd);
	ctl = r.ctl;
	data = r.data;
	page = r.page;

	ASSERT_EQ(0, kst_topic_delete(&self->nl, "life")) TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, kst_topic_delete(&self->nl, "life2")) TH_LOG("%s", self->nl.extack);
	EXPECT_FALSE(kst_path_exists(KST_DEV_DIR "/life"));
	EXPECT_EQ(0, kst_topic_dump(&self->nl, NULL, 0));

	/* the module stays while anything of a topic is left */
	ref0 = refcnt();
	EXPECT_LT(0, ref0);
	EXPECT_GT(0, kst_unload());
	EXPECT_TRUE(kst_loaded());
	close(cfd2);
	ref1 = refcnt();
	EXPECT_GT(ref0, ref1);
	EXPECT_GT(0, kst_unload()) TH_LOG("unloaded under a live mapping");
	EXPECT_TRUE(kst_loaded());

	/* the mappings still show the topic as it was */
	EXPECT_EQ(5, ctl->head_seq);
	EXPECT_EQ(0, ctl->tail_seq);
	EXPECT_EQ(4096, ctl->size);
	EXPECT_EQ(0, page->pos);
	for (i = 0, pos = ctl->tail; pos < ctl->head; i++) {
		const struct kstream_msg_hdr *h = (const void *)(data + (pos & 4095));

		ASSERT_EQ(i, h->seq);
		ASSERT_EQ(10 + i, h->len);
		EXPECT_TRUE(kst_check_fill(h + 1, h->len, i)) TH_LOG("message %u", i);
		pos += KSTREAM_REC_SIZE(h->len);
	}
	EXPECT_EQ(5, i);
	/* and the cursor page is still ours to write */
	store_release(&page->pos, ctl->head);
	store_once(&page->lost, 3);
	EXPECT_EQ(ctl->head, page->pos);

	munmap(r.ctl, r.ring_len);
	r.ctl = NULL;
	EXPECT_LT(0, refcnt());
	EXPECT_GT(0, kst_unload()) TH_LOG("unloaded under a live cursor mapping");
	EXPECT_TRUE(kst_loaded());
	EXPECT_EQ(3, page->lost);

	munmap(r.page, P);
	r.page = NULL;
	EXPECT_EQ(0, refcnt());
	EXPECT_EQ(0, kst_unload());
	EXPECT_FALSE(kst_loaded());
}

/* ----------------------------------------- 6. untrusted cursor page */

TEST_F_TIMEOUT(mm, untrusted_cursor_overwrite, 20)
{
	unsigned char buf[256];
	struct kstream_fd_info info;
	struct rmap r;
	__u64 tail, head, tail_seq, head_seq, bad;
	int rfd, wfd, i, rev;
	ssize_t n;

	KST_MK("unt", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("unt", O_RDONLY | O_NONBLOCK);
	ASSERT_EQ(0, rmap_init(&r, rfd));
	wfd = KST_OPEN("unt", O_WRONLY);
	for (i = 0; i < 100; i++)
		ASSERT_EQ(100, kst_wr_msg(wfd, 100, i));
	tail = r.ctl->tail;
	head = r.ctl->head;
	tail_seq = r.ctl->tail_seq;
	head_seq = r.ctl->head_seq;
	ASSERT_LT(0, tail_seq) TH_LOG("the tail never moved");
	ASSERT_EQ(100, head_seq);

	/* 0, behind the tail: clamped to the oldest record */
	store_release(&r.page->pos, 0);
	EXPECT_EQ(100, kst_fionread(rfd));
	EXPECT_EQ(tail_seq, kst_seek(rfd, 0, SEEK_CUR));
	ASSERT_EQ(0, kst_info(rfd, &info));
	EXPECT_EQ(tail_seq, info.next_seq);
	EXPECT_TRUE(kst_poll(rfd, POLLIN, 0) & POLLIN);
	ASSERT_EQ(100, kst_rd(rfd, buf, sizeof(buf)));
	EXPECT_TRUE(kst_check_fill(buf, 100, tail_seq));
	/* the kernel moved the page's cursor on */
	EXPECT_EQ(tail + KSTREAM_REC_SIZE(100), load_once(&r.page->pos));
	EXPECT_EQ(tail_seq + 1, kst_seek(rfd, 0, SEEK_CUR));

	/* beyond head: caught up, nothing to read */
	for (i = 0; i < 2; i++) {
		bad = i ? ~0ULL : head + 1024 * 1024;
		store_release(&r.page->pos, bad);
		EXPECT_EQ(-EAGAIN, kst_rd(rfd, buf, sizeof(buf)));
		EXPECT_EQ(0, kst_fionread(rfd));
		EXPECT_EQ(0, kst_poll(rfd, POLLIN, 0) & POLLIN);
		ASSERT_EQ(0, kst_info(rfd, &info));
		EXPECT_EQ(head_seq, info.next_seq);
		EXPECT_EQ(bad, load_once(&r.page->pos));
		EXPECT_EQ(head_seq, kst_seek(rfd, 0, SEEK_CUR));
	}

	/* not on a record boundary: read(2) fails with EIO */
	for (i = 0; i < 5; i++) {
		static const __u64 off[] = { 1, 4, 8, 16, HDR + 8 };

		bad = tail + KSTREAM_REC_SIZE(100) + off[i];
		store_release(&r.page->pos, bad);
		n = kst_rd(rfd, buf, sizeof(buf));
		EXPECT_EQ(-EIO, n) TH_LOG("cursor at a record + %llu: read %zd",
					  (unsigned long long)off[i], n);
		/* still there; FIONREAD agrees, poll says go and see */
		EXPECT_EQ(bad, load_once(&r.page->pos));
		EXPECT_EQ(-EIO, kst_fionread(rfd));
		rev = kst_poll(rfd, POLLIN, 0);
		EXPECT_TRUE(rev > 0 && (rev & POLLIN)) TH_LOG("revents %d", rev);
		EXPECT_EQ(0, kst_info(rfd, &info));
		EXPECT_EQ(bad, load_once(&r.page->pos));
		/* lseek answers */
		n = kst_seek(rfd, 0, SEEK_CUR);
		EXPECT_TRUE(n >= (ssize_t)tail_seq && n <= (ssize_t)head_seq)
			TH_LOG("SEEK_CUR: %zd", n);
	}

	/* lseek repairs it */
	EXPECT_EQ(tail_seq, kst_seek(rfd, 0, SEEK_SET));
	EXPECT_EQ(r.ctl->tail, load_once(&r.page->pos));
	ASSERT_EQ(100, kst_rd(rfd, buf, sizeof(buf)));
	EXPECT_TRUE(kst_check_fill(buf, 100, tail_seq));
	EXPECT_EQ(head_seq, kst_seek(rfd, 0, SEEK_END));
	EXPECT_EQ(r.ctl->head, load_once(&r.page->pos));
	EXPECT_EQ(-EAGAIN, kst_rd(rfd, buf, sizeof(buf)));
	EXPECT_EQ(head_seq - 3, kst_seek(rfd, -3, SEEK_END));
	ASSERT_EQ(100, kst_rd(rfd, buf, sizeof(buf)));
	EXPECT_TRUE(kst_check_fill(buf, 100, head_seq - 3));

	/* a garbage lost counter is only a number */
	store_once(&r.page->lost, ~0ULL - 5);
	EXPECT_NE((__u64)-1, KST_STAT("unt", KSTREAM_STAT_LOST));
	ASSERT_EQ(0, kst_info(rfd, &info));
	EXPECT_EQ(~0ULL - 5, info.lost);
	store_once(&r.page->lost, 0);
	rmap_unmap(&r);
}

TEST_F_TIMEOUT(mm, untrusted_cursor_block, 20)
{
	unsigned char msg[100], buf[256];
	struct bwriter b;
	struct rmap r;
	unsigned int next = 0;
	off_t seq;
	int rfd, wnb, wb, n;

	KST_MK("untb", 4096, 0, KSTREAM_POLICY_BLOCK);
	rfd = KST_OPEN("untb", O_RDONLY | O_NONBLOCK);
	ASSERT_EQ(0, rmap_init(&r, rfd));
	wnb = KST_OPEN("untb", O_WRONLY | O_NONBLOCK);
	wb = KST_OPEN("untb", O_WRONLY);
	n = kst_fill_until_eagain(wnb, 100, &next);
	ASSERT_LE(2, n);

	/* a producer waits for the mmap reader ... */
	kst_fill(msg, sizeof(msg), 1000);
	ASSERT_EQ(0, bwriter_start(&b, wb, msg, sizeof(msg)));
	usleep(200000);
	ASSERT_FALSE(__atomic_load_n(&b.done, __ATOMIC_SEQ_CST));

	/*
	 * ... which jumps beyond head, and calls KSTREAM_IOC_WAKEUP as the
	 * protocol says (there is no periodic re-check to rescue a consumer
	 * that does not): the kernel reads the cursor as caught up
	 */
	store_release(&r.page->pos, r.ctl->head + (1ULL << 40));
	rmap_advance(&r, r.ctl->head + (1ULL << 40));
	ASSERT_EQ(0, kst_join_ms(b.th, 10000)) TH_LOG("producer deadlocked by the cursor");
	EXPECT_EQ(100, b.ret);
	/* it counts as caught up: the ring is the producers' again */
	for (n = 0; n < 100; n++)
		ASSERT_EQ(100, kst_wr_msg(wnb, 100, next + n)) TH_LOG("write %d", n);
	EXPECT_EQ(0, KST_STAT("untb", KSTREAM_STAT_LOST));

	/* lseek puts the cursor back on the ring */
	seq = kst_seek(rfd, 0, SEEK_SET);
	EXPECT_EQ(r.ctl->tail_seq, seq);
	EXPECT_EQ(r.ctl->tail, load_once(&r.page->pos));
	ASSERT_EQ(100, kst_rd(rfd, buf, sizeof(buf)));
	EXPECT_TRUE(kst_check_fill(buf, 100, seq - 1)) TH_LOG("message %ld", (long)seq);
	/* and from there it holds the producers back again */
	EXPECT_EQ(100, kst_wr_msg(wnb, 100, 0));
	EXPECT_EQ(-EAGAIN, kst_wr_msg(wnb, 100, 0));

	/*
	 * 0, behind the tail, reads as the tail: the reader has read nothing
	 * the ring still holds, so it holds producers back (no silent loss).
	 */
	store_release(&r.page->pos, 0);
	EXPECT_EQ(-EAGAIN, kst_wr_msg(wnb, 100, 0));
	EXPECT_EQ(0, KST_STAT("untb", KSTREAM_STAT_LOST));
	/* a misaligned cursor within the ring: no crash, EIO */
	store_release(&r.page->pos, r.ctl->tail + 4);
	EXPECT_EQ(-EIO, kst_rd(rfd, buf, sizeof(buf)));
	EXPECT_EQ(r.ctl->tail_seq, kst_seek(rfd, 0, SEEK_SET));
	rmap_unmap(&r);
}

/* -------------------------------------------------------- 7. wakeups */

struct waker {
	pid_t tid;		/* wait until this thread sleeps */
	int fd;			/* then write "wake" to it ... */
	struct kst_nl *nl;	/* ... or delete this topic */
	const char *topic;
	int err;
};

static void *waker_fn(void *arg)
{
	struct waker *w = arg;

	w->err = kst_wait_sleeping(w->tid, 10000);
	/* wake it whatever happened: the test must not hang */
	if (w->nl) {
		int e = kst_topic_delete(w->nl, w->topic);

		if (!w->err)
			w->err = e;
	} else if (kst_wr(w->fd, "wake", 4) != 4 && !w->err) {
		w->err = -EIO;
	}
	return NULL;
}

static int epoll_in(int ep, int ms)
{
	struct epoll_event ev;
	int n = epoll_wait(ep, &ev, 1, ms);

	if (n < 0)
		return -errno;
	return n ? (int)ev.events : 0;
}

TEST_F_TIMEOUT(mm, wakeups, 20)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ks_consumer *zc, *zc2;
	struct waker w = { 0 };
	struct ks_msg m;
	struct rmap r;
	pthread_t th;
	int wfd, rfd, ep, ep2, e, i;

	KST_MK("wk", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	ASSERT_EQ(0, ks_consumer_open(&zc, "wk", KS_ZEROCOPY));
	ASSERT_EQ(0, ks_consumer_open(&zc2, "wk", KS_ZEROCOPY));
	rfd = KST_OPEN("wk", O_RDONLY | O_NONBLOCK);
	ASSERT_EQ(0, rmap_init(&r, rfd));
	wfd = KST_OPEN("wk", O_WRONLY);

	/* blocked in ks_next, woken by a publish */
	w.tid = gettid_();
	w.fd = wfd;
	ASSERT_EQ(0, pthread_create(&th, NULL, waker_fn, &w));
	ASSERT_EQ(1, ks_next(zc, &m));
	ASSERT_EQ(0, kst_join_ms(th, 10000));
	ASSERT_EQ(0, w.err) TH_LOG("ks_next did not sleep");
	EXPECT_EQ(0, m.seq);
	EXPECT_EQ(4, m.len);
	EXPECT_EQ(0, memcmp(m.data, "wake", 4));
	EXPECT_EQ(0, ks_release(zc));
	/* zc2 is one behind */

	/* level-triggered epoll follows the cursor page */
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, ks_consumer_fd(zc), &ev));
	ep2 = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep2);
	ASSERT_EQ(0, epoll_ctl(ep2, EPOLL_CTL_ADD, rfd, &ev));
	EXPECT_EQ(0, epoll_in(ep, 0));
	EXPECT_EQ(EPOLLIN, epoll_in(ep2, 0));	/* "wake" beyond its pos */
	store_release(&r.page->pos, r.ctl->head);
	EXPECT_EQ(0, epoll_in(ep2, 0));

	ASSERT_EQ(3, kst_wr(wfd, "one", 3));
	ASSERT_EQ(3, kst_wr(wfd, "two", 3));
	EXPECT_EQ(EPOLLIN, epoll_in(ep, 5000));
	EXPECT_EQ(EPOLLIN, epoll_in(ep2, 5000));
	/* held, not released: pos has not moved, still readable */
	ASSERT_EQ(1, ks_next(zc, &m));
	EXPECT_EQ(1, m.seq);
	EXPECT_EQ(EPOLLIN, epoll_in(ep, 0));
	ASSERT_EQ(0, ks_release(zc));
	EXPECT_EQ(EPOLLIN, epoll_in(ep, 0));
	ASSERT_EQ(1, ks_next(zc, &m));
	EXPECT_EQ(2, m.seq);
	EXPECT_EQ(EPOLLIN, epoll_in(ep, 0));
	ASSERT_EQ(0, ks_release(zc));
	EXPECT_EQ(0, epoll_in(ep, 0));
	EXPECT_EQ(0, epoll_in(ep, 0));
	/* the raw reader: one record consumed, then the other */
	store_release(&r.page->pos, r.page->pos + KSTREAM_REC_SIZE(3));
	EXPECT_EQ(EPOLLIN, epoll_in(ep2, 0));
	store_release(&r.page->pos, r.ctl->head);
	EXPECT_EQ(0, epoll_in(ep2, 0));
	/* and the next publish wakes both up */
	ASSERT_EQ(5, kst_wr(wfd, "three", 5));
	EXPECT_EQ(EPOLLIN, epoll_in(ep, 5000));
	EXPECT_EQ(EPOLLIN, epoll_in(ep2, 5000));
	ASSERT_EQ(1, ks_next(zc, &m));
	EXPECT_EQ(3, m.seq);
	ASSERT_EQ(0, ks_release(zc));
	EXPECT_EQ(0, epoll_in(ep, 0));

	/* deletion: EPOLLHUP, the rest drained, then -EPIPE */
	ASSERT_EQ(4, kst_wr(wfd, "four", 4));
	ASSERT_EQ(0, kst_topic_delete(&self->nl, "wk"));
	e = epoll_in(ep, 5000);
	EXPECT_EQ(EPOLLIN | EPOLLHUP, e & (EPOLLIN | EPOLLHUP)) TH_LOG("events %#x", e);
	ASSERT_EQ(1, ks_next(zc, &m));
	EXPECT_EQ(4, m.seq);
	EXPECT_EQ(0, memcmp(m.data, "four", 4));
	EXPECT_EQ(0, ks_release(zc));
	EXPECT_EQ(-EPIPE, ks_next(zc, &m));
	EXPECT_EQ(-EPIPE, ks_next(zc, &m));
	e = epoll_in(ep, 0);
	EXPECT_TRUE(e & EPOLLHUP) TH_LOG("events %#x", e);
	/* zc2 drains all five, in order, then -EPIPE */
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(1, ks_next(zc2, &m)) TH_LOG("message %d", i);
		EXPECT_EQ(i, m.seq);
		EXPECT_EQ(0, ks_release(zc2));
	}
	EXPECT_EQ(-EPIPE, ks_next(zc2, &m));
	e = epoll_in(ep2, 0);
	EXPECT_TRUE(e & EPOLLHUP) TH_LOG("events %#x", e);
	ks_consumer_close(zc);
	ks_consumer_close(zc2);
	rmap_unmap(&r);
	close(ep);
	close(ep2);
}

TEST_F_TIMEOUT(mm, delete_wakes_blocked_zerocopy_consumer, 20)
{
	struct ks_consumer *zc;
	struct waker w = { 0 };
	struct ks_msg m;
	pthread_t th;

	KST_MK("wkd", 4096, 0, KSTREAM_POLICY_BLOCK);
	ASSERT_EQ(0, ks_consumer_open(&zc, "wkd", KS_ZEROCOPY));
	w.tid = gettid_();
	w.nl = &self->nl;
	w.topic = "wkd";
	ASSERT_EQ(0, pthread_create(&th, NULL, waker_fn, &w));
	EXPECT_EQ(-EPIPE, ks_next(zc, &m));
	ASSERT_EQ(0, kst_join_ms(th, 10000));
	EXPECT_EQ(0, w.err) TH_LOG("ks_next did not sleep, or delete failed");
	ks_consumer_close(zc);
}

/*
 * A non-blocking zero-copy consumer never enters the kernel while the ring
 * holds something: it learns of the deletion from the control page
 * (KSTREAM_RING_DELETED), reads what was left, then gets -EPIPE.
 */
TEST_F_TIMEOUT(mm, deleted_topic_ends_nonblocking_zerocopy_consumer, 20)
{
	const struct kstream_ring_ctl *ctl;
	struct ks_consumer *zc;
	struct ks_msg m;
	size_t len = psz() + 2 * 4096;
	int wfd, rfd;

	KST_MK("nbd", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	ASSERT_EQ(0, ks_consumer_open(&zc, "nbd", KS_ZEROCOPY | KS_NONBLOCK));
	rfd = KST_OPEN("nbd", O_RDONLY);
	ctl = mmap(NULL, len, PROT_READ, MAP_SHARED, rfd, 0);
	ASSERT_NE(MAP_FAILED, ctl);
	wfd = KST_OPEN("nbd", O_WRONLY);
	ASSERT_EQ(0, ks_next(zc, &m));		/* empty, not deleted */
	ASSERT_EQ(3, kst_wr(wfd, "one", 3));
	ASSERT_EQ(3, kst_wr(wfd, "two", 3));
	close(wfd);
	EXPECT_EQ(0, load_acquire(&ctl->flags));
	ASSERT_EQ(0, kst_topic_delete(&self->nl, "nbd")) TH_LOG("%s", self->nl.extack);
	EXPECT_EQ(KSTREAM_RING_DELETED, load_acquire(&ctl->flags));
	ASSERT_EQ(1, ks_next(zc, &m));
	EXPECT_EQ(3, m.len);
	EXPECT_EQ(0, memcmp(m.data, "one", 3));
	ASSERT_EQ(1, ks_next(zc, &m));
	EXPECT_EQ(0, memcmp(m.data, "two", 3));
	EXPECT_EQ(-EPIPE, ks_next(zc, &m));
	EXPECT_EQ(-EPIPE, ks_next(zc, &m));
	munmap((void *)ctl, len);
	close(rfd);
	ks_consumer_close(zc);
}

/* ------------------------------------------------- wakeup coalescing */

struct poller {
	int fd;
	int timeout_ms;
	int revents;
	__u64 ms;		/* how long poll() took */
};

static void *poll_thread(void *arg)
{
	struct poller *p = arg;
	__u64 t0 = kst_now_ns(CLOCK_MONOTONIC);

	p->revents = kst_poll(p->fd, POLLIN, p->timeout_ms);
	p->ms = (kst_now_ns(CLOCK_MONOTONIC) - t0) / 1000000;
	return NULL;
}

/* Poll @fd in a thread while @n messages of @len bytes go to @wfd. */
static struct poller poll_while_publishing(int fd, int wfd, int n, size_t len,
					   int timeout_ms)
{
	struct poller p = { .fd = fd, .timeout_ms = timeout_ms };
	char msg[1024] = { 0 };
	pthread_t thr;
	int i;

	pthread_create(&thr, NULL, poll_thread, &p);
	usleep(100000);		/* the poller is asleep by now */
	for (i = 0; i < n; i++)
		if (write(wfd, msg, len) != (ssize_t)len)
			p.revents = -errno;
	pthread_join(thr, NULL);
	return p;
}

/*
 * KSTREAM_IOC_SET_WAKEUP: a caught-up reader sleeps until its threshold of
 * record bytes is reached, not at every message; 0 restores wakeups per
 * message.
 */
TEST_F_TIMEOUT(mm, wakeup_threshold, 30)
{
	__u32 bytes = 4096, zero = 0;
	struct poller p;
	char buf[1024];
	int fd, wfd;

	KST_MK("cw", 64 * 1024, 1024, KSTREAM_POLICY_OVERWRITE);
	fd = KST_OPEN("cw", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("cw", O_WRONLY);
	ASSERT_EQ(0, ioctl(fd, KSTREAM_IOC_SET_WAKEUP, &bytes));

	/* One 64-byte message (a 96-byte record): not enough to wake it. */
	p = poll_while_publishing(fd, wfd, 1, 64, 1500);
	EXPECT_EQ(POLLIN, p.revents);	/* the timeout's last look sees it */
	EXPECT_LE(1400, p.ms) TH_LOG("woken after %llu ms", p.ms);
	ASSERT_EQ(64, read(fd, buf, sizeof(buf)));

	/* 64 of them (6 KiB of records): woken. */
	p = poll_while_publishing(fd, wfd, 64, 64, 10000);
	EXPECT_EQ(POLLIN, p.revents);
	EXPECT_GT(5000, p.ms) TH_LOG("not woken: %llu ms", p.ms);
	while (read(fd, buf, sizeof(buf)) > 0)
		;

	/* Back to one wakeup per message. */
	ASSERT_EQ(0, ioctl(fd, KSTREAM_IOC_SET_WAKEUP, &zero));
	p = poll_while_publishing(fd, wfd, 1, 64, 10000);
	EXPECT_EQ(POLLIN, p.revents);
	EXPECT_GT(5000, p.ms) TH_LOG("not woken: %llu ms", p.ms);

	/* Readers only, and the argument must be readable. */
	EXPECT_EQ(-1, ioctl(wfd, KSTREAM_IOC_SET_WAKEUP, &bytes));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, ioctl(fd, KSTREAM_IOC_SET_WAKEUP, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	close(fd);
	close(wfd);
}

struct producer {
	int fd, n;
	size_t len;
	int err;
};

static void *produce_thread(void *arg)
{
	struct producer *w = arg;
	char msg[1024];
	int i;

	for (i = 0; i < w->n; i++) {
		memset(msg, i, sizeof(msg));
		memcpy(msg, &i, sizeof(i));
		if (write(w->fd, msg, w->len) != (ssize_t)w->len) {
			w->err = errno;
			break;
		}
	}
	return NULL;
}

/*
 * A threshold larger than the ring (clamped to half of it) on a block
 * topic: the producer fills the ring and waits; it must never wait for a
 * reader that waits for more data.  Both a blocking read() reader and
 * libkstream's zero-copy consumer get every message, in order, and no
 * wait outlasts its documented bound: the read() reader's is its delay
 * (KSTREAM_IOC_SET_WAKEUP_DELAY), for the last records below the
 * threshold once the producer is done; the zero-copy consumer never
 * waits, the read() before it having seen the message.  (With the
 * unbounded KSTREAM_IOC_SET_WAKEUP, a read() that caught up within the
 * last half ring of the stream slept for good: issue 21.)
 */
#define KST_BLOCK_DELAY_MS	200
#define KST_SLACK_MS		1000	/* scheduling, TCG, a loaded host */

TEST_F_TIMEOUT(mm, wakeup_threshold_block_topic, 120)
{
	struct kstream_wakeup wk = {
		.bytes = 1U << 30, .max_delay_us = KST_BLOCK_DELAY_MS * 1000,
	};
	struct producer w = { .n = 3000, .len = 500 };
	__u64 t0, ms, max_read = 0, max_zc = 0;
	struct ks_consumer *zc;
	struct ks_msg m;
	char buf[1024];
	pthread_t thr;
	int fd, i, got;

	KST_MK("cwb", 16 * 1024, 1024, KSTREAM_POLICY_BLOCK);
	fd = KST_OPEN("cwb", O_RDONLY);
	ASSERT_EQ(0, ioctl(fd, KSTREAM_IOC_SET_WAKEUP_DELAY, &wk));
	ASSERT_EQ(0, ks_consumer_open(&zc, "cwb", KS_ZEROCOPY));
	/* A delay long enough that only the kernel's wakeups count. */
	ASSERT_EQ(0, ks_consumer_set_wakeup(zc, 1U << 30, 60000));
	w.fd = KST_OPEN("cwb", O_WRONLY);
	pthread_create(&thr, NULL, produce_thread, &w);
	for (i = 0; i < w.n; i++) {
		t0 = kst_now_ns(CLOCK_MONOTONIC);
		ASSERT_EQ((ssize_t)w.len, read(fd, buf, sizeof(buf)));
		ms = (kst_now_ns(CLOCK_MONOTONIC) - t0) / 1000000;
		max_read = ms > max_read ? ms : max_read;
		memcpy(&got, buf, sizeof(got));
		ASSERT_EQ(i, got);
		t0 = kst_now_ns(CLOCK_MONOTONIC);
		ASSERT_EQ(1, ks_next(zc, &m));
		ms = (kst_now_ns(CLOCK_MONOTONIC) - t0) / 1000000;
		max_zc = ms > max_zc ? ms : max_zc;
		ASSERT_EQ(w.len, m.len);
		memcpy(&got, m.data, sizeof(got));
		ASSERT_EQ(i, got);
		ASSERT_EQ(0, ks_release(zc));
	}
	pthread_join(thr, NULL);
	EXPECT_EQ(0, w.err);
	EXPECT_GE(KST_BLOCK_DELAY_MS + KST_SLACK_MS, max_read)
		TH_LOG("a read() waited %llu ms (bound %d ms)", max_read,
		       KST_BLOCK_DELAY_MS);
	EXPECT_GE(KST_SLACK_MS, max_zc)
		TH_LOG("the zero-copy consumer waited %llu ms", max_zc);
	ks_consumer_close(zc);
	close(fd);
	close(w.fd);
}

/*
 * KSTREAM_IOC_SET_WAKEUP_DELAY: the kernel bounds the delay a threshold
 * adds, for a blocking read() and for poll() alike; the bound counts from
 * the first record held back (later ones do not push it out); the
 * argument is checked.
 */
TEST_F_TIMEOUT(mm, wakeup_delay_kernel_bound, 60)
{
	struct kstream_wakeup wk = { .bytes = 60000, .max_delay_us = 300000 };
	struct pollfd pfd;
	__u64 t0, ms;
	char buf[1024];
	int fd, wfd, i;

	KST_MK("cwk", 128 * 1024, 1024, KSTREAM_POLICY_BLOCK);
	fd = KST_OPEN("cwk", O_RDONLY);
	wfd = KST_OPEN("cwk", O_WRONLY);
	ASSERT_EQ(0, ioctl(fd, KSTREAM_IOC_SET_WAKEUP_DELAY, &wk));

	/* A blocking read(): one record far below the threshold. */
	if (fork() == 0) {
		usleep(100000);
		_exit(write(wfd, "x", 1) != 1);
	}
	t0 = kst_now_ns(CLOCK_MONOTONIC);
	ASSERT_EQ(1, read(fd, buf, sizeof(buf)));
	ms = (kst_now_ns(CLOCK_MONOTONIC) - t0) / 1000000;
	EXPECT_LE(100 + 250, ms) TH_LOG("woken after %llu ms: before the delay", ms);
	EXPECT_GE(100 + 300 + KST_SLACK_MS, ms) TH_LOG("woken after %llu ms", ms);
	wait(NULL);

	/* poll(), with a record every 50 ms: woken by the first's bound. */
	if (fork() == 0) {
		usleep(100000);
		for (i = 0; i < 40; i++) {
			if (write(wfd, "y", 1) != 1)
				_exit(1);
			usleep(50000);
		}
		_exit(0);
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	t0 = kst_now_ns(CLOCK_MONOTONIC);
	ASSERT_EQ(1, poll(&pfd, 1, 10000));
	ms = (kst_now_ns(CLOCK_MONOTONIC) - t0) / 1000000;
	EXPECT_EQ(POLLIN, pfd.revents);
	EXPECT_LE(100 + 250, ms) TH_LOG("woken after %llu ms: before the delay", ms);
	EXPECT_GE(100 + 300 + KST_SLACK_MS, ms)
		TH_LOG("woken after %llu ms: later records pushed the bound out", ms);
	wait(NULL);

	/* The argument: readers only, readable, at most 60 s. */
	wk.max_delay_us = KSTREAM_WAKEUP_DELAY_MAX_US + 1;
	EXPECT_EQ(-1, ioctl(fd, KSTREAM_IOC_SET_WAKEUP_DELAY, &wk));
	EXPECT_EQ(EINVAL, errno);
	wk.max_delay_us = 1000;
	EXPECT_EQ(-1, ioctl(wfd, KSTREAM_IOC_SET_WAKEUP_DELAY, &wk));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, ioctl(fd, KSTREAM_IOC_SET_WAKEUP_DELAY, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	close(fd);
	close(wfd);
}

/*
 * ks_consumer_set_wakeup()'s delay bounds the wait of a consumer whose
 * threshold is not reached; it needs a delay when it has a threshold.
 */
TEST_F_TIMEOUT(mm, wakeup_delay_bounds_the_wait, 30)
{
	struct ks_consumer *zc, *cc;
	struct ks_msg m;
	__u64 t0, ms;
	int wfd;

	KST_MK("cwd", 64 * 1024, 1024, KSTREAM_POLICY_OVERWRITE);
	ASSERT_EQ(0, ks_consumer_open(&zc, "cwd", KS_ZEROCOPY));
	ASSERT_EQ(0, ks_consumer_open(&cc, "cwd", 0));
	EXPECT_EQ(-EINVAL, ks_consumer_set_wakeup(zc, 4096, 0));
	ASSERT_EQ(0, ks_consumer_set_wakeup(zc, 16384, 300));
	ASSERT_EQ(0, ks_consumer_set_wakeup(cc, 16384, 300));
	wfd = KST_OPEN("cwd", O_WRONLY);
	/* Data there: no waiting, whatever the threshold. */
	ASSERT_EQ(64, write(wfd, self, 64));
	t0 = kst_now_ns(CLOCK_MONOTONIC);
	ASSERT_EQ(1, ks_next(zc, &m));
	ASSERT_EQ(1, ks_next(cc, &m));
	ms = (kst_now_ns(CLOCK_MONOTONIC) - t0) / 1000000;
	EXPECT_GT(250, ms) TH_LOG("%llu ms: waited with data there", ms);
	/* Caught up: a message below the threshold comes with the delay. */
	ASSERT_EQ(0, ks_release(zc));
	if (fork() == 0) {
		usleep(100000);
		_exit(write(wfd, "x", 1) != 1);
	}
	t0 = kst_now_ns(CLOCK_MONOTONIC);
	ASSERT_EQ(1, ks_next(zc, &m));
	ASSERT_EQ(1, ks_next(cc, &m));
	ms = (kst_now_ns(CLOCK_MONOTONIC) - t0) / 1000000;
	EXPECT_LE(250, ms) TH_LOG("%llu ms: woken before the delay", ms);
	EXPECT_GT(3000, ms);
	ks_consumer_close(zc);
	ks_consumer_close(cc);
	close(wfd);
}

TEST_HARNESS_MAIN
