// SPDX-License-Identifier: GPL-2.0
/*
 * Idempotent producers: duplicates discarded before commit (write()
 * succeeds, nothing visible, no topic sequence used, counted), forward
 * jumps accepted and counted, retry storms of concurrent producers with
 * overlapping ids and sequences (counts exact), restarts (a new fd with
 * the same id goes on deduplicating), the bounded table (LRU eviction,
 * counted), the last-sequence query (ioctl and netlink, single and dump),
 * the origin of messages identical through read(), records mode and the
 * mapped ring, permissions.
 *
 * Runs with kstream unloaded; the fixture loads it.
 */
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ksft_kstream.h"
#include <libkstream.h>

#define ORIGIN sizeof(struct kstream_msg_origin)

FIXTURE(dd) {
	struct kst_nl nl;
};

FIXTURE_SETUP(dd)
{
	kst_fixture_load(_metadata, &self->nl, NULL);
}

FIXTURE_TEARDOWN_PARENT(dd)
{
	kst_fixture_unload_parent(_metadata);
}

/* ------------------------------------------------------------ helpers */

static int set_prod(int fd, __u64 id, __u64 next)
{
	struct kstream_producer p = { .id = id, .next_seq = next };

	return ioctl(fd, KSTREAM_IOC_SET_PRODUCER, &p) ? -errno : 0;
}

/* KSTREAM_IOC_PRODUCER_SEQ: its flags (>= 0) and *last, or -errno. */
static int last_seq(int fd, __u64 id, __u64 *last)
{
	struct kstream_producer_query q = { .id = id, .last_seq = 12345 };

	if (ioctl(fd, KSTREAM_IOC_PRODUCER_SEQ, &q))
		return -errno;
	*last = q.last_seq;
	return q.flags;
}

/* A message that says who sent it: "id:seq:" and filler, len bytes. */
static size_t mkmsg(char *buf, size_t len, __u64 id, __u64 seq)
{
	int n = snprintf(buf, len, "%llu:%llu:", (unsigned long long)id,
			 (unsigned long long)seq);
	size_t i;

	for (i = n; i < len; i++)
		buf[i] = 'a' + (id + seq + i) % 26;
	return len;
}

static ssize_t wr_msg(int fd, size_t len, __u64 id, __u64 seq)
{
	char buf[512];

	return kst_wr(fd, buf, mkmsg(buf, len, id, seq));
}

static int msg_ok(const void *p, size_t len, __u64 id, __u64 seq)
{
	char buf[512];

	return len <= sizeof(buf) && !memcmp(p, buf, mkmsg(buf, len, id, seq));
}

/* KSTREAM_CMD_PRODUCER_GET replies. */
struct prod_reply {
	__u64 id, last;
	__u32 flags;
	int have_last;
	char topic[KSTREAM_NAME_MAX];
};

struct prod_replies {
	struct prod_reply r[64];
	int n;
};

static void prod_parse(struct nlattr *head, int len, int i, void *arg)
{
	struct prod_replies *pr = arg;
	struct prod_reply *r;
	struct nlattr *a;
	int rem;

	if (i >= 64)
		return;
	r = &pr->r[i];
	memset(r, 0, sizeof(*r));
	pr->n = i + 1;
	nla_for_each_attr(a, head, len, rem) {
		switch (nla_type(a)) {
		case KSTREAM_A_TOPIC_NAME:
			snprintf(r->topic, sizeof(r->topic), "%s",
				 (char *)nla_data(a));
			break;
		case KSTREAM_A_PRODUCER_ID:
			r->id = nla_get_u64(a);
			break;
		case KSTREAM_A_PRODUCER_LAST_SEQ:
			r->last = nla_get_u64(a);
			r->have_last = 1;
			break;
		case KSTREAM_A_PRODUCER_FLAGS:
			r->flags = nla_get_u32(a);
			break;
		}
	}
}

/* PRODUCER_GET of @id (0: no id attribute), or a dump; 0 or -errno. */
static int prod_get(struct kst_nl *nl, const char *topic, __u64 id, int dump,
		    struct prod_replies *out)
{
	struct nl_msg *msg = kst__msg(nl, KSTREAM_CMD_PRODUCER_GET,
				      dump ? NLM_F_DUMP : 0);
	int n = 0;

	memset(out, 0, sizeof(*out));
	if (!msg)
		return -ENOMEM;
	if ((topic && nla_put_string(msg, KSTREAM_A_TOPIC_NAME, topic)) ||
	    (id && nla_put_u64(msg, KSTREAM_A_PRODUCER_ID, id))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return kst__request_parse(nl, msg, prod_parse, out, &n);
}

/* Read every record of @fd (records mode with origins) into @buf. */
static ssize_t read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while ((n = kst_rd(fd, (char *)buf + got, len - got)) > 0)
		got += n;
	return n == -EAGAIN ? (ssize_t)got : n;
}

static __u64 sysfs_stat(const char *topic, const char *name)
{
	char path[256], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/stream/%s/stats/%s", topic, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return (__u64)-1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (__u64)-1;
	buf[n] = '\0';
	return strtoull(buf, NULL, 10);
}

/* -------------------------------------------------------------- basics */

