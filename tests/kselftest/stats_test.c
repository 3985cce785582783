// SPDX-License-Identifier: GPL-2.0
/*
 * Observability end to end, against the ABI (uapi/linux/kstream.h):
 * counters exact against known workloads (published, delivered, lost by
 * lapping, errors by kind), the latency histogram (its total, and every
 * delivery in a bucket its own measured bounds allow), max lag and the
 * per-reader nest, stats reset, the "events" multicast group, the
 * tracepoints (through tracefs), the sysfs view, exact counters under 4
 * concurrent producers and 4 readers, and streamctl's stats (-j through
 * jq, --prometheus through promtool check metrics), top, monitor and probe.
 *
 * Runs with kstream unloaded; the fixture loads it, teardown deletes the
 * topics and unloads it.
 */
#include <dirent.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "kselftest_harness.h"
#include "ksft_kstream.h"
#include "libkstream.h"
#include "../promtool.h"
#include "topic.h"

#define HDR sizeof(struct kstream_msg_hdr)
#define NB KSTREAM_LAT_BUCKETS
#define NOBODY 65534
#define MAX_READERS 64

/* ------------------------------------------------------ full topic get */

/* Counters the stats nest must carry as u64 (all but PAD and LATENCY). */
static __u64 all_u64_stats(void)
{
	__u64 m = 0;
	int i;

	for (i = 1; i <= KSTREAM_STAT_MAX; i++)
		if (i != KSTREAM_STAT_PAD && i != KSTREAM_STAT_LATENCY)
			m |= 1ULL << i;
	return m;
}

struct rdr {
	__u32 pid;
	int mapped;
	__u64 delivered, lost, lag, lag_bytes;
	__u32 present;		/* bit per KSTREAM_READER_* */
};

/* A topic as KSTREAM_CMD_TOPIC_GET returns it, every part of it. */
struct full {
	char name[KSTREAM_NAME_MAX + 1];
	__u32 id, ring_size;
	__u64 s[KSTREAM_STAT_MAX + 1];
	__u64 present;		/* bit per u64 stat of the right length */
	__u32 bad;		/* bit per attribute of the wrong length */
	__u64 lat[NB];
	int have_lat;
	int have_readers;
	int nr;
	struct rdr r[MAX_READERS];
};

static void parse_reader(struct nlattr *nest, struct full *f)
{
	struct rdr *r;
	struct nlattr *a;
	int rem;

	if (f->nr >= MAX_READERS) {
		f->nr++;
		return;
	}
	r = &f->r[f->nr++];
	memset(r, 0, sizeof(*r));
	nla_for_each_nested(a, nest, rem) {
		int type = nla_type(a), len = nla_len(a);
		__u64 *v = NULL;

		switch (type) {
		case KSTREAM_READER_PID:
			if (len != 4)
				goto bad;
			r->pid = nla_get_u32(a);
			break;
		case KSTREAM_READER_MAPPED:
			if (len != 0)
				goto bad;
			r->mapped = 1;
			break;
		case KSTREAM_READER_DELIVERED:
			v = &r->delivered;
			break;
		case KSTREAM_READER_LOST:
			v = &r->lost;
			break;
		case KSTREAM_READER_LAG:
			v = &r->lag;
			break;
		case KSTREAM_READER_LAG_BYTES:
			v = &r->lag_bytes;
			break;
		default:
			continue;
		}
		if (v) {
			if (len != 8)
				goto bad;
			memcpy(v, nla_data(a), 8);
		}
		r->present |= 1U << type;
		continue;
bad:
		f->bad |= 1U << KSTREAM_A_TOPIC_READERS;
	}
}

/* kst_parse_topic(), and what it leaves out: the histogram, the readers. */
static void parse_full(struct nlattr *head, int len, struct full *f)
{
	struct kst_topic t;
	struct nlattr *a, *s;
	int rem, srem;

	kst_parse_topic(head, len, &t);
	memset(f, 0, sizeof(*f));
	memcpy(f->name, t.name, sizeof(f->name));
	f->id = t.id;
	f->ring_size = t.ring_size;
	memcpy(f->s, t.stats, sizeof(f->s));
	f->present = t.stats_present;
	if (t.stats_bad_len)	/* the histogram's length included */
		f->bad |= 1U << KSTREAM_A_TOPIC_STATS;
	nla_for_each_attr(a, head, len, rem) {
		switch (nla_type(a)) {
		case KSTREAM_A_TOPIC_STATS:
			nla_for_each_nested(s, a, srem) {
				if (nla_type(s) != KSTREAM_STAT_LATENCY ||
				    nla_len(s) != sizeof(f->lat))
					continue;
				memcpy(f->lat, nla_data(s), sizeof(f->lat));
				f->have_lat = 1;
			}
			break;
		case KSTREAM_A_TOPIC_READERS:
			f->have_readers = 1;
			nla_for_each_nested(s, a, srem)
				parse_reader(s, f);
			break;
		}
	}
}

/* The first reply of a request, parsed in full. */
static void full_reply(struct nlattr *head, int len, int i, void *arg)
{
	if (i == 0)
		parse_full(head, len, arg);
}

/* KSTREAM_CMD_TOPIC_GET of name, every part of the reply into *f. */
static int full_get(struct kst_nl *nl, const char *name, struct full *f)
{
	struct nl_msg *msg = kst__msg(nl, KSTREAM_CMD_TOPIC_GET, 0);
	int n = 0, ret;

	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, KSTREAM_A_TOPIC_NAME, name)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	ret = kst__request_parse(nl, msg, full_reply, f, &n);
	if (!ret && n != 1)
		return -EPROTO;
	return ret;
}

static __u64 hist_total(const __u64 *h)
{
	__u64 t = 0;
	int i;

	for (i = 0; i < NB; i++)
		t += h[i];
	return t;
}

/* The bucket of a latency of ns nanoseconds, by the ABI. */
static int lat_bucket(__u64 ns)
{
	int b = 0;

	while (b < NB - 1 && ns >= (2ULL << b))
		b++;
	return b;
}

/* ------------------------------------------------------------- events */

struct ev {
	__u32 event;
	char topic[KSTREAM_NAME_MAX + 1];
	__u32 id, pid;
	__u64 lost;
	int have_id, have_pid, have_lost;
};

struct evsock {
	struct nl_sock *sk;
	int family;
	struct ev ev[64];
	int n;
};

static int ev_valid(struct nl_msg *msg, void *arg)
{
	struct evsock *es = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct genlmsghdr *g = nlmsg_data(h);
	struct nlattr *a;
	struct ev *e;
	int rem;

	if (h->nlmsg_type != es->family || h->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN ||
	    g->cmd != KSTREAM_CMD_EVENT || es->n >= 64)
		return NL_SKIP;
	e = &es->ev[es->n++];
	memset(e, 0, sizeof(*e));
	e->event = 0xffffffff;
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), rem) {
		switch (nla_type(a)) {
		case KSTREAM_A_EVENT:
			if (nla_len(a) == 4)
				e->event = nla_get_u32(a);
			break;
		case KSTREAM_A_TOPIC_NAME:
			snprintf(e->topic, sizeof(e->topic), "%.*s", nla_len(a),
				 (char *)nla_data(a));
			break;
		case KSTREAM_A_TOPIC_ID:
			e->have_id = nla_len(a) == 4;
			e->id = e->have_id ? nla_get_u32(a) : 0;
			break;
		case KSTREAM_A_EVENT_PID:
			e->have_pid = nla_len(a) == 4;
			e->pid = e->have_pid ? nla_get_u32(a) : 0;
			break;
		case KSTREAM_A_EVENT_LOST:
			e->have_lost = nla_len(a) == 8;
			if (e->have_lost)
				memcpy(&e->lost, nla_data(a), 8);
			break;
		}
	}
	return NL_OK;
}

/* Join the "events" group; 0 or a negative error. */
static int ev_open(struct evsock *es)
{
	int grp;

	memset(es, 0, sizeof(*es));
	es->sk = nl_socket_alloc();
	if (!es->sk)
		return -ENOMEM;
	if (genl_connect(es->sk))
		return -EIO;
	es->family = genl_ctrl_resolve(es->sk, KSTREAM_GENL_NAME);
	grp = genl_ctrl_resolve_grp(es->sk, KSTREAM_GENL_NAME, KSTREAM_MCGRP_EVENTS);
	if (es->family < 0 || grp < 0)
		return -ENOENT;
	nl_socket_disable_seq_check(es->sk);
	nl_socket_modify_cb(es->sk, NL_CB_VALID, NL_CB_CUSTOM, ev_valid, es);
	if (nl_socket_add_membership(es->sk, grp))
		return -EIO;
	nl_socket_set_nonblocking(es->sk);
	return 0;
}

static void ev_close(struct evsock *es)
{
	if (es->sk)
		nl_socket_free(es->sk);
	es->sk = NULL;
}

/* Receive until es->n reaches want or timeout_ms passes; returns es->n. */
static int ev_wait(struct evsock *es, int want, int timeout_ms)
{
	__u64 end = kst_now_ns(CLOCK_MONOTONIC) + (__u64)timeout_ms * 1000000;

	while (es->n < want) {
		__u64 now = kst_now_ns(CLOCK_MONOTONIC);

		if (now >= end)
			break;
		kst_poll(nl_socket_get_fd(es->sk), POLLIN,
			 (int)((end - now) / 1000000) + 1);
		while (nl_recvmsgs_default(es->sk) >= 0)
			;
	}
	return es->n;
}

/* ------------------------------------------------------------ fixture */

KST_FIXTURE(st)

#define GET(name, f) \
	ASSERT_EQ(0, full_get(&self->nl, (name), (f))) TH_LOG("get %s: %s", (name), self->nl.extack)

static ssize_t wr_len(int fd, size_t len)
{
	static unsigned char buf[65536];

	memset(buf, 'm', len < sizeof(buf) ? len : sizeof(buf));
	return kst_wr(fd, buf, len);
}

/* The stats nest has every counter of the ABI, each of the right size. */
#define ASSERT_COMPLETE(f) do {						\
	ASSERT_EQ(all_u64_stats(), (f)->present & all_u64_stats())	\
		TH_LOG("missing counters: %#llx",				\
		       (unsigned long long)(all_u64_stats() & ~(f)->present));		\
	ASSERT_EQ(0, (f)->bad) TH_LOG("attributes of a wrong size");	\
	ASSERT_TRUE((f)->have_lat) TH_LOG("no KSTREAM_STAT_LATENCY");	\
} while (0)

/* ---------------------------------------- counters against a workload */

/*
 * Read one record from fd and account it: *lo_b and *hi_b get the
 * buckets of the latency bounds measured around the read() (the kernel
 * takes its time inside it).  Returns the record's seq, or -errno.
 */