TEST_F(dd, duplicate_discarded_gap_counted)
{
	int w, r, i;
	__u64 last;
	char buf[512];
	struct kstream_fd_info info;

	KST_MK("t", 0, 0, KSTREAM_POLICY_OVERWRITE);
	w = KST_OPEN("t", O_WRONLY);
	r = KST_OPEN("t", O_RDONLY | O_NONBLOCK);

	/* No producer id: plain messages, never deduplicated. */
	EXPECT_EQ(10, wr_msg(w, 10, 0, 0));
	EXPECT_EQ(10, wr_msg(w, 10, 0, 0));

	ASSERT_EQ(0, set_prod(w, 7, 1));
	for (i = 1; i <= 3; i++)
		EXPECT_EQ(40, wr_msg(w, 40, 7, i));
	EXPECT_EQ(KSTREAM_PRODUCER_KNOWN, last_seq(r, 7, &last));
	EXPECT_EQ(3, last);
	EXPECT_EQ(0, last_seq(r, 8, &last));
	EXPECT_EQ(0, last);

	/* Retries of 2 and 3: success, invisible, no sequence used. */
	ASSERT_EQ(0, set_prod(w, 7, 2));
	EXPECT_EQ(40, wr_msg(w, 40, 7, 2));
	EXPECT_EQ(40, wr_msg(w, 40, 7, 3));
	/* The fd went on by itself: 4 is new. */
	EXPECT_EQ(41, wr_msg(w, 41, 7, 4));
	EXPECT_EQ(2, KST_STAT("t", KSTREAM_STAT_DROPPED_DUPLICATE));
	EXPECT_EQ(0, KST_STAT("t", KSTREAM_STAT_PRODUCER_GAPS));
	EXPECT_EQ(6, KST_STAT("t", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(0, KST_STAT("t", KSTREAM_STAT_DROPPED));
	EXPECT_EQ(1, KST_STAT("t", KSTREAM_STAT_PRODUCERS));

	/* A jump forward: accepted, counted once. */
	ASSERT_EQ(0, set_prod(w, 7, 100));
	EXPECT_EQ(42, wr_msg(w, 42, 7, 100));
	EXPECT_EQ(1, KST_STAT("t", KSTREAM_STAT_PRODUCER_GAPS));
	EXPECT_EQ(KSTREAM_PRODUCER_KNOWN, last_seq(w, 7, &last));
	EXPECT_EQ(100, last);
	/* Going back below it: every one a duplicate. */
	ASSERT_EQ(0, set_prod(w, 7, 5));
	for (i = 5; i < 100; i++)
		EXPECT_EQ(40, wr_msg(w, 40, 7, i));
	EXPECT_EQ(2 + 95, KST_STAT("t", KSTREAM_STAT_DROPPED_DUPLICATE));
	EXPECT_EQ(2 + 95, sysfs_stat("t", "dropped_duplicate"));
	EXPECT_EQ(1, sysfs_stat("t", "producer_gaps"));
	EXPECT_EQ(1, sysfs_stat("t", "producers"));

	/* What readers see: the 7 committed messages, sequences 0..6. */
	ASSERT_EQ(0, kst_info(r, &info));
	EXPECT_EQ(7, info.head_seq);
	EXPECT_EQ(10, kst_rd(r, buf, sizeof(buf)));
	EXPECT_EQ(10, kst_rd(r, buf, sizeof(buf)));
	for (i = 1; i <= 3; i++) {
		EXPECT_EQ(40, kst_rd(r, buf, sizeof(buf)));
		EXPECT_TRUE(msg_ok(buf, 40, 7, i));
	}
	EXPECT_EQ(41, kst_rd(r, buf, sizeof(buf)));
	EXPECT_TRUE(msg_ok(buf, 41, 7, 4));
	EXPECT_EQ(42, kst_rd(r, buf, sizeof(buf)));
	EXPECT_TRUE(msg_ok(buf, 42, 7, 100));
	EXPECT_EQ(-EAGAIN, kst_rd(r, buf, sizeof(buf)));

	/* Clearing the id: plain messages again. */
	ASSERT_EQ(0, set_prod(w, 0, 99));
	EXPECT_EQ(10, wr_msg(w, 10, 0, 0));
	EXPECT_EQ(10, kst_rd(r, buf, sizeof(buf)));
	EXPECT_EQ(8, KST_STAT("t", KSTREAM_STAT_PUBLISHED));

	/* A stats reset zeroes the counters, not the table. */
	ASSERT_EQ(0, kst_stats_reset(&self->nl, "t"));
	EXPECT_EQ(0, KST_STAT("t", KSTREAM_STAT_DROPPED_DUPLICATE));
	EXPECT_EQ(0, KST_STAT("t", KSTREAM_STAT_PRODUCER_GAPS));
	EXPECT_EQ(1, KST_STAT("t", KSTREAM_STAT_PRODUCERS));
	EXPECT_EQ(KSTREAM_PRODUCER_KNOWN, last_seq(r, 7, &last));
	EXPECT_EQ(100, last);
}

/* A failed write does not move the fd's sequence; EOVERFLOW at the end. */
TEST_F(dd, failed_write_keeps_sequence_and_overflow)
{
	int w, r;
	__u64 last;
	char big[2048];

	KST_MK("t", 4096 * 4, 1024, KSTREAM_POLICY_OVERWRITE);
	w = KST_OPEN("t", O_WRONLY);
	r = KST_OPEN("t", O_RDONLY | O_NONBLOCK);
	ASSERT_EQ(0, set_prod(w, 3, 10));
	memset(big, 'x', sizeof(big));
	EXPECT_EQ(-EMSGSIZE, kst_wr(w, big, sizeof(big)));
	{
		void *bad = mmap(NULL, 4096, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		ASSERT_NE(MAP_FAILED, bad);
		EXPECT_EQ(-EFAULT, kst_wr(w, bad, 16));
		munmap(bad, 4096);
	}
	EXPECT_EQ(0, last_seq(r, 3, &last));
	EXPECT_EQ(16, wr_msg(w, 16, 3, 10));
	EXPECT_EQ(KSTREAM_PRODUCER_KNOWN, last_seq(r, 3, &last));
	EXPECT_EQ(10, last);

	/* A message of msg_max bytes still fits with its origin. */
	ASSERT_EQ(1024, kst_wr(w, big, 1024));
	EXPECT_EQ(16, kst_fionread(r));
	EXPECT_EQ(16, kst_rd(r, big, sizeof(big)));
	EXPECT_EQ(1024, kst_fionread(r));
	EXPECT_EQ(1024, kst_rd(r, big, sizeof(big)));

	ASSERT_EQ(0, set_prod(w, 4, UINT64_MAX));
	EXPECT_EQ(16, wr_msg(w, 16, 4, UINT64_MAX));
	EXPECT_EQ(-EOVERFLOW, wr_msg(w, 16, 4, 0));
	EXPECT_EQ(-EOVERFLOW, wr_msg(w, 16, 4, 0));
	EXPECT_EQ(KSTREAM_PRODUCER_KNOWN, last_seq(r, 4, &last));
	EXPECT_EQ(UINT64_MAX, last);
	/* Setting it again: UINT64_MAX is a duplicate now. */
	ASSERT_EQ(0, set_prod(w, 4, UINT64_MAX));
	EXPECT_EQ(16, wr_msg(w, 16, 4, UINT64_MAX));
	EXPECT_EQ(1, KST_STAT("t", KSTREAM_STAT_DROPPED_DUPLICATE));
	EXPECT_EQ(3, KST_STAT("t", KSTREAM_STAT_PUBLISHED));
}

/* Close, reopen with the same id: deduplication goes on. */
TEST_F(dd, restart_continues)
{
	int w, r, i, n;
	__u64 last;
	char buf[256];

	KST_MK("t", 0, 0, KSTREAM_POLICY_BLOCK);
	r = KST_OPEN("t", O_RDONLY | O_NONBLOCK);
	w = KST_OPEN("t", O_WRONLY);
	ASSERT_EQ(0, set_prod(w, 0xfeedfacecafebeefULL, 1));
	for (i = 1; i <= 10; i++)
		ASSERT_EQ(32, wr_msg(w, 32, 0xfeedfacecafebeefULL, i));
	close(w);

	/* The restarted producer resends from 1: only 11 and 12 are new. */
	w = KST_OPEN("t", O_WRONLY);
	ASSERT_EQ(KSTREAM_PRODUCER_KNOWN,
		  last_seq(w, 0xfeedfacecafebeefULL, &last));
	EXPECT_EQ(10, last);
	ASSERT_EQ(0, set_prod(w, 0xfeedfacecafebeefULL, 1));
	for (i = 1; i <= 12; i++)
		ASSERT_EQ(32, wr_msg(w, 32, 0xfeedfacecafebeefULL, i));
	EXPECT_EQ(10, KST_STAT("t", KSTREAM_STAT_DROPPED_DUPLICATE));
	EXPECT_EQ(12, KST_STAT("t", KSTREAM_STAT_PUBLISHED));
	for (n = 0; kst_rd(r, buf, sizeof(buf)) == 32; n++)
		EXPECT_TRUE(msg_ok(buf, 32, 0xfeedfacecafebeefULL, n + 1));
	EXPECT_EQ(12, n);
	/* Writers and readers of another process ask alike (libkstream). */
	{
		struct ks_producer *p;
		uint64_t last;

		ASSERT_EQ(0, ks_producer_open(&p, "t", 0));
		EXPECT_EQ(1, ks_producer_last_seq(p, 0xfeedfacecafebeefULL, &last));
		EXPECT_EQ(12, last);
		EXPECT_EQ(0, ks_producer_last_seq(p, 1, &last));
		ASSERT_EQ(0, ks_producer_set_id(p, 0xfeedfacecafebeefULL, last + 1));
		buf[0] = 'z';
		EXPECT_EQ(0, ks_publish(p, buf, 1));
		EXPECT_EQ(1, ks_producer_last_seq(p, 0xfeedfacecafebeefULL, &last));
		EXPECT_EQ(13, last);
		EXPECT_EQ(-EINVAL, ks_producer_last_seq(p, 0, &last));
		ks_producer_close(p);
	}
}

/* ------------------------------------------------------ retry storms */

#define STORM_THREADS	4
#define STORM_SEQS	1500

struct storm {
	pthread_barrier_t *go;
	int fd;
	__u64 id;
	int step;		/* sends the sequences that are multiples */
	unsigned int seed;
	long writes;		/* write() calls that returned the length */
	int err;
};

/*
 * One producer: sequences 1..STORM_SEQS of its id, each sent 1 to 3
 * times (a retry sets the sequence back first), in random bursts.
 */
static void *storm_run(void *arg)
{
	struct storm *s = arg;
	__u64 seq;
	int k, tries;

	pthread_barrier_wait(s->go);
	for (seq = s->step; seq <= STORM_SEQS; seq += s->step) {
		tries = 1 + rand_r(&s->seed) % 3;
		for (k = 0; k < tries; k++) {
			/* Interleave with the other producer of the id. */
			if (!(rand_r(&s->seed) % 4))
				sched_yield();
			if (set_prod(s->fd, s->id, seq)) {
				s->err = -errno ?: -1;
				return NULL;
			}
			if (wr_msg(s->fd, 24 + seq % 40, s->id, seq) !=
			    (ssize_t)(24 + seq % 40)) {
				s->err = -EIO;
				return NULL;
			}
			s->writes++;
		}
	}
	return NULL;
}

/*
 * Four concurrent producers, every message sent up to three times.
 * Exact in every mode: published + duplicates = writes; per id the
 * committed sequences strictly increase, end at STORM_SEQS and carry the
 * right payload; producer_gaps = the jumps readers see; the table holds
 * the ids with last STORM_SEQS.
 *   shared 0: one producer per id: every sequence committed once, no gap;
 *   shared 1: two producers per id sending the same sequences (a sender
 *             and its retrying twin): still each sequence exactly once;
 *   shared 2: two per id, the second sending every third sequence only:
 *             it races ahead of the first, whose sequences it jumped over
 *             are then duplicates (gaps, counted as readers see them).
 */
static void storm(struct __test_metadata *_metadata, struct kst_nl *nl,
		  int shared)
{
	static char rec[4 << 20];
	struct storm s[STORM_THREADS];
	pthread_t th[STORM_THREADS];
	pthread_barrier_t go;
	__u64 prev[STORM_THREADS], gaps = 0, n = 0, writes = 0, last;
	int nids = shared ? 2 : STORM_THREADS;
	int r, i, seen_gap;
	ssize_t len;
	size_t off;

	ASSERT_EQ(0, kst_create(nl, "storm", 8 << 20, 0,
				KSTREAM_POLICY_OVERWRITE));
	r = kst_open("storm", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, r);
	ASSERT_EQ(0, kst_set_flags(r, KSTREAM_FD_RECORDS | KSTREAM_FD_ORIGIN));
	ASSERT_EQ(0, pthread_barrier_init(&go, NULL, STORM_THREADS));
	for (i = 0; i < STORM_THREADS; i++) {
		s[i] = (struct storm){ .id = 1000 + i % nids, .seed = 17 * i + 1,
				       .go = &go, .step = 1 };
		if (shared == 2 && i >= nids)
			s[i].step = 3;
		s[i].fd = kst_open("storm", O_WRONLY);
		ASSERT_LE(0, s[i].fd);
	}
	for (i = 0; i < STORM_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, storm_run, &s[i]));
	for (i = 0; i < STORM_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(th[i], NULL));
		ASSERT_EQ(0, s[i].err);
		writes += s[i].writes;
	}

	len = read_all(r, rec, sizeof(rec));
	ASSERT_LT(0, len);
	memset(prev, 0, sizeof(prev));
	for (off = 0; off < (size_t)len; off += KSTREAM_REC_SIZE(((struct kstream_msg_hdr *)(rec + off))->len)) {
		const struct kstream_msg_hdr *h = (const void *)(rec + off);
		const struct kstream_msg_origin *o = (const void *)(h + 1);
		int k;

		ASSERT_EQ(KSTREAM_MSG_ORIGIN, h->flags);
		ASSERT_EQ(n, h->seq);
		k = o->producer_id - 1000;
		ASSERT_TRUE(k >= 0 && k < nids);
		ASSERT_LT(prev[k], o->producer_seq);
		seen_gap = prev[k] && o->producer_seq > prev[k] + 1;
		gaps += seen_gap;
		ASSERT_EQ(24 + o->producer_seq % 40, kstream_msg_payload_len(h));
		ASSERT_TRUE(msg_ok(kstream_msg_payload(h), kstream_msg_payload_len(h),
				   o->producer_id, o->producer_seq));
		prev[k] = o->producer_seq;
		n++;
	}
	for (i = 0; i < nids; i++) {
		EXPECT_EQ(STORM_SEQS, prev[i]);
		EXPECT_EQ(KSTREAM_PRODUCER_KNOWN, last_seq(r, 1000 + i, &last));
		EXPECT_EQ(STORM_SEQS, last);
	}
	EXPECT_EQ(n, kst_stat(nl, "storm", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(writes - n, kst_stat(nl, "storm", KSTREAM_STAT_DROPPED_DUPLICATE));
	EXPECT_EQ(gaps, kst_stat(nl, "storm", KSTREAM_STAT_PRODUCER_GAPS));
	EXPECT_EQ(nids, kst_stat(nl, "storm", KSTREAM_STAT_PRODUCERS));
	EXPECT_EQ(0, kst_stat(nl, "storm", KSTREAM_STAT_LOST));
	if (shared < 2) {
		EXPECT_EQ((__u64)STORM_SEQS * nids, n);
		EXPECT_EQ(0, gaps);
	}
	pthread_barrier_destroy(&go);
	TH_LOG("%llu writes, %llu committed, %llu gaps",
	       (unsigned long long)writes, (unsigned long long)n,
	       (unsigned long long)gaps);
}

TEST_F(dd, retry_storm_shared_ids)
{
	storm(_metadata, &self->nl, 1);
}

TEST_F(dd, retry_storm_racing_ids)
{
	storm(_metadata, &self->nl, 2);
}

TEST_F(dd, retry_storm_own_ids)
{
	storm(_metadata, &self->nl, 0);
}

/* -------------------------------------------------------------- table */

/* A full table evicts its least recently used id, counted and visible. */
TEST_F(dd, table_full_evicts_lru)
{
	struct kst_topic_opts o = {
		.name = "t", .set = KST_SET_RING, .ring_size = 1 << 16,
	};
	struct kst_topic t;
	struct nl_msg *msg;
	int w, r, i;
	__u64 last;
	char buf[64];

	/* 4 ids */
	msg = kst__msg(&self->nl, KSTREAM_CMD_TOPIC_NEW, 0);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_string(msg, KSTREAM_A_TOPIC_NAME, "t"));
	ASSERT_EQ(0, nla_put_u32(msg, KSTREAM_A_TOPIC_PRODUCERS_MAX, 4));
	ASSERT_EQ(0, kst__request(&self->nl, msg, NULL, 0, NULL))
		TH_LOG("%s", self->nl.extack);
	(void)o;
	ASSERT_EQ(0, kst_topic_get(&self->nl, "t", &t));
	EXPECT_EQ(0, KST_STAT("t", KSTREAM_STAT_PRODUCERS));

	w = KST_OPEN("t", O_WRONLY);
	r = KST_OPEN("t", O_RDONLY | O_NONBLOCK);
	/* ids 1..4, in that order (1 is the least recently used) */
	for (i = 1; i <= 4; i++) {
		ASSERT_EQ(0, set_prod(w, i, 1));
		ASSERT_EQ(8, wr_msg(w, 8, i, 1));
	}
	EXPECT_EQ(4, KST_STAT("t", KSTREAM_STAT_PRODUCERS));
	EXPECT_EQ(0, KST_STAT("t", KSTREAM_STAT_PRODUCERS_EVICTED));
	/* 1 used again: 2 is now the oldest */
	ASSERT_EQ(0, set_prod(w, 1, 2));
	ASSERT_EQ(8, wr_msg(w, 8, 1, 2));
	/* a duplicate does not count as use: 2 stays the oldest */
	ASSERT_EQ(0, set_prod(w, 2, 1));
	ASSERT_EQ(8, wr_msg(w, 8, 2, 1));
	EXPECT_EQ(1, KST_STAT("t", KSTREAM_STAT_DROPPED_DUPLICATE));

	/* id 5: evicts 2 */
	ASSERT_EQ(0, set_prod(w, 5, 1));
	ASSERT_EQ(8, wr_msg(w, 8, 5, 1));
	EXPECT_EQ(1, KST_STAT("t", KSTREAM_STAT_PRODUCERS_EVICTED));
	EXPECT_EQ(4, KST_STAT("t", KSTREAM_STAT_PRODUCERS));
	EXPECT_EQ(0, last_seq(r, 2, &last));
	EXPECT_EQ(KSTREAM_PRODUCER_KNOWN, last_seq(r, 1, &last));
	EXPECT_EQ(2, last);
	EXPECT_EQ(KSTREAM_PRODUCER_KNOWN, last_seq(r, 3, &last));

	/*
	 * 2 comes back: as documented, its next message is accepted
	 * whatever its sequence (here a repeat of 1), and it evicts 3.
	 */
	ASSERT_EQ(0, set_prod(w, 2, 1));
	ASSERT_EQ(8, wr_msg(w, 8, 2, 1));
	EXPECT_EQ(1, KST_STAT("t", KSTREAM_STAT_DROPPED_DUPLICATE));
	EXPECT_EQ(2, KST_STAT("t", KSTREAM_STAT_PRODUCERS_EVICTED));
	EXPECT_EQ(0, last_seq(r, 3, &last));
	/* ... after which it is deduplicated again */
	ASSERT_EQ(0, set_prod(w, 2, 1));
	ASSERT_EQ(8, wr_msg(w, 8, 2, 1));
	EXPECT_EQ(2, KST_STAT("t", KSTREAM_STAT_DROPPED_DUPLICATE));
	EXPECT_EQ(2, sysfs_stat("t", "producers_evicted"));

	/*
	 * A producer whose id is evicted while it uses it learns it from
	 * KSTREAM_PRODUCER_EVICTED (on its own fd, for its own id).
	 */
	{
		int p = KST_OPEN("t", O_WRONLY);

		ASSERT_EQ(0, set_prod(p, 0x5150, 1));
		ASSERT_EQ(8, wr_msg(p, 8, 0x5150, 1));
		EXPECT_EQ(KSTREAM_PRODUCER_KNOWN, last_seq(p, 0x5150, &last));
		/* 0x5150 evicted 4; four other ids evict 1, 5, 2 and it */
		for (i = 50; i < 54; i++) {
			ASSERT_EQ(0, set_prod(w, i, 1));
			ASSERT_EQ(8, wr_msg(w, 8, i, 1));
		}
		EXPECT_EQ(0, last_seq(p, 0x5150, &last));
		ASSERT_EQ(8, wr_msg(p, 8, 0x5150, 2));	/* evicts 50 */
		EXPECT_EQ(KSTREAM_PRODUCER_KNOWN | KSTREAM_PRODUCER_EVICTED,
			  last_seq(p, 0x5150, &last));
		EXPECT_EQ(2, last);
		/* only that fd, only that id */
		EXPECT_EQ(KSTREAM_PRODUCER_KNOWN, last_seq(r, 0x5150, &last));
		EXPECT_EQ(KSTREAM_PRODUCER_KNOWN, last_seq(p, 53, &last));
		/* until it sets its producer again */
		ASSERT_EQ(0, set_prod(p, 0x5150, 3));
		EXPECT_EQ(KSTREAM_PRODUCER_KNOWN, last_seq(p, 0x5150, &last));
		close(p);
	}

	/* Many more ids than the table holds: bounded, all counted. */
	for (i = 100; i < 1100; i++) {
		ASSERT_EQ(0, set_prod(w, i, 1));
		ASSERT_EQ(8, wr_msg(w, 8, i, 1));
	}
	EXPECT_EQ(4, KST_STAT("t", KSTREAM_STAT_PRODUCERS));
	EXPECT_EQ(2 + 6 + 1000, KST_STAT("t", KSTREAM_STAT_PRODUCERS_EVICTED));
	for (i = 1096; i < 1100; i++)
		EXPECT_EQ(KSTREAM_PRODUCER_KNOWN, last_seq(r, i, &last));
	EXPECT_EQ(0, last_seq(r, 1095, &last));
	(void)buf;
}

/* The table size: module parameter, per-topic attribute, its range. */
TEST_F(dd, table_size_settings)
{
	char buf[32];
	struct nl_msg *msg;
	struct kst_buf b;
	ssize_t n;
	int fd;

	KST_MK("dflt", 0, 0, KSTREAM_POLICY_OVERWRITE);
	fd = open("/sys/class/stream/dflt/producers_max", O_RDONLY);
	ASSERT_LE(0, fd);
	n = read(fd, buf, sizeof(buf) - 1);
	ASSERT_LT(0, n);
	buf[n] = '\0';
	EXPECT_EQ(KSTREAM_PRODUCERS_MAX_DEFAULT, strtoul(buf, NULL, 10));
	close(fd);

	/* the range of KSTREAM_A_TOPIC_PRODUCERS_MAX */
	memset(&b, 0, sizeof(b));
	kst_buf_str(&b, KSTREAM_A_TOPIC_NAME, "big");
	kst_buf_u32(&b, KSTREAM_A_TOPIC_PRODUCERS_MAX, KSTREAM_PRODUCERS_MAX_LIMIT + 1);
	EXPECT_EQ(-ERANGE, kst_nl_raw(&self->nl, KSTREAM_CMD_TOPIC_NEW, 0, &b, NULL, 0));
	memset(&b, 0, sizeof(b));
	kst_buf_str(&b, KSTREAM_A_TOPIC_NAME, "zero");
	kst_buf_u32(&b, KSTREAM_A_TOPIC_PRODUCERS_MAX, 0);
	EXPECT_EQ(-ERANGE, kst_nl_raw(&self->nl, KSTREAM_CMD_TOPIC_NEW, 0, &b, NULL, 0));

	msg = kst__msg(&self->nl, KSTREAM_CMD_TOPIC_NEW, 0);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_string(msg, KSTREAM_A_TOPIC_NAME, "max"));
	ASSERT_EQ(0, nla_put_u32(msg, KSTREAM_A_TOPIC_PRODUCERS_MAX,
				 KSTREAM_PRODUCERS_MAX_LIMIT));
	ASSERT_EQ(0, kst__request(&self->nl, msg, NULL, 0, NULL));
	fd = KST_OPEN("max", O_WRONLY);
	/* the largest table allocates */
	EXPECT_EQ(0, set_prod(fd, 1, 1));
	EXPECT_EQ(8, wr_msg(fd, 8, 1, 1));
	close(fd);

	/* the module parameter is the default of new topics */
	fd = open("/sys/module/kstream/parameters/max_producers", O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(2, write(fd, "3\n", 2));
	close(fd);
	KST_MK("three", 0, 0, KSTREAM_POLICY_OVERWRITE);
	fd = open("/sys/class/stream/three/producers_max", O_RDONLY);
	ASSERT_LE(0, fd);
	n = read(fd, buf, sizeof(buf) - 1);
	ASSERT_LT(0, n);
	buf[n] = '\0';
	EXPECT_EQ(3, strtoul(buf, NULL, 10));
	close(fd);
}

/* -------------------------------------------------------------- query */

TEST_F(dd, query_ioctl_and_netlink)
{
	struct kstream_producer_query q;
	struct prod_replies pr;
	int w, r, i, k;
	__u64 last;

	KST_MK("t", 0, 0, KSTREAM_POLICY_OVERWRITE);
	KST_MK("other", 0, 0, KSTREAM_POLICY_OVERWRITE);
	w = KST_OPEN("t", O_WRONLY);
	r = KST_OPEN("t", O_RDONLY);

	/* Before any producer id: no table, every id unknown. */
	EXPECT_EQ(0, last_seq(r, 1, &last));
	ASSERT_EQ(0, prod_get(&self->nl, "t", 1, 0, &pr));
	ASSERT_EQ(1, pr.n);
	EXPECT_EQ(1, pr.r[0].id);
	EXPECT_EQ(0, pr.r[0].flags);
	EXPECT_EQ(0, pr.r[0].have_last);
	ASSERT_EQ(0, prod_get(&self->nl, "t", 0, 1, &pr));
	EXPECT_EQ(0, pr.n);

	for (i = 1; i <= 40; i++) {
		ASSERT_EQ(0, set_prod(w, i * 1000003ULL, i * 7));
		ASSERT_EQ(8, wr_msg(w, 8, i * 1000003ULL, i * 7));
	}
	/* the ioctl: bad requests */
	memset(&q, 0, sizeof(q));
	EXPECT_EQ(-1, ioctl(r, KSTREAM_IOC_PRODUCER_SEQ, &q));
	EXPECT_EQ(EINVAL, errno);
	q.id = 1000003;
	q.pad = 1;
	EXPECT_EQ(-1, ioctl(r, KSTREAM_IOC_PRODUCER_SEQ, &q));
	EXPECT_EQ(EINVAL, errno);
	q.pad = 0;
	q.flags = 2;
	EXPECT_EQ(-1, ioctl(r, KSTREAM_IOC_PRODUCER_SEQ, &q));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(r, KSTREAM_IOC_PRODUCER_SEQ, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	/* the ioctl: answers, on readers and writers alike */
	q.flags = 0;
	ASSERT_EQ(0, ioctl(r, KSTREAM_IOC_PRODUCER_SEQ, &q));
	EXPECT_EQ(KSTREAM_PRODUCER_KNOWN, q.flags);
	EXPECT_EQ(7, q.last_seq);
	EXPECT_EQ(0, q.pad);
	EXPECT_EQ(KSTREAM_PRODUCER_KNOWN, last_seq(w, 40 * 1000003ULL, &last));
	EXPECT_EQ(280, last);
	/* per topic */
	k = KST_OPEN("other", O_RDONLY);
	EXPECT_EQ(0, last_seq(k, 1000003, &last));

	/* netlink, one id */
	ASSERT_EQ(0, prod_get(&self->nl, "t", 5 * 1000003ULL, 0, &pr));
	ASSERT_EQ(1, pr.n);
	EXPECT_STREQ("t", pr.r[0].topic);
	EXPECT_EQ(5 * 1000003ULL, pr.r[0].id);
	EXPECT_EQ(KSTREAM_PRODUCER_KNOWN, pr.r[0].flags);
	EXPECT_EQ(1, pr.r[0].have_last);
	EXPECT_EQ(35, pr.r[0].last);
	/* netlink, all ids (the dump spans several parts) */
	ASSERT_EQ(0, prod_get(&self->nl, "t", 0, 1, &pr));
	ASSERT_EQ(40, pr.n);
	for (i = 0; i < 40; i++) {
		EXPECT_EQ(0, pr.r[i].id % 1000003);
		EXPECT_EQ(pr.r[i].id / 1000003 * 7, pr.r[i].last);
		EXPECT_EQ(KSTREAM_PRODUCER_KNOWN, pr.r[i].flags);
	}
	/* netlink errors */
	EXPECT_EQ(-EINVAL, prod_get(&self->nl, "t", 0, 0, &pr));
	EXPECT_NE(NULL, strstr(self->nl.extack, "producer id"));
	EXPECT_EQ(-ENOENT, prod_get(&self->nl, "nope", 1, 0, &pr));
	EXPECT_EQ(-ENOENT, prod_get(&self->nl, "nope", 0, 1, &pr));
	EXPECT_EQ(-EINVAL, prod_get(&self->nl, NULL, 0, 1, &pr));
	EXPECT_EQ(-EINVAL, prod_get(&self->nl, "../x", 1, 0, &pr));
	{
		struct kst_buf b;

		memset(&b, 0, sizeof(b));
		kst_buf_str(&b, KSTREAM_A_TOPIC_NAME, "t");
		kst_buf_u32(&b, KSTREAM_A_PRODUCER_ID, 1);	/* not a u64 */
		EXPECT_EQ(-EINVAL, kst_nl_raw(&self->nl, KSTREAM_CMD_PRODUCER_GET, 0, &b, NULL, 0));
	}
}

/* Output of a shell command (stdout), at most @len - 1 bytes; its status. */
static int run(const char *cmd, char *out, size_t len)
{
	FILE *f = popen(cmd, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	/* Drain the rest: a writer must not die of SIGPIPE. */
	while (fgetc(f) != EOF)
		;
	return pclose(f);
}

/* streamctl shows the table, and the counters, in text and JSON. */
/* Eight streamctl runs: about 30 s on the KASAN kernel under TCG. */
TEST_F_TIMEOUT(dd, streamctl_producers, 180)
{
	static char out[1 << 16];
	int w, i;

	KST_MK("sc", 0, 0, KSTREAM_POLICY_OVERWRITE);
	w = KST_OPEN("sc", O_WRONLY);
	for (i = 1; i <= 3; i++) {
		ASSERT_EQ(0, set_prod(w, 0x100 * i, 10 * i));
		ASSERT_EQ(8, wr_msg(w, 8, 0x100 * i, 10 * i));
	}
	ASSERT_EQ(0, set_prod(w, 0x100, 10));
	ASSERT_EQ(8, wr_msg(w, 8, 0x100, 10));		/* duplicate */
	ASSERT_EQ(0, set_prod(w, 0x300, 35));
	ASSERT_EQ(8, wr_msg(w, 8, 0x300, 35));		/* gap */

	ASSERT_EQ(0, run("streamctl topic show sc producers", out, sizeof(out)));
	EXPECT_STREQ("sc: 3 producer ids\n"
		     "    PRODUCER_ID         LAST_SEQ\n"
		     "    0x0000000000000100  10\n"
		     "    0x0000000000000200  20\n"
		     "    0x0000000000000300  35\n", out);
	ASSERT_EQ(0, run("streamctl -j topic show sc producers 0x200", out,
			 sizeof(out)));
	EXPECT_STREQ("{\"topic\":\"sc\",\"producers\":[{\"id\":512,"
		     "\"id_hex\":\"0x0000000000000200\",\"known\":true,"
		     "\"last_seq\":20}]}\n", out);
	ASSERT_EQ(0, run("streamctl topic show sc producers 5", out, sizeof(out)));
	EXPECT_STREQ("sc: producer 0x0000000000000005 unknown\n", out);
	EXPECT_NE(0, run("streamctl topic show sc producers 0 2>/dev/null", out,
			 sizeof(out)));
	EXPECT_NE(0, run("streamctl topic show nope producers 2>/dev/null", out,
			 sizeof(out)));
	ASSERT_EQ(0, run("streamctl -j topic show sc", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "\"producers_max\":1024"));
	EXPECT_NE(NULL, strstr(out, "\"dropped_duplicate\":1,\"producer_gaps\":1,"
			       "\"producers_evicted\":0,\"producers\":3"));
	ASSERT_EQ(0, run("streamctl stats sc", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "producers 3 duplicates 1 gaps 1 evicted 0"));
	ASSERT_EQ(0, run("streamctl stats --prometheus", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "kstream_duplicate_messages_total{topic=\"sc\"} 1\n"));
	EXPECT_NE(NULL, strstr(out, "kstream_producer_gaps_total{topic=\"sc\"} 1\n"));
	EXPECT_NE(NULL, strstr(out, "kstream_producers{topic=\"sc\"} 3\n"));
	ASSERT_EQ(0, run("streamctl topic add sc2 producers 7 && cat /sys/class/stream/sc2/producers_max",
			 out, sizeof(out)));
	EXPECT_STREQ("7\n", out);
}

/* ------------------------------------------------------------- origin */

/*
 * The same messages, with and without an origin, through every way of
 * reading: identical origins and payloads, and readers that did not ask
 * for origins read exactly what they read before origins existed.
 */
TEST_F(dd, origin_read_records_mmap)
{
	static const struct { __u64 id, seq; size_t len; } m[] = {
		{ 0, 0, 5 }, { 9, 1, 8 }, { 9, 2, 13 }, { 0, 0, 1 },
		{ 0xffffffffffffffffULL, 77, 64 }, { 9, 3, 256 },
	};
	int nm = sizeof(m) / sizeof(m[0]);
	int w, plain, porig, rec, rorig, i;
	struct ks_consumer *zc, *cc;
	char buf[4096];
	struct ks_msg km;
	ssize_t n;
	size_t off;

	KST_MK("o", 0, 256, KSTREAM_POLICY_OVERWRITE);
	w = KST_OPEN("o", O_WRONLY);
	plain = KST_OPEN("o", O_RDONLY | O_NONBLOCK);
	porig = KST_OPEN("o", O_RDONLY | O_NONBLOCK);
	rec = KST_OPEN("o", O_RDONLY | O_NONBLOCK);
	rorig = KST_OPEN("o", O_RDONLY | O_NONBLOCK);
	ASSERT_EQ(0, kst_set_flags(porig, KSTREAM_FD_ORIGIN));
	ASSERT_EQ(0, kst_set_flags(rec, KSTREAM_FD_RECORDS));
	ASSERT_EQ(0, kst_set_flags(rorig, KSTREAM_FD_RECORDS | KSTREAM_FD_ORIGIN));
	ASSERT_EQ(0, ks_consumer_open(&zc, "o", KS_ZEROCOPY | KS_NONBLOCK));
	ASSERT_EQ(0, ks_consumer_open(&cc, "o", KS_NONBLOCK));

	for (i = 0; i < nm; i++) {
		ASSERT_EQ(0, set_prod(w, m[i].id, m[i].seq));
		ASSERT_EQ(m[i].len, wr_msg(w, m[i].len, m[i].id, m[i].seq));
	}

	for (i = 0; i < nm; i++) {
		struct kstream_msg_origin o;

		/* plain read(): the payload; FIONREAD its size */
		EXPECT_EQ(m[i].len, kst_fionread(plain));
		EXPECT_EQ(m[i].len, kst_rd(plain, buf, sizeof(buf)));
		EXPECT_TRUE(msg_ok(buf, m[i].len, m[i].id, m[i].seq));
		/* too small a buffer for payload + origin: EMSGSIZE */
		EXPECT_EQ(-EMSGSIZE, kst_rd(porig, buf, m[i].len + ORIGIN - 1));
		/* with KSTREAM_FD_ORIGIN: the origin (0 if none), the payload */
		n = kst_rd(porig, buf, sizeof(buf));
		EXPECT_EQ(m[i].len + ORIGIN, n);
		memcpy(&o, buf, sizeof(o));
		EXPECT_EQ(m[i].id, o.producer_id);
		EXPECT_EQ(m[i].seq, o.producer_seq);
		EXPECT_TRUE(msg_ok(buf + ORIGIN, m[i].len, m[i].id, m[i].seq));
		/* libkstream, copy and zero-copy */
		ASSERT_EQ(1, ks_next(cc, &km));
		EXPECT_EQ(m[i].len, km.len);
		EXPECT_EQ(m[i].id, km.producer_id);
		EXPECT_EQ(m[i].seq, km.producer_seq);
		EXPECT_EQ(i, km.seq);
		EXPECT_TRUE(msg_ok(km.data, km.len, m[i].id, m[i].seq));
		ASSERT_EQ(1, ks_next(zc, &km));
		EXPECT_EQ(m[i].len, km.len);
		EXPECT_EQ(m[i].id, km.producer_id);
		EXPECT_EQ(m[i].seq, km.producer_seq);
		EXPECT_EQ(i, km.seq);
		EXPECT_EQ(0, (uintptr_t)km.data % 8);
		EXPECT_TRUE(msg_ok(km.data, km.len, m[i].id, m[i].seq));
		EXPECT_EQ(0, ks_release(zc));
	}

	/* records mode, stripped: as before origins (flags 0, len payload) */
	n = kst_rd(rec, buf, sizeof(buf));
	ASSERT_LT(0, n);
	for (i = 0, off = 0; i < nm; i++) {
		const struct kstream_msg_hdr *h = (const void *)(buf + off);

		ASSERT_LT(off, (size_t)n);
		EXPECT_EQ(0, h->flags);
		EXPECT_EQ(m[i].len, h->len);
		EXPECT_EQ(i, h->seq);
		EXPECT_TRUE(msg_ok(h + 1, h->len, m[i].id, m[i].seq));
		/* padding zero */
		for (size_t p = sizeof(*h) + h->len; p < KSTREAM_REC_SIZE(h->len); p++)
			EXPECT_EQ(0, ((const char *)h)[p]);
		off += KSTREAM_REC_SIZE(h->len);
	}
	EXPECT_EQ(off, (size_t)n);

	/* records mode with origins: the ring's records */
	n = kst_rd(rorig, buf, sizeof(buf));
	ASSERT_LT(0, n);
	for (i = 0, off = 0; i < nm; i++) {
		const struct kstream_msg_hdr *h = (const void *)(buf + off);
		const struct kstream_msg_origin *o = (const void *)(h + 1);

		EXPECT_EQ(m[i].id ? KSTREAM_MSG_ORIGIN : 0, h->flags);
		EXPECT_EQ(m[i].len + (m[i].id ? ORIGIN : 0), h->len);
		EXPECT_EQ(m[i].len, kstream_msg_payload_len(h));
		if (m[i].id) {
			EXPECT_EQ(m[i].id, o->producer_id);
			EXPECT_EQ(m[i].seq, o->producer_seq);
		}
		EXPECT_TRUE(msg_ok(kstream_msg_payload(h), m[i].len, m[i].id,
				   m[i].seq));
		off += KSTREAM_REC_SIZE(h->len);
	}
	EXPECT_EQ(off, (size_t)n);
	EXPECT_EQ(0, ks_next(zc, &km));
	EXPECT_EQ(0, ks_next(cc, &km));
	EXPECT_EQ(0, ks_lost(zc));
	EXPECT_EQ(0, ks_lost(cc));
	/* delivered bytes count payloads, not origin blocks */
	ks_consumer_close(zc);
	ks_consumer_close(cc);
}

/* Seeking and lapping walk records with origins like any other. */
TEST_F(dd, origin_seek_and_lap)
{
	int w, r, i, n;
	char buf[256];
	struct kstream_fd_info info;

	KST_MK("s", 4096, 1024, KSTREAM_POLICY_OVERWRITE);
	w = KST_OPEN("s", O_WRONLY);
	r = KST_OPEN("s", O_RDONLY | O_NONBLOCK);
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, set_prod(w, i % 3 ? 5 : 0, i));
		ASSERT_EQ(40, wr_msg(w, 40, i % 3 ? 5 : 0, i));
	}
	ASSERT_EQ(0, kst_info(r, &info));
	EXPECT_EQ(200, info.head_seq);
	EXPECT_LT(0, info.tail_seq);
	EXPECT_EQ(190, kst_seek(r, 190, SEEK_SET));
	for (n = 190; n < 200; n++) {
		ASSERT_EQ(40, kst_rd(r, buf, sizeof(buf)));
		EXPECT_TRUE(msg_ok(buf, 40, n % 3 ? 5 : 0, n));
	}
	EXPECT_EQ(info.tail_seq, kst_seek(r, 0, SEEK_SET));
	EXPECT_EQ(40, kst_rd(r, buf, sizeof(buf)));
	EXPECT_TRUE(msg_ok(buf, 40, info.tail_seq % 3 ? 5 : 0, info.tail_seq));
}

/* -------------------------------------------------------- permissions */

#define ALICE 4001

TEST_F(dd, permissions)
{
	struct kst_topic_opts o = {
		.name = "p", .set = KST_SET_MODE | KST_SET_UID | KST_SET_GID,
		.mode = 0600, .uid = 0, .gid = 0,
	};
	int sv[2];
	pid_t pid;
	int status;
	char c;

	ASSERT_EQ(0, kst_topic_create(&self->nl, &o, NULL));
	ASSERT_EQ(0, kst_acl_add(&self->nl, "p", KSTREAM_ACL_USER, ALICE,
				 KSTREAM_ACL_PUBLISH | KSTREAM_ACL_SUBSCRIBE));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int w, r, ro;
		__u64 last;

		if (setgroups(0, NULL) || setresgid(ALICE, ALICE, ALICE) ||
		    setresuid(ALICE, ALICE, ALICE))
			_exit(99);
		w = kst_open("p", O_WRONLY);
		r = kst_open("p", O_RDONLY);
		ro = r;
		if (w < 0 || r < 0)
			_exit(98);
		/* the publish right is enough; a reader fd may not set */
		EXPECT_EQ(0, set_prod(w, 77, 1));
		EXPECT_EQ(-EBADF, set_prod(ro, 77, 1));
		EXPECT_EQ(8, wr_msg(w, 8, 77, 1));
		/* ids are cooperative: root's id 1 is usable here */
		EXPECT_EQ(0, set_prod(w, 1, 5));
		EXPECT_EQ(8, wr_msg(w, 8, 1, 5));
		EXPECT_EQ(KSTREAM_PRODUCER_KNOWN, last_seq(ro, 77, &last));
		c = 1;
		if (write(sv[1], &c, 1) != 1 || read(sv[1], &c, 1) != 1)
			_exit(97);
		/* revoked: both fds fail with EACCES */
		EXPECT_EQ(-EACCES, set_prod(w, 77, 2));
		EXPECT_EQ(-EACCES, wr_msg(w, 8, 77, 2));
		EXPECT_EQ(-EACCES, last_seq(ro, 77, &last));
		EXPECT_EQ(-EACCES, last_seq(w, 77, &last));
		_exit(0);
	}
	ASSERT_EQ(1, read(sv[0], &c, 1));
	/* root's fd with id 1 at 5: a duplicate, alice already sent it */
	{
		int w = KST_OPEN("p", O_WRONLY);

		ASSERT_EQ(0, set_prod(w, 1, 5));
		EXPECT_EQ(8, wr_msg(w, 8, 1, 5));
		EXPECT_EQ(1, KST_STAT("p", KSTREAM_STAT_DROPPED_DUPLICATE));
		close(w);
	}
	ASSERT_EQ(0, kst_acl_del(&self->nl, "p", KSTREAM_ACL_USER, ALICE,
				 KSTREAM_ACL_RIGHTS_ALL));
	ASSERT_EQ(1, write(sv[0], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(2, KST_STAT("p", KSTREAM_STAT_PUBLISHED));
}

/* A deleted topic: no producer id any more, writes ENODEV. */
TEST_F(dd, deleted_topic)
{
	int w;
	__u64 last;

	KST_MK("d", 0, 0, KSTREAM_POLICY_OVERWRITE);
	w = KST_OPEN("d", O_WRONLY);
	ASSERT_EQ(0, set_prod(w, 1, 1));
	ASSERT_EQ(8, wr_msg(w, 8, 1, 1));
	ASSERT_EQ(0, kst_topic_delete(&self->nl, "d"));
	EXPECT_EQ(-ENODEV, set_prod(w, 1, 2));
	EXPECT_EQ(-ENODEV, wr_msg(w, 8, 1, 2));
	/* the table lives as long as the topic: still answers */
	EXPECT_EQ(KSTREAM_PRODUCER_KNOWN, last_seq(w, 1, &last));
	EXPECT_EQ(1, last);
	close(w);
	/* and goes with it (kmemleak checks) */
}

TEST_HARNESS_MAIN