static long long rd_rec(int fd, unsigned char *buf, size_t len, int *lo_b,
			int *hi_b, __u32 *plen)
{
	struct kstream_msg_hdr h;
	__u64 before, after;
	ssize_t n;

	before = kst_now_ns(CLOCK_REALTIME);
	n = kst_rd(fd, buf, len);
	after = kst_now_ns(CLOCK_REALTIME);
	if (n < 0)
		return n;
	if ((size_t)n < HDR)
		return -EIO;
	memcpy(&h, buf, HDR);
	if ((size_t)n != KSTREAM_REC_SIZE(h.len))
		return -EIO;	/* one record per read here */
	*lo_b = lat_bucket(before > h.ts_ns ? before - h.ts_ns : 0);
	*hi_b = lat_bucket(after > h.ts_ns ? after - h.ts_ns : 0);
	*plen = h.len;
	return (long long)h.seq;
}

TEST_F_TIMEOUT(st, counters_exact_with_lapping, 60)
{
	unsigned char buf[512];
	struct kstream_fd_info info;
	__u64 lo_cdf[NB] = { 0 }, hi_cdf[NB] = { 0 }, cum = 0, delivered = 0, bytes = 0;
	long long seq, first = -1, expect;
	int slow, fast, wfd, i, lo, hi, n;
	__u32 len;
	struct full f;

	KST_MK("ow", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	wfd = KST_OPEN("ow", O_WRONLY | O_NONBLOCK);
	slow = KST_OPEN("ow", O_RDONLY | O_NONBLOCK);
	fast = KST_OPEN("ow", O_RDONLY | O_NONBLOCK);
	ASSERT_EQ(0, kst_set_flags(slow, KSTREAM_FD_RECORDS));
	ASSERT_EQ(0, kst_set_flags(fast, KSTREAM_FD_RECORDS));

	/*
	 * N = 200 messages of 100..149 bytes (records of 128..176: a read of
	 * 176 bytes returns one); the fast reader keeps up.
	 */
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(100 + i % 50, wr_len(wfd, 100 + i % 50));
		seq = rd_rec(fast, buf, KSTREAM_REC_SIZE(149), &lo, &hi, &len);
		ASSERT_EQ(i, seq);
		ASSERT_EQ(100 + i % 50, len);
		lo_cdf[lo]++;
		hi_cdf[hi]++;
		delivered++;
		bytes += len;
	}
	/* the slow reader resumes after being lapped: K lost */
	expect = 0;
	for (;;) {
		seq = rd_rec(slow, buf, KSTREAM_REC_SIZE(149), &lo, &hi, &len);
		if (seq == -EAGAIN)
			break;
		ASSERT_LE(0, seq);
		if (first < 0)
			first = seq;
		else
			ASSERT_EQ(expect, seq) TH_LOG("a second gap");
		expect = seq + 1;
		lo_cdf[lo]++;
		hi_cdf[hi]++;
		delivered++;
		bytes += len;
	}
	ASSERT_EQ(200, expect);
	ASSERT_LT(0, first) TH_LOG("the slow reader was not lapped");
	ASSERT_EQ(0, kst_info(slow, &info));
	EXPECT_EQ(first, info.lost);

	GET("ow", &f);
	ASSERT_COMPLETE(&f);
	EXPECT_EQ(200, f.s[KSTREAM_STAT_PUBLISHED]);
	EXPECT_EQ(200 * 100 + 4 * (49 * 50 / 2), f.s[KSTREAM_STAT_PUBLISHED_BYTES]);
	EXPECT_EQ((__u64)first, f.s[KSTREAM_STAT_LOST]);
	EXPECT_EQ(0, f.s[KSTREAM_STAT_DROPPED]);
	/* DELIVERED is the sum of what the readers read */
	EXPECT_EQ(delivered, f.s[KSTREAM_STAT_DELIVERED]);
	EXPECT_EQ(200 + 200 - first, f.s[KSTREAM_STAT_DELIVERED]);
	EXPECT_EQ(bytes, f.s[KSTREAM_STAT_DELIVERED_BYTES]);
	for (i = KSTREAM_STAT_ERR_EMPTY; i <= KSTREAM_STAT_ERR_GONE; i++)
		EXPECT_EQ(0, f.s[i]) TH_LOG("error counter %d", i);
	EXPECT_EQ(0, f.s[KSTREAM_STAT_MAX_LAG]);
	EXPECT_EQ(0, f.s[KSTREAM_STAT_MAX_LAG_BYTES]);

	/*
	 * The histogram: its total is DELIVERED, and each delivery lies
	 * between the bounds measured around its read(), so for every
	 * bucket b: #(upper bound <= b) <= #(kernel <= b) <= #(lower <= b).
	 */
	EXPECT_EQ(f.s[KSTREAM_STAT_DELIVERED], hist_total(f.lat));
	EXPECT_GT(delivered, f.lat[0]) TH_LOG("every delivery took 0 or 1 ns");
	EXPECT_EQ(0, f.lat[NB - 1]) TH_LOG("deliveries that took over 9 minutes");
	n = 0;
	for (i = 0; i < NB; i++) {
		__u64 lo_c = 0, hi_c = 0;
		int k;

		for (k = 0; k <= i; k++) {
			lo_c += lo_cdf[k];
			hi_c += hi_cdf[k];
		}
		cum += f.lat[i];
		if (hi_c > cum || cum > lo_c) {
			if (n++ < 3)
				TH_LOG("bucket %d: cumulative %llu outside [%llu, %llu]", i,
				       (unsigned long long)cum, (unsigned long long)hi_c,
				       (unsigned long long)lo_c);
		}
	}
	EXPECT_EQ(0, n) TH_LOG("deliveries in buckets their measured latency excludes");
}

TEST_F(st, delivered_counts_messages_not_reads)
{
	unsigned char buf[8192];
	struct ks_consumer *zc;
	struct ks_msg m;
	int a, b, wfd, i, k, recs = 0, zero_copied = 0;
	ssize_t n;
	struct full f;

	KST_MK("dl", 65536, 0, KSTREAM_POLICY_OVERWRITE);
	a = KST_OPEN("dl", O_RDONLY | O_NONBLOCK);
	b = KST_OPEN("dl", O_RDONLY | O_NONBLOCK);
	ASSERT_EQ(0, kst_set_flags(b, KSTREAM_FD_RECORDS));
	ASSERT_EQ(0, ks_consumer_open(&zc, "dl", KS_ZEROCOPY | KS_NONBLOCK));
	wfd = KST_OPEN("dl", O_WRONLY);
	for (i = 0; i < 100; i++)
		ASSERT_EQ(10 + i, wr_len(wfd, 10 + i));

	/* a: one message per read; b: many records per read */
	for (i = 0; i < 100; i++)
		ASSERT_EQ(10 + i, kst_rd(a, buf, sizeof(buf)));
	while ((n = kst_rd(b, buf, sizeof(buf))) > 0) {
		for (k = 0; k < n; ) {
			struct kstream_msg_hdr h;

			memcpy(&h, buf + k, HDR);
			k += KSTREAM_REC_SIZE(h.len);
			recs++;
		}
	}
	ASSERT_EQ(-EAGAIN, n);
	ASSERT_EQ(100, recs);
	/* the zero-copy consumer takes 30 in place: not a delivery */
	for (i = 0; i < 30; i++) {
		ASSERT_EQ(1, ks_next(zc, &m));
		ASSERT_EQ(10 + i, m.len);
		ASSERT_EQ(0, ks_release(zc));
		zero_copied++;
	}

	GET("dl", &f);
	ASSERT_COMPLETE(&f);
	EXPECT_EQ(200, f.s[KSTREAM_STAT_DELIVERED]);
	EXPECT_EQ(2 * (100 * 10 + 99 * 100 / 2), f.s[KSTREAM_STAT_DELIVERED_BYTES]);
	EXPECT_EQ(200, hist_total(f.lat));
	/* the mapped reader's progress shows as its lag */
	EXPECT_EQ(70, f.s[KSTREAM_STAT_MAX_LAG]);
	ASSERT_TRUE(f.have_readers);
	ASSERT_EQ(3, f.nr);
	for (i = 0; i < f.nr; i++) {
		struct rdr *r = &f.r[i];

		EXPECT_EQ(getpid(), r->pid);
		if (r->mapped) {
			EXPECT_EQ(0, r->delivered);
			EXPECT_EQ(70, r->lag);
		} else {
			EXPECT_EQ(100, r->delivered);
			EXPECT_EQ(0, r->lag);
			EXPECT_EQ(0, r->lag_bytes);
		}
	}
	EXPECT_EQ(30, zero_copied);
	ks_consumer_close(zc);
}

TEST_F(st, errors_by_kind)
{
	void *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	static unsigned char big[2048];
	int rfd, wfd, n, i;
	struct full f;

	ASSERT_NE(MAP_FAILED, bad);
	KST_MK("err", 4096, 1024, KSTREAM_POLICY_BLOCK);
	rfd = KST_OPEN("err", O_RDONLY | O_NONBLOCK);	/* never reads */
	wfd = KST_OPEN("err", O_WRONLY | O_NONBLOCK);

	for (i = 0; i < 3; i++)
		EXPECT_EQ(-EINVAL, kst_wr(wfd, big, 0));
	for (i = 0; i < 2; i++)
		EXPECT_EQ(-EMSGSIZE, kst_wr(wfd, big, 1025));
	EXPECT_EQ(-EFAULT, kst_wr(wfd, bad, 100));
	n = kst_fill_until_eagain(wfd, 200, NULL);		/* one EAGAIN */
	ASSERT_LE(2, n);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(-EAGAIN, wr_len(wfd, 200));

	GET("err", &f);
	ASSERT_COMPLETE(&f);
	EXPECT_EQ(3, f.s[KSTREAM_STAT_ERR_EMPTY]);
	EXPECT_EQ(2, f.s[KSTREAM_STAT_ERR_TOO_BIG]);
	EXPECT_EQ(1, f.s[KSTREAM_STAT_ERR_FAULT]);
	EXPECT_EQ(5, f.s[KSTREAM_STAT_ERR_FULL]);
	EXPECT_EQ(0, f.s[KSTREAM_STAT_ERR_INTR]);
	EXPECT_EQ(0, f.s[KSTREAM_STAT_ERR_GONE]);
	/* refused publishes are not published */
	EXPECT_EQ(n, f.s[KSTREAM_STAT_PUBLISHED]);
	EXPECT_EQ(n * 200, f.s[KSTREAM_STAT_PUBLISHED_BYTES]);
	/* the reader that never read is the whole backlog */
	EXPECT_EQ(n, f.s[KSTREAM_STAT_MAX_LAG]);
	EXPECT_EQ(n * KSTREAM_REC_SIZE(200), f.s[KSTREAM_STAT_MAX_LAG_BYTES]);
	close(rfd);
	munmap(bad, 4096);
}

static void on_usr1(int sig)
{
	(void)sig;
}

struct blocked_write {
	int fd;
	pid_t tid;
	ssize_t ret;
	int done;
};

static void *blocked_write_fn(void *arg)
{
	struct blocked_write *b = arg;

	__atomic_store_n(&b->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	b->ret = wr_len(b->fd, 200);
	__atomic_store_n(&b->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

TEST_F_TIMEOUT(st, error_intr_counted_once, 40)
{
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	struct blocked_write b = { 0 };
	pthread_t th;
	int rfd, wnb, i;
	struct full f;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	KST_MK("intr", 4096, 0, KSTREAM_POLICY_BLOCK);
	rfd = KST_OPEN("intr", O_RDONLY | O_NONBLOCK);
	wnb = KST_OPEN("intr", O_WRONLY | O_NONBLOCK);
	ASSERT_LE(2, kst_fill_until_eagain(wnb, 200, NULL));
	b.fd = KST_OPEN("intr", O_WRONLY);
	ASSERT_EQ(0, pthread_create(&th, NULL, blocked_write_fn, &b));
	for (i = 0; i < 5000 && !__atomic_load_n(&b.tid, __ATOMIC_SEQ_CST); i++)
		usleep(1000);
	ASSERT_EQ(0, kst_wait_sleeping(b.tid, 10000));
	for (i = 0; i < 500 && !__atomic_load_n(&b.done, __ATOMIC_SEQ_CST); i++) {
		pthread_kill(th, SIGUSR1);
		usleep(20000);
	}
	pthread_join(th, NULL);
	ASSERT_EQ(-EINTR, b.ret);

	GET("intr", &f);
	ASSERT_COMPLETE(&f);
	EXPECT_EQ(1, f.s[KSTREAM_STAT_ERR_INTR]);
	EXPECT_EQ(1, f.s[KSTREAM_STAT_ERR_FULL]);	/* the one that ended the fill */
	close(rfd);
}

/*
 * ENODEV after delete: the write fails and is counted, but a deleted
 * topic has left netlink and sysfs.  Whatever stays readable must show
 * the count; if nothing does, the counter cannot be observed at all.
 */
TEST_F(st, error_gone_after_delete)
{
	char path[128], buf[64];
	int wfd, sfd;
	ssize_t n;
	struct full f;

	KST_MK("gone", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	wfd = KST_OPEN("gone", O_WRONLY);
	snprintf(path, sizeof(path), "/sys/class/stream/gone/stats/err_gone");
	sfd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, sfd) TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_EQ(0, kst_topic_delete(&self->nl, "gone"));
	EXPECT_EQ(-ENODEV, wr_len(wfd, 10));
	EXPECT_EQ(-ENODEV, wr_len(wfd, 10));

	if (!full_get(&self->nl, "gone", &f)) {
		EXPECT_EQ(2, f.s[KSTREAM_STAT_ERR_GONE]);
		return;
	}
	n = pread(sfd, buf, sizeof(buf) - 1, 0);
	if (n > 0) {
		buf[n] = '\0';
		EXPECT_EQ(2, strtoull(buf, NULL, 10));
		return;
	}
	SKIP(return, "ERR_GONE is counted, but a deleted topic is gone from netlink (ENOENT) and sysfs (%s): nothing can read it",
	     n < 0 ? strerror(errno) : "EOF");
}

/* ----------------------------------------------- lag and the readers */

static struct rdr *find_reader(struct full *f, __u64 delivered)
{
	int i;

	for (i = 0; i < f->nr && i < MAX_READERS; i++)
		if (f->r[i].delivered == delivered)
			return &f->r[i];
	return NULL;
}

TEST_F(st, max_lag_and_reader_nest)
{
	unsigned char buf[4096];
	int r1, r2, r3, wfd, i, p[2];
	__u64 rec_bytes[11] = { 0 };
	struct rdr *r;
	struct full f;
	pid_t child;
	char c;

	KST_MK("lag", 65536, 0, KSTREAM_POLICY_OVERWRITE);
	r1 = KST_OPEN("lag", O_RDONLY | O_NONBLOCK);
	r2 = KST_OPEN("lag", O_RDONLY | O_NONBLOCK);
	r3 = KST_OPEN("lag", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("lag", O_WRONLY);

	/* a reader of another process: its pid is in the nest */
	ASSERT_EQ(0, pipe(p));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		int fd = kst_open("lag", O_RDONLY);

		close(p[1]);
		if (fd < 0)
			_exit(1);
		if (read(p[0], &c, 1) < 0)
			_exit(2);
		_exit(0);
	}
	close(p[0]);
	for (i = 0; i < 200; i++) {
		GET("lag", &f);
		if (f.s[KSTREAM_STAT_READERS] == 4)
			break;
		usleep(10000);
	}
	ASSERT_EQ(4, f.s[KSTREAM_STAT_READERS]);

	/* 10 messages of 1, 3, ... 19 bytes: payload and record sizes differ */
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(2 * i + 1, wr_len(wfd, 2 * i + 1));
		rec_bytes[i + 1] = rec_bytes[i] + KSTREAM_REC_SIZE(2 * i + 1);
	}
	for (i = 0; i < 10; i++)
		ASSERT_EQ(2 * i + 1, kst_rd(r1, buf, sizeof(buf)));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(2 * i + 1, kst_rd(r2, buf, sizeof(buf)));

	GET("lag", &f);
	ASSERT_COMPLETE(&f);
	EXPECT_EQ(10, f.s[KSTREAM_STAT_MAX_LAG]);
	/* bytes behind: records in the ring, as ring_used counts them */
	EXPECT_EQ(rec_bytes[10], f.s[KSTREAM_STAT_MAX_LAG_BYTES]);
	EXPECT_EQ(rec_bytes[10], f.s[KSTREAM_STAT_RING_USED]);

	ASSERT_TRUE(f.have_readers);
	ASSERT_EQ(4, f.nr);
	for (i = 0; i < f.nr; i++) {
		__u32 all = (1U << KSTREAM_READER_PID) | (1U << KSTREAM_READER_DELIVERED) |
			    (1U << KSTREAM_READER_LOST) | (1U << KSTREAM_READER_LAG) |
			    (1U << KSTREAM_READER_LAG_BYTES);

		EXPECT_EQ(all, f.r[i].present & all) TH_LOG("reader %d", i);
		EXPECT_FALSE(f.r[i].mapped);
		EXPECT_EQ(0, f.r[i].lost);
	}
	r = find_reader(&f, 10);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(getpid(), r->pid);
	EXPECT_EQ(0, r->lag);
	EXPECT_EQ(0, r->lag_bytes);
	r = find_reader(&f, 3);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(7, r->lag);
	EXPECT_EQ(rec_bytes[10] - rec_bytes[3], r->lag_bytes);
	/* two readers with nothing read: ours and the child's */
	for (i = 0; i < f.nr; i++) {
		if (f.r[i].delivered)
			continue;
		EXPECT_EQ(10, f.r[i].lag);
		EXPECT_EQ(rec_bytes[10], f.r[i].lag_bytes);
		EXPECT_TRUE(f.r[i].pid == (__u32)getpid() || f.r[i].pid == (__u32)child)
			TH_LOG("pid %u", f.r[i].pid);
	}
	EXPECT_EQ(1, (f.r[0].pid == (__u32)child) + (f.r[1].pid == (__u32)child) +
		     (f.r[2].pid == (__u32)child) + (f.r[3].pid == (__u32)child));

	/* the slowest catches up: the max follows the next slowest */
	for (i = 0; i < 10; i++)
		ASSERT_EQ(2 * i + 1, kst_rd(r3, buf, sizeof(buf)));
	close(p[1]);
	ASSERT_EQ(child, waitpid(child, NULL, 0));
	GET("lag", &f);
	EXPECT_EQ(3, f.s[KSTREAM_STAT_READERS]);
	ASSERT_EQ(3, f.nr);
	EXPECT_EQ(7, f.s[KSTREAM_STAT_MAX_LAG]);
	EXPECT_EQ(rec_bytes[10] - rec_bytes[3], f.s[KSTREAM_STAT_MAX_LAG_BYTES]);
	close(r2);
	GET("lag", &f);
	EXPECT_EQ(0, f.s[KSTREAM_STAT_MAX_LAG]);
	EXPECT_EQ(0, f.s[KSTREAM_STAT_MAX_LAG_BYTES]);
	EXPECT_EQ(2, f.nr);
}

TEST_F(st, readers_nest_only_in_single_get)
{
	struct kst_topic t[4];
	struct full f;
	int fd;

	KST_MK("one", 0, 0, KSTREAM_POLICY_OVERWRITE);
	fd = KST_OPEN("one", O_RDONLY);
	GET("one", &f);
	EXPECT_TRUE(f.have_readers);
	EXPECT_EQ(1, f.nr);
	/* a dump has no readers nest (the old helper flags unknown attributes) */
	ASSERT_EQ(1, kst_topic_dump(&self->nl, t, 4));
	EXPECT_EQ(0, t[0].bad_len & (1U << KSTREAM_A_TOPIC_READERS));
	EXPECT_EQ(0, t[0].attrs & (1U << KSTREAM_A_TOPIC_READERS));
	close(fd);
	GET("one", &f);
	EXPECT_TRUE(f.have_readers);	/* present, empty */
	EXPECT_EQ(0, f.nr);
}

/* -------------------------------------------------------------- reset */

TEST_F(st, reset_zeroes_counters_not_gauges)
{
	unsigned char buf[256];
	struct full before, after;
	int slow, fast, wfd, i, s;
	pid_t pid;

	KST_MK("rs", 4096, 1024, KSTREAM_POLICY_OVERWRITE);
	wfd = KST_OPEN("rs", O_WRONLY);
	slow = KST_OPEN("rs", O_RDONLY | O_NONBLOCK);
	fast = KST_OPEN("rs", O_RDONLY | O_NONBLOCK);
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(100, wr_len(wfd, 100));
		ASSERT_EQ(100, kst_rd(fast, buf, sizeof(buf)));
	}
	/* the slow reader was lapped: it loses some, then catches up */
	for (i = 0; kst_rd(slow, buf, sizeof(buf)) == 100; i++)
		;
	ASSERT_GT(100, i);
	EXPECT_EQ(-EMSGSIZE, wr_len(wfd, 1025));
	EXPECT_EQ(-EINVAL, kst_wr(wfd, buf, 0));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(100, wr_len(wfd, 100));	/* both readers lag 5 */

	GET("rs", &before);
	ASSERT_COMPLETE(&before);
	ASSERT_LT(0, before.s[KSTREAM_STAT_LOST]);
	ASSERT_LT(0, before.s[KSTREAM_STAT_DELIVERED]);
	ASSERT_LT(0, hist_total(before.lat));

	/* without the admin right on the topic: refused, nothing changes */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct kst_nl nl;

		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY) || kst_nl_open(&nl))
			_exit(2);
		_exit(kst_stats_reset(&nl, "rs") == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &s, 0));
	EXPECT_TRUE(WIFEXITED(s) && WEXITSTATUS(s) == 0) TH_LOG("status %#x", s);
	EXPECT_EQ(-ENOENT, kst_stats_reset(&self->nl, "nosuch"));

	ASSERT_EQ(0, kst_stats_reset(&self->nl, "rs")) TH_LOG("%s", self->nl.extack);
	GET("rs", &after);
	ASSERT_COMPLETE(&after);
	/* counters of events: zero */
	EXPECT_EQ(0, after.s[KSTREAM_STAT_PUBLISHED]);
	EXPECT_EQ(0, after.s[KSTREAM_STAT_PUBLISHED_BYTES]);
	EXPECT_EQ(0, after.s[KSTREAM_STAT_DELIVERED]);
	EXPECT_EQ(0, after.s[KSTREAM_STAT_DELIVERED_BYTES]);
	EXPECT_EQ(0, after.s[KSTREAM_STAT_DROPPED]);
	EXPECT_EQ(0, after.s[KSTREAM_STAT_LOST]);
	for (i = KSTREAM_STAT_ERR_EMPTY; i <= KSTREAM_STAT_ERR_GONE; i++)
		EXPECT_EQ(0, after.s[i]) TH_LOG("error counter %d", i);
	EXPECT_EQ(0, hist_total(after.lat));
	/* gauges: unchanged */
	EXPECT_EQ(before.s[KSTREAM_STAT_READERS], after.s[KSTREAM_STAT_READERS]);
	EXPECT_EQ(before.s[KSTREAM_STAT_WRITERS], after.s[KSTREAM_STAT_WRITERS]);
	EXPECT_EQ(before.s[KSTREAM_STAT_HEAD_SEQ], after.s[KSTREAM_STAT_HEAD_SEQ]);
	EXPECT_EQ(before.s[KSTREAM_STAT_TAIL_SEQ], after.s[KSTREAM_STAT_TAIL_SEQ]);
	EXPECT_EQ(before.s[KSTREAM_STAT_RING_USED], after.s[KSTREAM_STAT_RING_USED]);
	EXPECT_EQ(5, after.s[KSTREAM_STAT_MAX_LAG]);
	EXPECT_EQ(before.s[KSTREAM_STAT_MAX_LAG], after.s[KSTREAM_STAT_MAX_LAG]);
	EXPECT_EQ(before.s[KSTREAM_STAT_MAX_LAG_BYTES], after.s[KSTREAM_STAT_MAX_LAG_BYTES]);
	EXPECT_EQ(before.nr, after.nr);

	/* and they count again from zero */
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(100, kst_rd(fast, buf, sizeof(buf)));
		ASSERT_EQ(100, kst_rd(slow, buf, sizeof(buf)));
	}
	ASSERT_EQ(7, wr_len(wfd, 7));
	GET("rs", &after);
	EXPECT_EQ(1, after.s[KSTREAM_STAT_PUBLISHED]);
	EXPECT_EQ(7, after.s[KSTREAM_STAT_PUBLISHED_BYTES]);
	EXPECT_EQ(10, after.s[KSTREAM_STAT_DELIVERED]);
	EXPECT_EQ(1000, after.s[KSTREAM_STAT_DELIVERED_BYTES]);
	EXPECT_EQ(10, hist_total(after.lat));
	EXPECT_EQ(0, after.s[KSTREAM_STAT_LOST]);
}

/* Drain a zero-copy consumer; returns the messages it took. */
static int zc_drain(struct ks_consumer *zc)
{
	struct ks_msg m;
	int n = 0;

	while (ks_next(zc, &m) == 1) {
		ks_release(zc);
		n++;
	}
	return n;
}

/*
 * A zero-copy reader reports its own losses (page->lost), and the topic's
 * lost counter includes them: a reset must zero that part too, and later
 * losses count from zero.
 */
TEST_F(st, reset_zeroes_lost_of_zero_copy_readers)
{
	struct ks_consumer *zc;
	__u64 lost1, lost2;
	struct full f;
	int wfd, i;

	KST_MK("zrs", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	ASSERT_EQ(0, ks_consumer_open(&zc, "zrs", KS_ZEROCOPY | KS_NONBLOCK));
	wfd = KST_OPEN("zrs", O_WRONLY);
	for (i = 0; i < 100; i++)
		ASSERT_EQ(100, wr_len(wfd, 100));
	ASSERT_LT(0, zc_drain(zc));
	lost1 = ks_lost(zc);
	ASSERT_LT(0, lost1) TH_LOG("the zero-copy reader was not lapped");
	GET("zrs", &f);
	EXPECT_EQ(lost1, f.s[KSTREAM_STAT_LOST]);

	ASSERT_EQ(0, kst_stats_reset(&self->nl, "zrs"));
	GET("zrs", &f);
	EXPECT_EQ(0, f.s[KSTREAM_STAT_LOST]) TH_LOG("lost after a reset: the zero-copy reader's %llu",
						  (unsigned long long)lost1);

	for (i = 0; i < 100; i++)
		ASSERT_EQ(100, wr_len(wfd, 100));
	ASSERT_LT(0, zc_drain(zc));
	lost2 = ks_lost(zc) - lost1;
	ASSERT_LT(0, lost2);
	GET("zrs", &f);
	EXPECT_EQ(lost2, f.s[KSTREAM_STAT_LOST]) TH_LOG("lost since the reset %llu, reported %llu",
						     (unsigned long long)lost2,
						     (unsigned long long)f.s[KSTREAM_STAT_LOST]);
	ks_consumer_close(zc);
}

/* ------------------------------------------------------------- events */

/* Lap reader rfd once on an overwrite topic (4 KiB ring, 100-byte msgs). */
static __u64 lap_once(int wfd, int rfd)
{
	struct kstream_fd_info a, b;
	unsigned char buf[256];
	int i;

	kst_info(rfd, &a);
	for (i = 0; i < 60; i++)
		if (wr_len(wfd, 100) != 100)
			return 0;
	/* the lap is noticed (and counted) by the read */
	while (kst_rd(rfd, buf, sizeof(buf)) > 0)
		;
	kst_info(rfd, &b);
	return b.lost - a.lost;
}

TEST_F_TIMEOUT(st, events_for_lifecycle_reset_and_lap, 30)
{
	struct evsock es;
	const struct ev *e;
	struct full f;
	int rfd, wfd, i;
	__u64 lost;

	ASSERT_EQ(0, ev_open(&es));
	KST_MK("ev", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	GET("ev", &f);
	ASSERT_EQ(1, ev_wait(&es, 1, 5000));
	e = &es.ev[0];
	EXPECT_EQ(KSTREAM_EVENT_TOPIC_NEW, e->event);
	EXPECT_STREQ("ev", e->topic);
	EXPECT_TRUE(e->have_id);
	EXPECT_EQ(f.id, e->id);
	EXPECT_FALSE(e->have_lost);

	ASSERT_EQ(0, kst_stats_reset(&self->nl, "ev"));
	ASSERT_EQ(2, ev_wait(&es, 2, 5000));
	EXPECT_EQ(KSTREAM_EVENT_STATS_RESET, es.ev[1].event);
	EXPECT_STREQ("ev", es.ev[1].topic);

	rfd = KST_OPEN("ev", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("ev", O_WRONLY);
	lost = lap_once(wfd, rfd);
	ASSERT_LT(0, lost);
	ASSERT_EQ(3, ev_wait(&es, 3, 5000));
	e = &es.ev[2];
	EXPECT_EQ(KSTREAM_EVENT_READER_LAPPED, e->event);
	EXPECT_STREQ("ev", e->topic);
	EXPECT_EQ(f.id, e->id);
	EXPECT_TRUE(e->have_lost);
	EXPECT_EQ(lost, e->lost);
	EXPECT_TRUE(e->have_pid);
	EXPECT_EQ(getpid(), e->pid);

	ASSERT_EQ(0, kst_topic_delete(&self->nl, "ev"));
	ASSERT_EQ(4, ev_wait(&es, 4, 5000));
	EXPECT_EQ(KSTREAM_EVENT_TOPIC_DEL, es.ev[3].event);
	EXPECT_STREQ("ev", es.ev[3].topic);
	EXPECT_EQ(f.id, es.ev[3].id);

	/* nothing else came: no duplicates, nothing for the closed fds */
	close(rfd);
	close(wfd);
	EXPECT_EQ(4, ev_wait(&es, 5, 300));
	for (i = 0; i < es.n; i++)
		EXPECT_GE(KSTREAM_EVENT_MAX, es.ev[i].event);
	ev_close(&es);
}

TEST_F_TIMEOUT(st, lap_events_rate_limited_without_losing_counts, 30)
{
	__u64 total = 0, announced = 0, t1, t2;
	struct evsock es;
	struct full f;
	int rfd, wfd, i, laps = 0;

	KST_MK("rl", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	ASSERT_EQ(0, ev_open(&es));
	rfd = KST_OPEN("rl", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("rl", O_WRONLY);

	t1 = kst_now_ns(CLOCK_MONOTONIC);
	total += lap_once(wfd, rfd);
	total += lap_once(wfd, rfd);
	total += lap_once(wfd, rfd);
	t2 = kst_now_ns(CLOCK_MONOTONIC);
	laps = 3;
	ev_wait(&es, 3, 500);
	if (t2 - t1 < 900000000ULL)
		EXPECT_EQ(1, es.n) TH_LOG("%d lap events for 3 laps within %llu ms", es.n,
					  (unsigned long long)(t2 - t1) / 1000000);
	/* a second later, the next lap's event carries what was held back */
	usleep(1100000);
	total += lap_once(wfd, rfd);
	laps++;
	ev_wait(&es, 64, 1000);
	ASSERT_LE(2, es.n);
	ASSERT_GE(laps, es.n);
	for (i = 0; i < es.n; i++) {
		EXPECT_EQ(KSTREAM_EVENT_READER_LAPPED, es.ev[i].event);
		announced += es.ev[i].lost;
	}
	EXPECT_EQ(total, announced) TH_LOG("events announced %llu of %llu lost",
					   (unsigned long long)announced,
					   (unsigned long long)total);
	GET("rl", &f);
	EXPECT_EQ(total, f.s[KSTREAM_STAT_LOST]);
	ev_close(&es);
}

/* Events of type @event among those received; the last in *@last. */
static int ev_count(const struct evsock *es, __u32 event, const struct ev **last)
{
	int i, n = 0;

	for (i = 0; i < es->n; i++) {
		if (es->ev[i].event != event)
			continue;
		n++;
		if (last)
			*last = &es->ev[i];
	}
	return n;
}

TEST_F_TIMEOUT(st, events_topic_changed_by_acl_changes, 30)
{
	struct evsock es;
	const struct ev *e = NULL;
	struct full f;

	KST_MK("chg", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	GET("chg", &f);
	ASSERT_EQ(0, ev_open(&es));

	ASSERT_EQ(0, kst_acl_add(&self->nl, "chg", KSTREAM_ACL_USER, NOBODY,
				 KSTREAM_ACL_SUBSCRIBE)) TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(1, ev_wait(&es, 1, 5000));
	EXPECT_EQ(1, ev_count(&es, KSTREAM_EVENT_TOPIC_CHANGED, &e));
	ASSERT_NE(NULL, e);
	EXPECT_STREQ("chg", e->topic);
	EXPECT_TRUE(e->have_id);
	EXPECT_EQ(f.id, e->id);
	EXPECT_FALSE(e->have_lost);
	EXPECT_FALSE(e->have_pid);

	/* the same grant again changes nothing: no event */
	ASSERT_EQ(0, kst_acl_add(&self->nl, "chg", KSTREAM_ACL_USER, NOBODY,
				 KSTREAM_ACL_SUBSCRIBE));
	EXPECT_EQ(1, ev_wait(&es, 2, 300));

	ASSERT_EQ(0, kst_acl_del(&self->nl, "chg", KSTREAM_ACL_USER, NOBODY, -1))
		TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(2, ev_wait(&es, 2, 5000));
	EXPECT_EQ(2, ev_count(&es, KSTREAM_EVENT_TOPIC_CHANGED, &e));
	EXPECT_STREQ("chg", e->topic);

	/* a refused change changes nothing */
	EXPECT_EQ(-ENOENT, kst_acl_del(&self->nl, "chg", KSTREAM_ACL_USER, NOBODY, -1));
	EXPECT_EQ(2, ev_wait(&es, 3, 300));
	ev_close(&es);
}

TEST_F_TIMEOUT(st, events_topic_changed_by_topic_set, 30)
{
	struct kst_topic_opts o = { .name = "tset", .set = KST_SET_MODE };
	const struct ev *e = NULL;
	struct evsock es;
	int fd;

	KST_MK("tset", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	ASSERT_EQ(0, ev_open(&es));
	o.mode = 0640;
	ASSERT_EQ(0, kst_topic_set(&self->nl, &o, NULL)) TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(1, ev_wait(&es, 1, 5000));
	EXPECT_EQ(1, ev_count(&es, KSTREAM_EVENT_TOPIC_CHANGED, &e));
	ASSERT_NE(NULL, e);
	EXPECT_STREQ("tset", e->topic);

	/* a refused change changes nothing: no event */
	fd = KST_OPEN("tset", O_RDONLY);
	o.set = KST_SET_POLICY;
	o.policy = KSTREAM_POLICY_BLOCK;
	EXPECT_EQ(-EBUSY, kst_topic_set(&self->nl, &o, NULL));
	EXPECT_EQ(1, ev_wait(&es, 2, 300));
	close(fd);
	ASSERT_EQ(0, kst_topic_set(&self->nl, &o, NULL)) TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(2, ev_wait(&es, 2, 5000));
	EXPECT_EQ(2, ev_count(&es, KSTREAM_EVENT_TOPIC_CHANGED, NULL));
	ev_close(&es);
}

/* As nobody: a stats reset of @topic, refused; or, @path, an open. */
static pid_t denied_child(const char *topic, const char *path)
{
	pid_t pid = fork();
	struct kst_nl nl;
	int fd;

	if (pid)
		return pid;
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		_exit(2);
	if (path) {
		fd = open(path, O_RDONLY);
		_exit(fd < 0 && errno == EACCES ? 0 : 1);
	}
	if (kst_nl_open(&nl))
		_exit(2);
	_exit(kst_stats_reset(&nl, topic) == -EPERM &&
	      kst_stats_reset(&nl, topic) == -EPERM ? 0 : 1);
}

TEST_F_TIMEOUT(st, events_denied_rate_limited, 30)
{
	char path[128];
	struct evsock es;
	const struct ev *e = NULL;
	struct full f;
	pid_t pid;
	int s;

	/* owner root, mode 0600 */
	KST_MK("dn", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	GET("dn", &f);
	ASSERT_EQ(0, ev_open(&es));

	/* two refused admin requests within a second: one event */
	pid = denied_child("dn", NULL);
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &s, 0));
	ASSERT_TRUE(WIFEXITED(s) && WEXITSTATUS(s) == 0) TH_LOG("status %#x", s);
	ASSERT_EQ(1, ev_wait(&es, 1, 5000));
	EXPECT_EQ(1, ev_wait(&es, 2, 500));
	EXPECT_EQ(1, ev_count(&es, KSTREAM_EVENT_DENIED, &e));
	ASSERT_NE(NULL, e);
	EXPECT_STREQ("dn", e->topic);
	EXPECT_EQ(f.id, e->id);
	EXPECT_TRUE(e->have_pid);
	EXPECT_EQ(pid, e->pid);
	EXPECT_FALSE(e->have_lost);
	GET("dn", &f);
	EXPECT_EQ(2, f.s[KSTREAM_STAT_DENIED]);

	/*
	 * A second later, an open the node lets through (chmod'ed 0644)
	 * but the topic's policy (mode 0600) refuses: the next event.
	 */
	usleep(1100000);
	kst_dev_path(path, sizeof(path), "dn");
	ASSERT_EQ(0, chmod(path, 0644));
	pid = denied_child("dn", path);
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &s, 0));
	ASSERT_TRUE(WIFEXITED(s) && WEXITSTATUS(s) == 0) TH_LOG("status %#x", s);
	ASSERT_EQ(2, ev_wait(&es, 2, 5000));
	EXPECT_EQ(2, ev_count(&es, KSTREAM_EVENT_DENIED, &e));
	EXPECT_EQ(pid, e->pid);
	GET("dn", &f);
	EXPECT_EQ(3, f.s[KSTREAM_STAT_DENIED]);
	ev_close(&es);
}

TEST_F_TIMEOUT(st, events_topic_del_for_every_topic_at_unload, 60)
{
	const char *names[] = { "u0", "u1", "u2" };
	struct evsock es;
	int i, j, seen;

	ASSERT_EQ(0, ev_open(&es));
	for (i = 0; i < 3; i++)
		KST_MK(names[i], 4096, 0, KSTREAM_POLICY_OVERWRITE);
	ASSERT_EQ(3, ev_wait(&es, 3, 5000));
	ASSERT_EQ(0, kst_unload());
	ASSERT_EQ(6, ev_wait(&es, 6, 5000));
	EXPECT_EQ(3, ev_count(&es, KSTREAM_EVENT_TOPIC_DEL, NULL));
	for (i = 0; i < 3; i++) {
		seen = 0;
		for (j = 3; j < es.n; j++)
			seen += es.ev[j].event == KSTREAM_EVENT_TOPIC_DEL &&
				!strcmp(es.ev[j].topic, names[i]);
		EXPECT_EQ(1, seen) TH_LOG("deletion events of %s", names[i]);
	}
	ev_close(&es);
}

/* -------------------------------------------------------- tracepoints */

#define TRACEFS "/sys/kernel/tracing"

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

/* The whole file, NUL-terminated, malloc()ed; NULL on error. */
static char *slurp(const char *path)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096) {
			char *b = realloc(buf, cap * 2);

			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

static const char *const tracepoints[] = {
	"kstream_publish", "kstream_drop", "kstream_deliver", "kstream_lap",
};

static int trace_enable(int on)
{
	char path[256];
	size_t i;
	int err = 0;

	for (i = 0; i < sizeof(tracepoints) / sizeof(tracepoints[0]); i++) {
		snprintf(path, sizeof(path), TRACEFS "/events/kstream/%s/enable",
			 tracepoints[i]);
		if (write_str(path, on ? "1" : "0") && on)
			err = -ENOENT;
	}
	return err;
}

TEST_F(st, tracepoints_fire)
{
	unsigned char buf[256];
	char path[256], want[160];
	int rfd, slow, wfd, i;
	char *trace;
	__u64 lost;
	size_t k;

	if (access(TRACEFS "/events", F_OK))
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	if (access(TRACEFS "/events", F_OK))
		SKIP(return, "no tracefs at " TRACEFS);
	for (k = 0; k < sizeof(tracepoints) / sizeof(tracepoints[0]); k++) {
		snprintf(path, sizeof(path), TRACEFS "/events/kstream/%s/format",
			 tracepoints[k]);
		EXPECT_EQ(0, access(path, R_OK)) TH_LOG("no tracepoint %s", tracepoints[k]);
	}
	ASSERT_EQ(0, write_str(TRACEFS "/trace", ""));
	ASSERT_EQ(0, trace_enable(1));
	write_str(TRACEFS "/tracing_on", "1");

	KST_MK("tr", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("tr", O_RDONLY | O_NONBLOCK);
	slow = KST_OPEN("tr", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("tr", O_WRONLY);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(5 + i, wr_len(wfd, 5 + i));
		ASSERT_EQ(5 + i, kst_rd(rfd, buf, sizeof(buf)));
	}
	lost = lap_once(wfd, slow);
	ASSERT_LT(0, lost);
	trace_enable(0);

	trace = slurp(TRACEFS "/trace");
	ASSERT_NE(NULL, trace);
	for (i = 0; i < 3; i++) {
		snprintf(want, sizeof(want), "kstream_publish: topic=tr seq=%d len=%d ts_ns=",
			 i, 5 + i);
		EXPECT_NE(NULL, strstr(trace, want)) TH_LOG("no \"%s\"", want);
		snprintf(want, sizeof(want), "kstream_deliver: topic=tr seq=%d len=%d latency_ns=",
			 i, 5 + i);
		EXPECT_NE(NULL, strstr(trace, want)) TH_LOG("no \"%s\"", want);
	}
	snprintf(want, sizeof(want), "kstream_lap: topic=tr pid=%d lost=%llu", getpid(),
		 (unsigned long long)lost);
	EXPECT_NE(NULL, strstr(trace, want)) TH_LOG("no \"%s\"", want);
	free(trace);
	write_str(TRACEFS "/trace", "");
}

/* ------------------------------------------------------------- sysfs */

static int read_sysfs_u64(const char *topic, const char *name, __u64 *v)
{
	char path[256], buf[64], *end;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/stream/%s/stats/%s", topic, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*v = strtoull(buf, &end, 10);
	return *end == '\n' && end[1] == '\0' ? 0 : -EPROTO;
}

TEST_F(st, sysfs_agrees_with_netlink)
{
	unsigned char buf[256];
	char path[256], *hist, *p;
	int rfd, slow, wfd, i, names = 0;
	struct stat sb;
	struct full f;
	__u64 v = 0;

	KST_MK("sy", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("sy", O_RDONLY | O_NONBLOCK);
	slow = KST_OPEN("sy", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("sy", O_WRONLY | O_NONBLOCK);
	for (i = 0; i < 50; i++) {
		ASSERT_EQ(100, wr_len(wfd, 100));
		ASSERT_EQ(100, kst_rd(rfd, buf, sizeof(buf)));
	}
	ASSERT_EQ(100, kst_rd(slow, buf, sizeof(buf)));
	ASSERT_EQ(3, wr_len(wfd, 3));
	EXPECT_EQ(-EMSGSIZE, wr_len(wfd, 2000));

	GET("sy", &f);
	ASSERT_COMPLETE(&f);
	/* one file per counter, named as in streamctl's JSON */
	for (i = 1; i <= KSTREAM_STAT_MAX; i++) {
		const char *name = topic_stat_name(i);

		if (!name)
			continue;
		names++;
		snprintf(path, sizeof(path), "/sys/class/stream/sy/stats/%s", name);
		ASSERT_EQ(0, stat(path, &sb)) TH_LOG("%s: %s", path, strerror(errno));
		EXPECT_TRUE(S_ISREG(sb.st_mode));
		EXPECT_EQ(0444, sb.st_mode & 07777) TH_LOG("%s", path);
		EXPECT_EQ(-1, open(path, O_WRONLY | O_CLOEXEC));
		ASSERT_EQ(0, read_sysfs_u64("sy", name, &v)) TH_LOG("%s", name);
		EXPECT_EQ(f.s[i], v) TH_LOG("%s: sysfs %llu, netlink %llu", name,
					    (unsigned long long)v,
					    (unsigned long long)f.s[i]);
	}
	/*
	 * 19 of observability, 3 drop reasons, the denial counter, 4 of
	 * idempotent producers, 4 of dead-letter topics
	 */
	EXPECT_EQ(31, names);
	EXPECT_LT(0, f.s[KSTREAM_STAT_LOST]);
	EXPECT_EQ(1, f.s[KSTREAM_STAT_ERR_TOO_BIG]);

	/* latency_histogram/bucket<i>: one value per file */
	for (i = 0; i < NB; i++) {
		snprintf(path, sizeof(path),
			 "/sys/class/stream/sy/latency_histogram/bucket%d", i);
		hist = slurp(path);
		ASSERT_NE(NULL, hist) TH_LOG("%s", path);
		v = strtoull(hist, &p, 10);
		EXPECT_EQ(0, strcmp(p, "\n")) TH_LOG("%s: \"%s\"", path, hist);
		EXPECT_EQ(f.lat[i], v) TH_LOG("bucket %d", i);
		free(hist);
	}
	snprintf(path, sizeof(path),
		 "/sys/class/stream/sy/latency_histogram/bucket%d", NB);
	EXPECT_EQ(-1, stat(path, &sb));
	/* the multi-value file is gone */
	EXPECT_EQ(-1, stat("/sys/class/stream/sy/stats/latency_histogram", &sb));

	/* gone with the topic */
	ASSERT_EQ(0, kst_topic_delete(&self->nl, "sy"));
	EXPECT_EQ(-1, stat("/sys/class/stream/sy/stats/published", &sb));
}

/*
 * Every file of a topic's sysfs directory is documented in
 * Documentation/ABI/testing/sysfs-class-stream ("What:" lines; bucket<N>
 * stands for every bucket).  The driver core's own files (uevent, the
 * power/ directory) are documented by the kernel.
 */
static char *abi_doc;
static size_t abi_root_len;	/* of the topic's resolved directory */

static int abi_check_one(const char *fpath, const struct stat *sb, int type,
			 struct FTW *ftw)
{
	const char *rel = fpath + abi_root_len;
	char what[512], pat[256];
	const char *digits;
	size_t n;

	(void)sb;
	(void)ftw;
	if (type != FTW_F)
		return 0;	/* symlinks (subsystem) and directories */
	while (*rel == '/')
		rel++;
	if (!strcmp(rel, "uevent") || !strncmp(rel, "power/", 6))
		return 0;
	/* bucketN -> bucket<N> */
	snprintf(pat, sizeof(pat), "%s", rel);
	digits = strstr(rel, "/bucket");
	if (digits) {
		n = digits - rel + strlen("/bucket");
		snprintf(pat + n, sizeof(pat) - n, "<N>");
	}
	snprintf(what, sizeof(what), "What:\t\t/sys/class/stream/<name>/%s\n", pat);
	if (!strstr(abi_doc, what)) {
		fprintf(stderr, "# undocumented: %s (no \"%.*s\")\n", fpath,
			(int)strlen(what) - 1, what);
		return 1;
	}
	return 0;
}

TEST_F(st, every_sysfs_attribute_is_documented)
{
	const char *src = getenv("KSTREAM_SRC");
	char path[512], root[PATH_MAX];
	int files = 0;
	DIR *d;

	if (!src)
		SKIP(return, "KSTREAM_SRC not set");
	snprintf(path, sizeof(path), "%s/Documentation/ABI/testing/sysfs-class-stream",
		 src);
	abi_doc = slurp(path);
	ASSERT_NE(NULL, abi_doc) TH_LOG("%s", path);
	KST_MK("abi", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	/* the walk sees something: the counters and the buckets at least */
	d = opendir("/sys/class/stream/abi/latency_histogram");
	ASSERT_NE(NULL, d);
	while (readdir(d))
		files++;
	closedir(d);
	EXPECT_EQ(NB + 2, files);
	ASSERT_NE(NULL, realpath("/sys/class/stream/abi", root));
	abi_root_len = strlen(root);
	EXPECT_EQ(0, nftw(root, abi_check_one, 8, FTW_PHYS));
	free(abi_doc);
	abi_doc = NULL;
}

/* ------------------------------------------- concurrency: no drift */

#define CPROD	4
#define CREAD	4
#define CMSGS	1500

struct cc {
	int block;
	int prod_done;
	__u64 final_head;
	int stop_poll;
};

struct cprod {
	struct cc *c;
	int fd, id;
	__u64 count, bytes;
	int err;
	pthread_t th;
};

struct cread {
	struct cc *c;
	int fd, records;
	__u64 next, msgs, bytes, gaps;
	int err;
	pthread_t th;
};

struct cpoll {
	struct cc *c;
	int err;
	__u64 polls;
	char why[128];
	pthread_t th;
};

static void *cprod_fn(void *arg)
{
	struct cprod *p = arg;
	unsigned char buf[256];
	int i;

	for (i = 0; i < CMSGS; i++) {
		size_t len = 8 + (i * 7 + p->id * 13) % 200;
		ssize_t n;

		memset(buf, p->id, len);
		n = write(p->fd, buf, len);
		if (n != (ssize_t)len) {
			p->err = n < 0 ? errno : EIO;
			break;
		}
		p->count++;
		p->bytes += len;
	}
	return NULL;
}

static void *cread_fn(void *arg)
{
	struct cread *r = arg;
	unsigned char *buf = malloc(65536);
	ssize_t n;

	if (!buf) {
		r->err = ENOMEM;
		return NULL;
	}
	for (;;) {
		n = read(r->fd, buf, r->records ? 65536 : 256);
		if (n < 0 && errno == EAGAIN) {
			if (__atomic_load_n(&r->c->prod_done, __ATOMIC_SEQ_CST) &&
			    r->next >= r->c->final_head)
				break;
			kst_poll(r->fd, POLLIN, 50);
			continue;
		}
		if (n <= 0) {
			r->err = n ? errno : EPIPE;
			break;
		}
		if (r->records) {
			size_t off = 0;

			while (off + HDR <= (size_t)n) {
				struct kstream_msg_hdr h;

				memcpy(&h, buf + off, HDR);
				if (h.seq < r->next) {
					r->err = EILSEQ;
					break;
				}
				r->gaps += h.seq - r->next;
				r->next = h.seq + 1;
				r->msgs++;
				r->bytes += h.len;
				off += KSTREAM_REC_SIZE(h.len);
			}
		} else {
			off_t next = lseek(r->fd, 0, SEEK_CUR);

			if (next <= 0 || (__u64)next - 1 < r->next) {
				r->err = EILSEQ;
				break;
			}
			r->gaps += next - 1 - r->next;
			r->next = next;
			r->msgs++;
			r->bytes += n;
		}
	}
	free(buf);
	return NULL;
}

/* Counters never go backwards while everything runs. */
static void *cpoll_fn(void *arg)
{
	__u64 last[KSTREAM_STAT_MAX + 1] = { 0 }, last_lat = 0;
	static const int mono[] = {
		KSTREAM_STAT_PUBLISHED, KSTREAM_STAT_PUBLISHED_BYTES,
		KSTREAM_STAT_DELIVERED, KSTREAM_STAT_DELIVERED_BYTES,
		KSTREAM_STAT_LOST, KSTREAM_STAT_HEAD_SEQ,
	};
	struct cpoll *p = arg;
	struct kst_nl nl;
	struct full *f = malloc(sizeof(*f));
	size_t i;

	if (!f || kst_nl_open(&nl)) {
		p->err = 1;
		free(f);
		return NULL;
	}
	while (!__atomic_load_n(&p->c->stop_poll, __ATOMIC_SEQ_CST) && !p->err) {
		if (full_get(&nl, "conc", f)) {
			p->err = 1;
			snprintf(p->why, sizeof(p->why), "get failed");
			break;
		}
		for (i = 0; i < sizeof(mono) / sizeof(mono[0]); i++) {
			if (f->s[mono[i]] < last[mono[i]]) {
				p->err = 1;
				snprintf(p->why, sizeof(p->why), "stat %d went from %llu to %llu",
					 mono[i], (unsigned long long)last[mono[i]],
					 (unsigned long long)f->s[mono[i]]);
			}
			last[mono[i]] = f->s[mono[i]];
		}
		if (hist_total(f->lat) < last_lat) {
			p->err = 1;
			snprintf(p->why, sizeof(p->why), "histogram total went down");
		}
		last_lat = hist_total(f->lat);
		p->polls++;
		usleep(2000);
	}
	kst_nl_close(&nl);
	free(f);
	return NULL;
}

KST_FIXTURE(conc)

FIXTURE_VARIANT(conc) {
	__u32 policy;
	__u32 ring;
};

FIXTURE_VARIANT_ADD(conc, block) {
	.policy = KSTREAM_POLICY_BLOCK,
	.ring = 16384,
};

/* Big enough that readers deliver a good part, small enough to lap them. */
FIXTURE_VARIANT_ADD(conc, overwrite) {
	.policy = KSTREAM_POLICY_OVERWRITE,
	.ring = 131072,
};

TEST_F_TIMEOUT(conc, counters_exact, 120)
{
	static struct cc c;
	static struct cprod p[CPROD];
	static struct cread r[CREAD];
	static struct cpoll po;
	__u64 total = 0, bytes = 0, dl = 0, dlb = 0, gaps = 0;
	struct kstream_fd_info info;
	struct full *f = malloc(sizeof(*f));
	struct timespec dl_ts;
	int i;

	ASSERT_NE(NULL, f);
	memset(&c, 0, sizeof(c));
	c.block = variant->policy == KSTREAM_POLICY_BLOCK;
	ASSERT_EQ(0, kst_create(&self->nl, "conc", variant->ring, 0, variant->policy))
		TH_LOG("%s", self->nl.extack);
	for (i = 0; i < CREAD; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].c = &c;
		r[i].records = i % 2;
		r[i].fd = kst_open("conc", O_RDONLY | O_NONBLOCK);
		ASSERT_LE(0, r[i].fd);
		if (r[i].records)
			ASSERT_EQ(0, kst_set_flags(r[i].fd, KSTREAM_FD_RECORDS));
	}
	for (i = 0; i < CPROD; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		p[i].c = &c;
		p[i].id = i;
		p[i].fd = kst_open("conc", O_WRONLY);
		ASSERT_LE(0, p[i].fd);
	}
	memset(&po, 0, sizeof(po));
	po.c = &c;
	ASSERT_EQ(0, pthread_create(&po.th, NULL, cpoll_fn, &po));
	for (i = 0; i < CREAD; i++)
		ASSERT_EQ(0, pthread_create(&r[i].th, NULL, cread_fn, &r[i]));
	for (i = 0; i < CPROD; i++)
		ASSERT_EQ(0, pthread_create(&p[i].th, NULL, cprod_fn, &p[i]));

	clock_gettime(CLOCK_REALTIME, &dl_ts);
	dl_ts.tv_sec += 90;
	for (i = 0; i < CPROD; i++) {
		if (pthread_timedjoin_np(p[i].th, NULL, &dl_ts)) {
			kst_topic_delete(&self->nl, "conc");
			ASSERT_TRUE(0) TH_LOG("producer %d stuck", i);
		}
		EXPECT_EQ(0, p[i].err) TH_LOG("producer %d: %s", i, strerror(p[i].err));
		total += p[i].count;
		bytes += p[i].bytes;
	}
	ASSERT_EQ(CPROD * CMSGS, total);
	c.final_head = total;
	__atomic_store_n(&c.prod_done, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < CREAD; i++) {
		if (pthread_timedjoin_np(r[i].th, NULL, &dl_ts)) {
			kst_topic_delete(&self->nl, "conc");
			ASSERT_TRUE(0) TH_LOG("reader %d stuck at %llu", i,
					      (unsigned long long)r[i].next);
		}
		EXPECT_EQ(0, r[i].err) TH_LOG("reader %d: %s", i, strerror(r[i].err));
		EXPECT_EQ(total, r[i].next);
		EXPECT_EQ(total, r[i].msgs + r[i].gaps);
		ASSERT_EQ(0, kst_info(r[i].fd, &info));
		EXPECT_EQ(r[i].gaps, info.lost) TH_LOG("reader %d", i);
		if (c.block) {
			EXPECT_EQ(0, r[i].gaps);
			EXPECT_EQ(bytes, r[i].bytes);
		}
		dl += r[i].msgs;
		dlb += r[i].bytes;
		gaps += r[i].gaps;
	}
	__atomic_store_n(&c.stop_poll, 1, __ATOMIC_SEQ_CST);
	pthread_join(po.th, NULL);
	EXPECT_EQ(0, po.err) TH_LOG("while running: %s", po.why);

	ASSERT_EQ(0, full_get(&self->nl, "conc", f));
	ASSERT_COMPLETE(f);
	EXPECT_EQ(total, f->s[KSTREAM_STAT_PUBLISHED]);
	EXPECT_EQ(bytes, f->s[KSTREAM_STAT_PUBLISHED_BYTES]);
	EXPECT_EQ(total, f->s[KSTREAM_STAT_HEAD_SEQ]);
	EXPECT_EQ(dl, f->s[KSTREAM_STAT_DELIVERED]);
	EXPECT_EQ(dlb, f->s[KSTREAM_STAT_DELIVERED_BYTES]);
	EXPECT_EQ(dl, hist_total(f->lat));
	EXPECT_EQ(gaps, f->s[KSTREAM_STAT_LOST]);
	EXPECT_EQ(0, f->s[KSTREAM_STAT_MAX_LAG]);
	for (i = KSTREAM_STAT_ERR_EMPTY; i <= KSTREAM_STAT_ERR_GONE; i++)
		EXPECT_EQ(0, f->s[i]) TH_LOG("error counter %d", i);
	ASSERT_EQ(CREAD, f->nr);
	for (i = 0; i < f->nr; i++) {
		int k, found = 0;

		for (k = 0; k < CREAD; k++)
			found += f->r[i].delivered == r[k].msgs && f->r[i].lost == r[k].gaps;
		EXPECT_LE(1, found) TH_LOG("reader nest %d: delivered %llu lost %llu", i,
					   (unsigned long long)f->r[i].delivered,
					   (unsigned long long)f->r[i].lost);
	}
	if (c.block)
		EXPECT_EQ(CREAD * total, dl);
	TH_LOG("%s: %llu published, %llu delivered, %llu lost, %llu polls",
	       c.block ? "block" : "overwrite", (unsigned long long)total,
	       (unsigned long long)dl, (unsigned long long)gaps,
	       (unsigned long long)po.polls);
	free(f);
}

/* ------------------------------------------------ streamctl, end to end */

static const char *streamctl(void)
{
	static char path[4096];
	const char *src = getenv("KSTREAM_SRC");
	char *p;
	ssize_t n;

	if (path[0])
		return path;
	if (src) {
		snprintf(path, sizeof(path), "%s/build/bin/streamctl", src);
		return path;
	}
	/* build/tests/kselftest/stats_test -> build/bin/streamctl */
	n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	if (n < 0)
		return "streamctl";
	path[n] = '\0';
	p = strstr(path, "/tests/kselftest/");
	if (p)
		strcpy(p, "/bin/streamctl");
	return path;
}

/*
 * Run "streamctl ARGS" through sh (ARGS may hold pipes and redirections,
 * with SC standing for streamctl); its stdout into out (NUL-terminated).
 * Returns the exit status of the pipeline, or -1.
 */
static int sh(char *out, size_t len, const char *fmt, ...)
{
	char cmd[2048], body[1536];
	va_list ap;
	size_t got = 0;
	FILE *f;
	int st;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "export SC='%s'; %s", streamctl(), body);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (out && len) {
		got = fread(out, 1, len - 1, f);
		out[got] = '\0';
	}
	while (fgetc(f) != EOF)
		;
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int have_jq(void)
{
	return sh(NULL, 0, "command -v jq >/dev/null") == 0;
}

/* Two topics with known traffic: "a" (10 x 40 bytes, read by one reader), "b". */
static void traffic(struct __test_metadata *_metadata, struct kst_nl *nl, int *rfd)
{
	unsigned char buf[64];
	int wfd, i;

	ASSERT_EQ(0, kst_create(nl, "a", 65536, 0, KSTREAM_POLICY_OVERWRITE));
	ASSERT_EQ(0, kst_create(nl, "b", 4096, 0, KSTREAM_POLICY_BLOCK));
	*rfd = kst_open("a", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, *rfd);
	wfd = kst_open("a", O_WRONLY);
	ASSERT_LE(0, wfd);
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(40, wr_len(wfd, 40));
		ASSERT_EQ(40, kst_rd(*rfd, buf, sizeof(buf)));
	}
	ASSERT_EQ(-EMSGSIZE, wr_len(wfd, 65536 / 4 + 1));
	close(wfd);
}

TEST_F_TIMEOUT(st, streamctl_stats_json_parses, 60)
{
	static char out[65536];
	int rfd;

	if (!have_jq())
		SKIP(return, "jq is not installed");
	traffic(_metadata, &self->nl, &rfd);

	ASSERT_EQ(0, sh(out, sizeof(out), "$SC -j stats | jq -e '"
			"length == 2 and .[0].name == \"a\" and .[1].name == \"b\" and "
			".[0].stats.published == 10 and .[0].stats.published_bytes == 400 and "
			".[0].stats.delivered == 10 and .[0].stats.delivered_bytes == 400 and "
			".[0].stats.err_too_big == 1 and .[0].stats.max_lag == 0 and "
			"(.[0].stats.latency_histogram | length) == 40 and "
			"(.[0].stats.latency_histogram | add) == .[0].stats.delivered and "
			".[0].latency_ns.samples == 10 and .[0].latency_ns.p50 > 0 and "
			".[0].latency_ns.p50 <= .[0].latency_ns.p99 and "
			".[0].latency_ns.p99 <= .[0].latency_ns.p999 and "
			".[1].latency_ns.p99 == null and (.[0] | has(\"readers\") | not)'"))
		TH_LOG("%s", out);
	/* one topic: an object, with its readers */
	ASSERT_EQ(0, sh(out, sizeof(out), "$SC -j stats a | jq -e '"
			".name == \"a\" and (.readers | length) == 1 and "
			".readers[0].pid == %d and .readers[0].delivered == 10 and "
			".readers[0].mapped == false and .readers[0].lag == 0'", getpid()))
		TH_LOG("%s", out);
	/* text: exit 0, the readers table; unknown topic: exit 1 */
	ASSERT_EQ(0, sh(out, sizeof(out), "$SC stats a"));
	EXPECT_NE(NULL, strstr(out, "published 10 (400 bytes) delivered 10 (400 bytes)"))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "errors 1 (empty 0 too_big 1 full 0 intr 0 fault 0 gone 0)"))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "MAPPED")) TH_LOG("%s", out);
	EXPECT_EQ(1, sh(out, sizeof(out), "$SC stats nosuch 2>/dev/null"));
	EXPECT_EQ(2, sh(out, sizeof(out), "$SC stats no/such 2>/dev/null"));
	/* the same counters as topic show -j */
	EXPECT_EQ(0, sh(out, sizeof(out), "$SC -j topic show a | jq -e "
			"'.stats.delivered == 10 and .stats.err_too_big == 1'")) TH_LOG("%s", out);

	/* reset: as root it works, as nobody it says why not */
	EXPECT_EQ(0, sh(out, sizeof(out), "$SC stats reset a"));
	EXPECT_EQ(0, sh(out, sizeof(out), "$SC -j stats a | jq -e '.stats.published == 0 and "
			".stats.delivered == 0 and .latency_ns.samples == 0'")) TH_LOG("%s", out);
	EXPECT_EQ(1, sh(out, sizeof(out), "setpriv --reuid=%d --regid=%d --clear-groups "
			"$SC stats reset a 2>&1", NOBODY, NOBODY)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "CAP_NET_ADMIN")) TH_LOG("%s", out);
	close(rfd);
}

TEST_F_TIMEOUT(st, streamctl_prometheus_passes_format_check, 60)
{
	static char out[262144];
	char err[1024], want[256];
	int rfd;

	traffic(_metadata, &self->nl, &rfd);
	ASSERT_EQ(0, sh(out, sizeof(out), "$SC stats --prometheus"));
	EXPECT_EQ(0, promtool_check(out, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_NE(NULL, strstr(out, "kstream_topics 2\n"));
	EXPECT_NE(NULL, strstr(out, "kstream_published_messages_total{topic=\"a\"} 10\n"));
	EXPECT_NE(NULL, strstr(out, "kstream_delivered_messages_total{topic=\"a\"} 10\n"));
	EXPECT_NE(NULL, strstr(out, "kstream_publish_errors_total{topic=\"a\",kind=\"too_big\"} 1\n"));
	EXPECT_NE(NULL, strstr(out, "kstream_delivery_latency_seconds_count{topic=\"a\"} 10\n"));
	EXPECT_NE(NULL, strstr(out, "kstream_delivery_latency_seconds_bucket{topic=\"a\",le=\"+Inf\"} 10\n"));
	EXPECT_NE(NULL, strstr(out, "kstream_delivery_latency_seconds_count{topic=\"b\"} 0\n"));
	EXPECT_NE(NULL, strstr(out, "kstream_ring_size_bytes{topic=\"b\"} 4096\n"));
	/* one topic */
	ASSERT_EQ(0, sh(out, sizeof(out), "$SC stats --prometheus b"));
	EXPECT_EQ(0, promtool_check(out, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(NULL, strstr(out, "topic=\"a\""));
	snprintf(want, sizeof(want), "kstream_readers{topic=\"b\"} 0\n");
	EXPECT_NE(NULL, strstr(out, want));
	/* no topics at all */
	ASSERT_EQ(2, kst_delete_all(&self->nl));
	ASSERT_EQ(0, sh(out, sizeof(out), "$SC stats --prometheus"));
	EXPECT_EQ(0, promtool_check(out, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_NE(NULL, strstr(out, "kstream_topics 0\n"));
	close(rfd);
}

TEST_F_TIMEOUT(st, streamctl_top_counts_snapshots, 60)
{
	static char out[65536];
	const char *p;
	int rfd, n = 0;

	traffic(_metadata, &self->nl, &rfd);
	/* no terminal: -n 3 prints three plain snapshots and exits */
	ASSERT_EQ(0, sh(out, sizeof(out), "$SC top -n 3 -i 0.1 </dev/null"));
	for (p = out; (p = strstr(p, "kstream top - ")); p++)
		n++;
	EXPECT_EQ(3, n) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "\033[")) TH_LOG("ANSI sequences without a terminal");
	EXPECT_NE(NULL, strstr(out, "TOPIC ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\na ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\nb ")) TH_LOG("%s", out);
	if (have_jq())
		EXPECT_EQ(0, sh(out, sizeof(out), "$SC -j top -n 2 -i 0.1 </dev/null | jq -s -e "
				"'length == 2 and (.[1].topics | length) == 2 and "
				".[1].topics[0].name == \"a\" and .[1].interval_ms > 0'"))
			TH_LOG("%s", out);
	EXPECT_EQ(2, sh(out, sizeof(out), "$SC top -n 0 2>/dev/null"));
	close(rfd);
}

/*
 * On a terminal (a pty from script(1)): top redraws with ANSI sequences,
 * quits on 'q', and leaves the terminal as it found it, after 'q' and
 * after SIGINT or SIGTERM alike.
 */
TEST_F_TIMEOUT(st, streamctl_top_on_a_terminal, 90)
{
	static char out[65536], a[512], b[512];
	char dir[] = "/tmp/kst-top.XXXXXX", path[128];
	static const char *const how[] = { "q", "INT", "TERM" };
	unsigned int i;
	int rfd;
	FILE *f;

	if (sh(NULL, 0, "command -v script && command -v stty && command -v timeout") != 0)
		SKIP(return, "script(1), stty or timeout missing");
	/* the test VM's /dev has no pty instances of its own */
	if (access("/dev/pts/ptmx", F_OK)) {
		mkdir("/dev/pts", 0755);
		mount("devpts", "/dev/pts", "devpts", 0, "ptmxmode=0666,mode=0620");
	}
	if (access("/dev/pts/ptmx", F_OK))
		SKIP(return, "no devpts: no terminal to test on");
	traffic(_metadata, &self->nl, &rfd);
	ASSERT_NE(NULL, mkdtemp(dir));
	for (i = 0; i < 3; i++) {
		/*
		 * The key goes through the pty; signals come from timeout(1).
		 * top flushes input as it enters raw mode (TCSAFLUSH) and
		 * draws its first screen an interval later: a q typed before
		 * that screen may be lost or end top before it drew anything
		 * (a slow kernel takes seconds to start it).  So q is typed,
		 * until the session ends, once the screen (script -f keeps
		 * the typescript current) shows top is there.
		 */
		if (i == 0) {
			EXPECT_EQ(0, sh(out, sizeof(out), "(for w in $(seq 600); do "
					"grep -qs 'q to quit' %s/screen && break; sleep 0.1; done; "
					"while printf q; do sleep 1; done) | script -qfec "
					"'stty -g >%s/before; $SC top -i 0.2; echo $? >%s/rc; "
					"stty -g >%s/after' %s/screen", dir, dir, dir, dir, dir));
		} else {
			EXPECT_EQ(0, sh(out, sizeof(out), "(sleep 6; printf x) | script -qec "
					"'stty -g >%s/before; timeout --foreground -s %s 2 $SC top -i 0.2; "
					"echo $? >%s/rc; stty -g >%s/after' /dev/null", dir, how[i],
					dir, dir, dir));
		}
		EXPECT_NE(NULL, strstr(out, "\033[H\033[2J")) TH_LOG("%s: no redraw in: %.300s", how[i], out);
		EXPECT_NE(NULL, strstr(out, "(q to quit)")) TH_LOG("%s", how[i]);
		EXPECT_NE(NULL, strstr(out, "\033[?25h")) TH_LOG("%s: cursor not shown again",
								   how[i]);
		snprintf(path, sizeof(path), "%s/before", dir);
		f = fopen(path, "r");
		ASSERT_NE(NULL, f);
		ASSERT_NE(NULL, fgets(b, sizeof(b), f));
		fclose(f);
		snprintf(path, sizeof(path), "%s/after", dir);
		f = fopen(path, "r");
		ASSERT_NE(NULL, f) TH_LOG("%s: the shell did not go on after top", how[i]);
		ASSERT_NE(NULL, fgets(a, sizeof(a), f));
		fclose(f);
		EXPECT_STREQ(b, a) TH_LOG("%s: terminal settings not restored", how[i]);
		snprintf(path, sizeof(path), "%s/rc", dir);
		f = fopen(path, "r");
		ASSERT_NE(NULL, f);
		ASSERT_NE(NULL, fgets(a, sizeof(a), f));
		fclose(f);
		/* top's own status after q; timeout's (124) after a signal */
		EXPECT_STREQ(i == 0 ? "0\n" : "124\n", a) TH_LOG("%s", how[i]);
		sh(NULL, 0, "rm -f %s/before %s/after %s/rc %s/screen", dir, dir, dir, dir);
	}
	rmdir(dir);
	close(rfd);
}

/* pid has a generic netlink socket that joined a multicast group. */
static int joined_group(pid_t pid)
{
	char path[64], link[64], line[512];
	unsigned long inodes[64];
	int n = 0, found = 0;
	struct dirent *d;
	FILE *f;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir)) && n < 64) {
		char fdp[320];
		ssize_t l;

		snprintf(fdp, sizeof(fdp), "%s/%s", path, d->d_name);
		l = readlink(fdp, link, sizeof(link) - 1);
		if (l <= 0)
			continue;
		link[l] = '\0';
		if (sscanf(link, "socket:[%lu]", &inodes[n]) == 1)
			n++;
	}
	closedir(dir);
	f = fopen("/proc/net/netlink", "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long sk, ino;
		unsigned int proto, groups, port;
		int i;

		if (sscanf(line, "%lx %u %u %x %*s %*s %*s %*s %*s %lu", &sk, &proto,
			   &port, &groups, &ino) != 5)
			continue;
		for (i = 0; i < n; i++)
			if (ino == inodes[i] && proto == NETLINK_GENERIC && groups)
				found = 1;
	}
	fclose(f);
	return found;
}

TEST_F_TIMEOUT(st, streamctl_monitor_prints_events, 60)
{
	char out[8192], *argv[6];
	int p[2], i, status, wfd, rfd;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (!have_jq())
		SKIP(return, "jq is not installed");
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		argv[0] = (char *)streamctl();
		argv[1] = "-j";
		argv[2] = "monitor";
		argv[3] = "-n";
		argv[4] = "4";
		argv[5] = NULL;
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	for (i = 0; i < 1000 && !joined_group(pid); i++)
		usleep(10000);
	ASSERT_TRUE(joined_group(pid)) TH_LOG("streamctl monitor never subscribed");

	KST_MK("mon", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	ASSERT_EQ(0, kst_stats_reset(&self->nl, "mon"));
	rfd = KST_OPEN("mon", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("mon", O_WRONLY);
	ASSERT_LT(0, lap_once(wfd, rfd));
	ASSERT_EQ(0, kst_topic_delete(&self->nl, "mon"));

	while (got < sizeof(out) - 1 && (n = read(p[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) TH_LOG("status %#x", status);
	close(p[0]);
	/* four JSON lines, in order */
	{
		char cmd[9000];
		FILE *f;

		snprintf(cmd, sizeof(cmd), "jq -s -e '[.[].event] == [\"topic_new\", \"stats_reset\", "
			 "\"reader_lapped\", \"topic_del\"] and all(.[]; .topic == \"mon\") and "
			 ".[2].pid == %d and .[2].lost > 0' >/dev/null", getpid());
		f = popen(cmd, "w");
		ASSERT_NE(NULL, f);
		fputs(out, f);
		EXPECT_EQ(0, pclose(f)) TH_LOG("%s", out);
	}
}

TEST_F_TIMEOUT(st, streamctl_probe, 60)
{
	static char out[8192];
	struct full f;
	int rfd, wfd;

	KST_MK("pr", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	ASSERT_EQ(0, sh(out, sizeof(out), "$SC probe pr"));
	EXPECT_NE(NULL, strstr(out, "probe pr: seq 0 seen after ")) TH_LOG("%s", out);
	ASSERT_EQ(0, sh(out, sizeof(out), "$SC probe pr -c 3 -i 0"));
	EXPECT_NE(NULL, strstr(out, "3 probes, 3 seen, min/avg/max ")) TH_LOG("%s", out);
	/* the probe adds messages to the topic */
	GET("pr", &f);
	EXPECT_EQ(4, f.s[KSTREAM_STAT_PUBLISHED]);
	EXPECT_EQ(4 * 16, f.s[KSTREAM_STAT_PUBLISHED_BYTES]);
	EXPECT_EQ(4, f.s[KSTREAM_STAT_DELIVERED]);
	EXPECT_EQ(0, f.s[KSTREAM_STAT_READERS]);
	if (have_jq())
		EXPECT_EQ(0, sh(out, sizeof(out), "$SC -j probe pr -c 2 -i 0 | jq -e "
				"'.sent == 2 and .seen == 2 and .probes[1].seq == 5 and "
				".min_ns > 0 and .min_ns <= .max_ns'")) TH_LOG("%s", out);

	/* a block topic works while readers keep up ... */
	KST_MK("bp", 4096, 0, KSTREAM_POLICY_BLOCK);
	rfd = KST_OPEN("bp", O_RDONLY | O_NONBLOCK);
	EXPECT_EQ(0, sh(out, sizeof(out), "$SC probe bp -t 5"));
	/* ... and fails, in time, when a reader holds it full (even for 16 bytes) */
	wfd = KST_OPEN("bp", O_WRONLY | O_NONBLOCK);
	ASSERT_LE(2, kst_fill_until_eagain(wfd, 16, NULL));
	EXPECT_EQ(1, sh(out, sizeof(out), "$SC probe bp -t 0.5 2>&1"));
	EXPECT_NE(NULL, strstr(out, "not keeping up")) TH_LOG("%s", out);
	close(rfd);
	/* nothing holds it now */
	EXPECT_EQ(0, sh(out, sizeof(out), "$SC probe bp -t 5"));

	EXPECT_EQ(1, sh(out, sizeof(out), "$SC probe nosuch 2>/dev/null"));
	EXPECT_EQ(2, sh(out, sizeof(out), "$SC probe 2>/dev/null"));
	KST_MK("tiny", 4096, 8, KSTREAM_POLICY_OVERWRITE);
	EXPECT_EQ(1, sh(out, sizeof(out), "$SC probe tiny 2>&1"));
	EXPECT_NE(NULL, strstr(out, "smaller than a probe")) TH_LOG("%s", out);
	close(wfd);
}

TEST_HARNESS_MAIN
