// SPDX-License-Identifier: GPL-2.0
/*
 * eBPF ingress filters: the reference programs' verdicts (exact counts),
 * the rate limiter against the clock, the kfuncs (tests/bpf/probe.bpf.c),
 * the verifier refusing bad programs (tests/bpf/bad_*.bpf.c),
 * attach/detach/replace/unload under concurrent publishing, module unload
 * refused while a filter is registered, netlink errors and streamctl's
 * output.
 *
 * Filters need Linux 6.9 or later: there the fixture's tests run, and
 * unsupported_kernel skips; on older kernels it is the other way round,
 * and unsupported_kernel checks that every filter request fails with
 * EOPNOTSUPP and says which kernel is needed.
 *
 * Programs are loaded with streamctl (build/bin, on PATH in the suite)
 * except probe.bpf.o, which the test loads itself through libbpf to read
 * its map.  Runs with kstream unloaded, like every kselftest here.
 */
#include <dirent.h>
#include <grp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ksft_bpf.h"

#define HDR sizeof(struct kstream_msg_hdr)

/* ------------------------------------------------------------ helpers */

/* A message of the tests: an id and a pattern derived from it. */
struct tmsg {
	__u32 id;
	__u32 producer;
	__u8 fill[56];
};

static void tmsg_make(struct tmsg *m, __u32 producer, __u32 id)
{
	unsigned int k;

	m->id = id;
	m->producer = producer;
	for (k = 0; k < sizeof(m->fill); k++)
		m->fill[k] = (__u8)(id * 31 + producer * 7 + k);
}

static bool tmsg_ok(const struct tmsg *m)
{
	struct tmsg want;

	tmsg_make(&want, m->producer, m->id);
	return !memcmp(m, &want, sizeof(want));
}

/* Collects the ids (first u32) and sequence numbers kst_drain() sees. */
struct ids {
	__u32 *id;
	__u64 *seq;
	int n, max;
};

static void collect_id(const struct kstream_msg_hdr *h, const void *p,
		       void *arg)
{
	struct ids *ids = arg;
	__u32 id = 0;

	if (h->len >= 4)
		memcpy(&id, p, 4);
	if (ids->n < ids->max) {
		ids->id[ids->n] = id;
		ids->seq[ids->n] = h->seq;
	}
	ids->n++;
}

static struct ids *ids_new(int max)
{
	struct ids *ids = calloc(1, sizeof(*ids));

	ids->id = calloc(max, sizeof(*ids->id));
	ids->seq = calloc(max, sizeof(*ids->seq));
	ids->max = max;
	return ids;
}

static void ids_free(struct ids *ids)
{
	free(ids->id);
	free(ids->seq);
	free(ids);
}

/* ------------------------------------------------------------ fixture */

FIXTURE(bpf) {
	struct kst_nl nl;
};

FIXTURE_SETUP(bpf)
{
	if (!kst_bpf_supported())
		SKIP(return, "eBPF ingress filters need Linux 6.9+ (see unsupported_kernel)");
	kst_bpf_fixture_load(_metadata, &self->nl);
}

FIXTURE_TEARDOWN(bpf)
{
	kst_bpf_fixture_unload(_metadata, &self->nl);
}

#define DETACH(topic) \
	ASSERT_EQ(0, kst_name_request(&self->nl, KSTREAM_CMD_FILTER_DETACH, (topic), NULL)) \
		TH_LOG("detach %s: %s", (topic), self->nl.extack)

/* Every drop counter of topic: total, filter, sample, ratelimit. */
#define EXPECT_DROPS(topic, total, filt, samp, rate) do {		\
	__u64 __s[KSTREAM_STAT_MAX + 1];				\
	ASSERT_EQ(0, kst_topic_stats(&self->nl, (topic), __s));		\
	EXPECT_EQ((total), __s[KSTREAM_STAT_DROPPED]);			\
	EXPECT_EQ((filt), __s[KSTREAM_STAT_DROPPED_FILTER]);		\
	EXPECT_EQ((samp), __s[KSTREAM_STAT_DROPPED_SAMPLE]);		\
	EXPECT_EQ((rate), __s[KSTREAM_STAT_DROPPED_RATELIMIT]);		\
} while (0)

/* Write message ids 0..n-1 (a u32 id, then 4 bytes of padding). */
static int write_ids(int fd, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		__u32 m[2] = { i, 0x6c706d73 };

		if (kst_wr(fd, m, sizeof(m)) != sizeof(m))
			return -1;
	}
	return 0;
}

/* --------------------------------------------------- unsupported kernel */

TEST(unsupported_kernel)
{
	struct kst_nl nl;
	char out[4096];
	int fd;

	if (kst_bpf_supported())
		SKIP(return, "this kernel has eBPF ingress filters");
	kst_unpin_all();
	ASSERT_EQ(0, kst_reset());
	ASSERT_EQ(0, kst_load(NULL));
	ASSERT_EQ(0, kst_nl_open(&nl));
	ASSERT_EQ(0, kst_create(&nl, "old", 0, 0, KSTREAM_POLICY_OVERWRITE));

	EXPECT_EQ(-EOPNOTSUPP, kst_name_request(&nl, KSTREAM_CMD_FILTER_ATTACH, "old", "f"));
	EXPECT_NE(NULL, strstr(nl.extack, "6.9")) TH_LOG("extack: %s", nl.extack);
	EXPECT_EQ(-EOPNOTSUPP, kst_name_request(&nl, KSTREAM_CMD_FILTER_DETACH, "old", NULL));
	EXPECT_NE(NULL, strstr(nl.extack, "6.9")) TH_LOG("extack: %s", nl.extack);
	EXPECT_EQ(-EOPNOTSUPP, kst_nl_raw(&nl, KSTREAM_CMD_FILTER_GET, NLM_F_DUMP,
					  NULL, NULL, 0));
	/* The same for an admin of the topic without any capability. */
	ASSERT_EQ(0, kst_acl_add(&nl, "old", KSTREAM_ACL_USER, 4001,
				 KSTREAM_ACL_ADMIN));
	{
		pid_t pid = fork();
		int st;

		ASSERT_LE(0, pid);
		if (!pid) {
			struct kst_nl unl;

			if (setgroups(0, NULL) || setgid(4001) || setuid(4001) ||
			    kst_nl_open(&unl))
				_exit(10);
			if (kst_filter_attach(&unl, "old", "f") != -EOPNOTSUPP)
				_exit(11);
			if (kst_filter_detach(&unl, "old") != -EOPNOTSUPP)
				_exit(12);
			_exit(0);
		}
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		EXPECT_EQ(0, st) TH_LOG("child status %#x", st);
	}

	EXPECT_EQ(1, kst_run(out, sizeof(out), "streamctl filter attach old f"));
	EXPECT_NE(NULL, strstr(out, "Operation not supported")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "6.9")) TH_LOG("%s", out);
	EXPECT_EQ(1, kst_run(out, sizeof(out), "streamctl filter load pass p"));
	EXPECT_NE(NULL, strstr(out, "6.9")) TH_LOG("%s", out);
	EXPECT_EQ(1, kst_run(out, sizeof(out), "streamctl filter list"));

	/* Everything else still works. */
	fd = kst_open("old", O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_EQ(5, kst_wr(fd, "hello", 5));
	EXPECT_EQ(1, kst_stat(&nl, "old", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(0, kst_stat(&nl, "old", KSTREAM_STAT_DROPPED));
	close(fd);
	EXPECT_LE(0, kst_delete_all(&nl));
	kst_nl_close(&nl);
	EXPECT_EQ(0, kst_unload());
}

/* ------------------------------------------------------------- sample */

/* The issue's example: 10000 messages at 1 in 10 leave exactly 1000. */
TEST_F_TIMEOUT(bpf, sample_every_10, 120)
{
	struct ids *ids = ids_new(20000);
	int rfd, wfd, i;

	KST_MK("smp", 1 << 20, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("smp", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("smp", O_WRONLY);
	CTL("filter load sample s10 every 10");
	ATTACH("smp", "s10");

	ASSERT_EQ(0, write_ids(wfd, 10000));
	EXPECT_EQ(1000, KST_STAT("smp", KSTREAM_STAT_PUBLISHED));
	EXPECT_DROPS("smp", 9000, 0, 9000, 0);

	/* Messages 0, 10, 20, ... with sequence numbers 0, 1, 2, ... */
	ASSERT_EQ(1000, kst_drain(rfd, collect_id, ids));
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ((__u32)i * 10, ids->id[i]) TH_LOG("message %d", i);
		ASSERT_EQ((__u64)i, ids->seq[i]);
	}
	ids_free(ids);
}

TEST_F_TIMEOUT(bpf, sample_random, 120)
{
	__u64 pub;
	int wfd;

	KST_MK("rnd", 1 << 20, 0, KSTREAM_POLICY_OVERWRITE);
	wfd = KST_OPEN("rnd", O_WRONLY);
	CTL("filter load sample r25 random 25%%");
	ATTACH("rnd", "r25");

	ASSERT_EQ(0, write_ids(wfd, 10000));
	pub = KST_STAT("rnd", KSTREAM_STAT_PUBLISHED);
	/* Binomial(10000, 0.25): sd ~43; 2000..3000 is > 11 sd. */
	EXPECT_LE(2000, pub);
	EXPECT_GE(3000, pub);
	EXPECT_DROPS("rnd", 10000 - pub, 0, 10000 - pub, 0);
}

/* Adaptive by count: 1 in 100 inside the band, 1 in 10 outside. */
TEST_F_TIMEOUT(bpf, sample_adaptive_count, 120)
{
	struct ids *ids = ids_new(4000);
	__u32 want[3000];
	int rfd, wfd, i, kept = 0;

	KST_MK("grid", 1 << 20, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("grid", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("grid", O_WRONLY);
	CTL("filter load sample ad adaptive offset 4 s16 band -100 100 normal 100 anomaly 10");
	ATTACH("grid", "ad");

	/* 500 normal, 500 anomalous (alternately above and below), ... */
	for (i = 0; i < 3000; i++) {
		struct { __u32 id; __s16 v; __u16 pad; } m = { .id = i };
		int anomaly = (i / 500) % 2;

		m.v = anomaly ? (i % 2 ? 1000 : -1000) : (i % 201) - 100;
		ASSERT_EQ(8, kst_wr(wfd, &m, sizeof(m)));
		if (i % (anomaly ? 10 : 100) == 0)
			want[kept++] = i;
	}
	EXPECT_EQ(kept, KST_STAT("grid", KSTREAM_STAT_PUBLISHED));
	EXPECT_DROPS("grid", 3000 - kept, 0, 3000 - kept, 0);
	ASSERT_EQ(kept, kst_drain(rfd, collect_id, ids));
	for (i = 0; i < kept; i++)
		ASSERT_EQ(want[i], ids->id[i]) TH_LOG("kept message %d", i);
	ids_free(ids);
}

/* Adaptive by time: one per 10 s inside the band, all outside. */
TEST_F_TIMEOUT(bpf, sample_adaptive_time, 120)
{
	struct ids *ids = ids_new(400);
	int rfd, wfd, i;

	KST_MK("grid", 1 << 20, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("grid", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("grid", O_WRONLY);
	CTL("filter load sample adt adaptive offset 4 u8 band 0 9 normal 10s anomaly 1us");
	ATTACH("grid", "adt");

	for (i = 0; i < 300; i++) {
		struct { __u32 id; __u8 v; } __attribute__((packed)) m = {
			.id = i, .v = i >= 100 && i < 200 ? 50 : 5,
		};

		ASSERT_EQ(5, kst_wr(wfd, &m, sizeof(m)));
		/* Anomalies at least 1 us apart, even on a fast machine. */
		if (i >= 100 && i < 200)
			usleep(10);
	}
	/* 0 (first), 100..199 (anomaly), none after (< 10 s since 199). */
	ASSERT_EQ(101, kst_drain(rfd, collect_id, ids));
	EXPECT_EQ(0, ids->id[0]);
	for (i = 1; i <= 100; i++)
		EXPECT_EQ((__u32)i + 99, ids->id[i]);
	EXPECT_DROPS("grid", 199, 0, 199, 0);
	ids_free(ids);
}

/* ------------------------------------------------------------- filter */

/* "offset 0 u32 eq 0xCAFE" keeps exactly the messages that match. */
TEST_F_TIMEOUT(bpf, filter_field_eq, 120)
{
	struct ids *ids = ids_new(2000);
	int rfd, wfd, i, kept = 0, sent = 0;

	KST_MK("flt", 1 << 20, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("flt", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("flt", O_WRONLY);
	CTL("filter load filter cafe offset 0 u32 eq 0xCAFE");
	ATTACH("flt", "cafe");

	for (i = 0; i < 1000; i++) {
		__u32 m[2] = { i % 3 ? (__u32)i : 0xCAFE, i };

		ASSERT_EQ(8, kst_wr(wfd, m, sizeof(m)));
		sent++;
		kept += !(i % 3);
		/* Too short to hold the field: never matches. */
		if (i % 100 == 0) {
			ASSERT_EQ(2, kst_wr(wfd, "\xfe\xca", 2));
			sent++;
		}
	}
	EXPECT_EQ(kept, KST_STAT("flt", KSTREAM_STAT_PUBLISHED));
	EXPECT_DROPS("flt", sent - kept, sent - kept, 0, 0);
	ASSERT_EQ(kept, kst_drain(rfd, collect_id, ids));
	for (i = 0; i < kept; i++)
		ASSERT_EQ(0xCAFE, ids->id[i]);
	ids_free(ids);
}

/* Schema validation: magic, version nibble, size; and its complement. */
TEST_F_TIMEOUT(bpf, filter_schema, 120)
{
	static const struct {
		const char *what;
		unsigned char bytes[100];
		size_t len;
		bool valid;
	} msgs[] = {
		{ "valid", "KSTM\x12pay", 8, true },
		{ "valid, longer", "KSTM\x1f" "0123456789", 15, true },
		{ "bad magic", "KSTN\x12pay", 8, false },
		{ "magic byte-swapped", "MTSK\x12pay", 8, false },
		{ "bad version", "KSTM\x22pay", 8, false },
		{ "too short", "KSTM\x12p", 6, false },
		{ "too long", "KSTM\x12", 100, false },
		{ "empty after magic", "KSTM", 4, false },
	};
	const char *topics[] = { "keep", "drop" };
	unsigned int i, t, valid = 0;

	KST_MK("keep", 0, 0, KSTREAM_POLICY_OVERWRITE);
	KST_MK("drop", 0, 0, KSTREAM_POLICY_OVERWRITE);
	CTL("filter load filter schema offset 0 u32be eq 0x4b53544d "
	    "offset 4 u8 mask 0xf0 eq 0x10 len range 8 64");
	CTL("filter load filter reject action drop offset 0 u32be eq 0x4b53544d "
	    "offset 4 u8 mask 0xf0 eq 0x10 len range 8 64");
	ATTACH("keep", "schema");
	ATTACH("drop", "reject");

	for (t = 0; t < 2; t++) {
		int rfd = KST_OPEN(topics[t], O_RDONLY | O_NONBLOCK);
		int wfd = KST_OPEN(topics[t], O_WRONLY);

		for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
			unsigned char buf[128];
			__u64 before = KST_STAT(topics[t], KSTREAM_STAT_PUBLISHED);

			ASSERT_EQ(msgs[i].len, kst_wr(wfd, msgs[i].bytes, msgs[i].len));
			EXPECT_EQ(before + (msgs[i].valid == !t),
				  KST_STAT(topics[t], KSTREAM_STAT_PUBLISHED))
				TH_LOG("%s: %s", topics[t], msgs[i].what);
			if (msgs[i].valid == !t) {
				ASSERT_EQ(msgs[i].len, read(rfd, buf, sizeof(buf)));
				EXPECT_EQ(0, memcmp(buf, msgs[i].bytes, msgs[i].len));
			}
			valid += !t && msgs[i].valid;
		}
		EXPECT_EQ(-1, read(rfd, (char[8]){ 0 }, 8));
	}
	EXPECT_DROPS("keep", 8 - valid, 8 - valid, 0, 0);
	EXPECT_DROPS("drop", valid, valid, 0, 0);
}

/* Signed and big-endian fields, ranges and orderings. */
TEST_F_TIMEOUT(bpf, filter_signed_ranges, 120)
{
	static const struct {
		const char *args;
		__s16 v;		/* written as s16 big-endian at 4 */
		bool pass;
	} cases[] = {
		{ "offset 4 s16be range -10 10", -10, true },
		{ "offset 4 s16be range -10 10", 10, true },
		{ "offset 4 s16be range -10 10", -11, false },
		{ "offset 4 s16be range -10 10", 11, false },
		{ "offset 4 s16be lt -5", -6, true },
		{ "offset 4 s16be lt -5", -5, false },
		{ "offset 4 s16be ge -5", -5, true },
		{ "offset 4 s16be gt 100", 101, true },
		{ "offset 4 s16be le 100", 101, false },
		{ "offset 4 u16be gt 100", -1, true },	/* 0xffff unsigned */
		{ "offset 4 s16be ne 7", 7, false },
		{ "offset 4 s16 eq 0x0100", 1, true },	/* little-endian read */
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char topic[16], filter[16];
		unsigned char m[6] = { 'i', 'd', 0, 0 };
		int wfd;

		snprintf(topic, sizeof(topic), "t%u", i);
		snprintf(filter, sizeof(filter), "f%u", i);
		KST_MK(topic, 0, 0, KSTREAM_POLICY_OVERWRITE);
		CTL("filter load filter %s %s", filter, cases[i].args);
		ATTACH(topic, filter);
		m[4] = (__u16)cases[i].v >> 8;
		m[5] = (__u16)cases[i].v & 0xff;
		wfd = KST_OPEN(topic, O_WRONLY);
		ASSERT_EQ(6, kst_wr(wfd, m, 6));
		EXPECT_EQ(cases[i].pass, KST_STAT(topic, KSTREAM_STAT_PUBLISHED))
			TH_LOG("%s with %d", cases[i].args, cases[i].v);
		close(wfd);
	}
}

/* ---------------------------------------------------------- ratelimit */

/* Publishing flat out for 2 s through "rate 500 burst 50". */
TEST_F_TIMEOUT(bpf, ratelimit_rate, 120)
{
	__u64 t0, t1, pub, sent = 0;
	double secs, offered;
	int wfd;

	KST_MK("rl", 1 << 20, 0, KSTREAM_POLICY_OVERWRITE);
	wfd = KST_OPEN("rl", O_WRONLY);
	CTL("filter load ratelimit r500 rate 500 burst 50");
	ATTACH("rl", "r500");

	t0 = kst_now_ns(CLOCK_MONOTONIC);
	do {
		__u32 m[2] = { sent, 0 };

		ASSERT_EQ(8, kst_wr(wfd, m, sizeof(m)));
		sent++;
		t1 = kst_now_ns(CLOCK_MONOTONIC);
	} while (t1 - t0 < 2000000000ULL);
	secs = (t1 - t0) / 1e9;
	offered = sent / secs;
	pub = KST_STAT("rl", KSTREAM_STAT_PUBLISHED);
	TH_LOG("offered %.0f/s for %.2f s, passed %llu (%.0f/s)", offered, secs,
	       (unsigned long long)pub, pub / secs);

	/* Never more than the bucket plus the rate (plus rounding). */
	EXPECT_GE(50 + 500 * secs * 1.02 + 2, (double)pub);
	/* At least half the rate, if we offered well above it (TCG). */
	if (offered > 2000)
		EXPECT_LE(500 * secs * 0.5, (double)pub);
	EXPECT_DROPS("rl", sent - pub, 0, 0, sent - pub);
}

/* Forked producers: setgid/setuid as asked, then open, write n messages. */
static pid_t producer(const char *topic, uid_t uid, int n)
{
	pid_t pid = fork();
	int fd, i;

	if (pid)
		return pid;
	if (uid && (setgid(uid) || setuid(uid)))
		_exit(10);
	fd = kst_open(topic, O_WRONLY);
	if (fd < 0)
		_exit(11);
	for (i = 0; i < n; i++)
		if (kst_wr(fd, "msg", 3) != 3)
			_exit(12);
	_exit(0);
}

static int wait_ok(pid_t pid)
{
	int st;

	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Buckets per topic, per uid and per pid: 3 producers, 2 uids. */
TEST_F_TIMEOUT(bpf, ratelimit_per_producer, 120)
{
	static const char *const per[] = { "topic", "uid", "pid" };
	static const int buckets[] = { 1, 2, 3 };
	struct kst_topic_opts o = {
		.set = KST_SET_MODE | KST_SET_RING, .mode = 0666,
		.ring_size = 1 << 20,
	};
	unsigned int i;

	for (i = 0; i < 3; i++) {
		char topic[16];
		pid_t a, b, c;
		__u64 pub;

		snprintf(topic, sizeof(topic), "per-%s", per[i]);
		o.name = topic;
		ASSERT_EQ(0, kst_topic_create(&self->nl, &o, NULL));
		/* rate 1/s: the bucket (10) is nearly all a producer gets. */
		CTL("filter load ratelimit rl-%s rate 1 burst 10 per %s", per[i], per[i]);
		{
			char f[32];

			snprintf(f, sizeof(f), "rl-%s", per[i]);
			ATTACH(topic, f);
		}
		a = producer(topic, 1000, 50);
		ASSERT_EQ(0, wait_ok(a));
		b = producer(topic, 1001, 50);
		ASSERT_EQ(0, wait_ok(b));
		c = producer(topic, 1000, 50);
		ASSERT_EQ(0, wait_ok(c));
		pub = KST_STAT(topic, KSTREAM_STAT_PUBLISHED);
		TH_LOG("per %s: %llu passed", per[i], (unsigned long long)pub);
		/* Plus at most a token per second the test took. */
		EXPECT_LE(10 * buckets[i], pub);
		EXPECT_GE(10 * buckets[i] + 5, pub);
		EXPECT_DROPS(topic, 150 - pub, 0, 0, 150 - pub);
	}
}

/* -------------------------------------------------------------- kfuncs */

TEST_F_TIMEOUT(bpf, kfuncs, 120)
{
	static const char name[] = "probe-topic-1";
	unsigned char buf[256];
	struct kst_topic_opts o = {
		.name = name, .set = KST_SET_MODE, .mode = 0666,
	};
	struct kstream_msg_hdr h;
	struct probe_rec r;
	struct kst_topic t;
	struct kst_probe p, p2;
	__u64 t0, t1;
	int rfd, wfd, i, st;
	pid_t pid;

	ASSERT_EQ(0, kst_topic_create(&self->nl, &o, NULL));
	ASSERT_EQ(0, kst_topic_get(&self->nl, name, &t));
	ASSERT_EQ(0, kst_probe_load(&p));
	ATTACH(name, "probe");
	ASSERT_EQ(0, kst_topic_get(&self->nl, name, &t));
	EXPECT_STREQ("probe", t.filter);

	/* A second "probe" cannot register: names are unique. */
	EXPECT_EQ(-EEXIST, kst_probe_load(&p2));
	kst_probe_close(&p2);

	rfd = KST_OPEN(name, O_RDONLY | O_NONBLOCK);
	ASSERT_EQ(0, kst_set_flags(rfd, KSTREAM_FD_RECORDS));
	wfd = KST_OPEN(name, O_WRONLY);
	t0 = kst_now_ns(CLOCK_REALTIME);
	ASSERT_EQ(16, kst_wr(wfd, "ABCDEFGHIJKLMNOP", 16));
	t1 = kst_now_ns(CLOCK_REALTIME);
	ASSERT_EQ(0, kst_probe_read(&p, &r));
	EXPECT_EQ(1, r.count);
	EXPECT_EQ(16, r.len);
	EXPECT_EQ(t.id, r.topic_id);
	EXPECT_EQ(0, r.seq_hint);
	EXPECT_LE(t0, r.ingress_ns);
	EXPECT_GE(t1, r.ingress_ns);
	EXPECT_EQ(r.ingress_ns, r.ingress_ns_again);
	EXPECT_EQ(0, r.uid);
	EXPECT_EQ(0, r.gid);
	EXPECT_EQ(getpid(), (pid_t)r.pid);
	EXPECT_EQ((int)strlen(name), r.name_ret);
	EXPECT_STREQ(name, r.name);
	EXPECT_EQ(-E2BIG, r.short_name_ret);
	EXPECT_EQ(0, memcmp(r.short_name, "pro", 4));
	EXPECT_EQ(PROBE_LAST_BYTE | PROBE_PAST_END_NULL | PROBE_OVERFLOW_NULL |
		  PROBE_WHOLE | PROBE_TOO_BIG_NULL, r.bounds);
	EXPECT_EQ(0, memcmp(r.head, "ABCDEFGH", 8));
	/* The record's stamp is taken at commit, after the verdict's. */
	ASSERT_EQ(KSTREAM_REC_SIZE(16), read(rfd, buf, sizeof(buf)));
	memcpy(&h, buf, HDR);
	EXPECT_EQ(0, h.seq);
	EXPECT_LE(r.ingress_ns, h.ts_ns);

	/* A 1-byte message: only byte 0 exists. */
	ASSERT_EQ(1, kst_wr(wfd, "z", 1));
	ASSERT_EQ(0, kst_probe_read(&p, &r));
	EXPECT_EQ(1, r.seq_hint);
	EXPECT_EQ(PROBE_LAST_BYTE | PROBE_PAST_END_NULL | PROBE_OVERFLOW_NULL |
		  PROBE_TOO_BIG_NULL, r.bounds);

	/* Credentials are the opener's, as they were at open. */
	pid = fork();
	if (!pid) {
		int fd;

		if (setgid(4321) || setuid(1234))
			_exit(10);
		fd = kst_open(name, O_WRONLY);
		_exit(fd < 0 ? 11 : kst_wr(fd, "child", 5) == 5 ? 0 : 12);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, WEXITSTATUS(st));
	ASSERT_EQ(0, kst_probe_read(&p, &r));
	EXPECT_EQ(1234, r.uid);
	EXPECT_EQ(4321, r.gid);
	EXPECT_EQ(pid, (pid_t)r.pid);
	EXPECT_EQ(2, r.seq_hint);

	pid = fork();
	if (!pid) {
		int fd = kst_open(name, O_WRONLY);

		if (fd < 0)
			_exit(11);
		if (setgid(4321) || setuid(1234))
			_exit(10);
		_exit(kst_wr(fd, "child", 5) == 5 ? 0 : 12);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, WEXITSTATUS(st));
	ASSERT_EQ(0, kst_probe_read(&p, &r));
	EXPECT_EQ(0, r.uid);
	EXPECT_EQ(0, r.gid);
	EXPECT_EQ(pid, (pid_t)r.pid);

	/* Verdicts by reason; an unknown verdict (77) counts as a drop. */
	EXPECT_DROPS(name, 0, 0, 0, 0);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(1, kst_wr(wfd, "D", 1));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(1, kst_wr(wfd, "S", 1));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(1, kst_wr(wfd, "R", 1));
	ASSERT_EQ(1, kst_wr(wfd, "X", 1));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(1, kst_wr(wfd, "P", 1));
	EXPECT_DROPS(name, 10, 4, 2, 4);
	EXPECT_EQ(4 + 5, KST_STAT(name, KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(9, KST_STAT(name, KSTREAM_STAT_HEAD_SEQ));
	ASSERT_EQ(0, kst_probe_read(&p, &r));
	EXPECT_EQ(4 + 15, r.count);

	kst_probe_close(&p);
	/* Closing the link unregistered the filter: the topic has none. */
	ASSERT_EQ(0, kst_topic_get(&self->nl, name, &t));
	EXPECT_STREQ("", t.filter);
	ASSERT_EQ(1, kst_wr(wfd, "D", 1));
	EXPECT_EQ(10, KST_STAT(name, KSTREAM_STAT_PUBLISHED));
}

/* ------------------------------------------------------------ verifier */

TEST_F_TIMEOUT(bpf, verifier_rejects_bad_programs, 120)
{
	static const struct {
		const char *obj;
		const char *why;	/* in the verifier log */
	} bad[] = {
		{ "bad_write_payload", "cannot write into rdonly_mem" },
		{ "bad_read_oob", "invalid access to memory" },
		{ "bad_no_null_check", "invalid mem access 'rdonly_mem_or_null'" },
		{ "bad_var_size", "is not a const" },
		{ "bad_write_ctx", "only read is supported" },
		{ "bad_sleepable", "attach to unsupported member verdict" },
	};
	char out[65536], path[512], rel[128];
	unsigned int i;

	KST_MK("v", 0, 0, KSTREAM_POLICY_OVERWRITE);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(rel, sizeof(rel), "tests/bpf/%s.bpf.o", bad[i].obj);
		kst_build_path(path, sizeof(path), rel);
		EXPECT_EQ(1, kst_run(out, sizeof(out), "streamctl filter load file %s bad%u",
				 path, i)) TH_LOG("%s: %s", bad[i].obj, out);
		EXPECT_NE(NULL, strstr(out, bad[i].why))
			TH_LOG("%s: no \"%s\" in:\n%s", bad[i].obj, bad[i].why, out);
	}
	/* Nothing got registered or pinned. */
	EXPECT_EQ(0, kst_run(out, sizeof(out), "streamctl filter list"));
	EXPECT_STREQ("", out);
	EXPECT_EQ(-1, access(PIN_DIR "/bad0", F_OK));
}

/* ------------------------------------------------- attach under load */

struct load {
	int fd;
	__u32 producer;
	int n;			/* to write; then written */
	int err;
	volatile int *stop;
	int *finished;		/* incremented when done */
};

static void *produce(void *arg)
{
	struct load *l = arg;
	struct tmsg m;
	ssize_t ret;
	int i;

	for (i = 0; i < l->n && !*l->stop; i++) {
		tmsg_make(&m, l->producer, i);
		ret = kst_wr(l->fd, &m, sizeof(m));
		if (ret != sizeof(m)) {
			l->err = ret < 0 ? -ret : EIO;
			break;
		}
	}
	l->n = i;
	if (l->finished)
		__atomic_add_fetch(l->finished, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* What the reader saw, per producer. */
struct seen {
	__u8 *got[2];		/* count per id */
	__u32 max;		/* ids are below */
	__s64 last[2];		/* last id, for per-producer order */
	int bad, reordered, total;
	__u64 next_seq;
	int gaps;
};

static void check_msg(const struct kstream_msg_hdr *h, const void *p,
		      void *arg)
{
	const struct tmsg *m = p;
	struct seen *s = arg;

	s->total++;
	if (h->seq != s->next_seq)
		s->gaps++;
	s->next_seq = h->seq + 1;
	if (h->len != sizeof(*m) || !tmsg_ok(m) || m->producer > 1 ||
	    m->id >= s->max) {
		s->bad++;
		return;
	}
	if ((__s64)m->id <= s->last[m->producer])
		s->reordered++;
	s->last[m->producer] = m->id;
	s->got[m->producer][m->id]++;
}

struct reader {
	int fd;
	struct seen *seen;
	volatile int *done;
	int err;
};

static void *consume(void *arg)
{
	struct reader *r = arg;

	for (;;) {
		int done = *r->done;
		int n = kst_drain(r->fd, check_msg, r->seen);

		if (n < 0) {
			r->err = -n;
			break;
		}
		if (done && !n)
			break;
		if (!n)
			kst_poll(r->fd, POLLIN, 10);
	}
	return NULL;
}

TEST_F_TIMEOUT(bpf, attach_detach_under_load, 300)
{
	const int per = 1 << 20, changes = 300;
	volatile int stop = 0, done = 0;
	struct seen seen = { .max = per, .last = { -1, -1 } };
	int finished = 0;
	struct load l[2];
	struct reader rdr;
	pthread_t th[2], rth;
	__u64 pub, drops;
	int i, ops = 0, lost_even = 0, dup = 0;

	KST_MK("load", 1 << 20, 0, KSTREAM_POLICY_BLOCK);
	CTL("filter load pass p1");
	CTL("filter load pass p2");
	CTL("filter load filter even offset 0 u32 mask 1 eq 0");

	seen.got[0] = calloc(per, 1);
	seen.got[1] = calloc(per, 1);
	rdr = (struct reader){ .fd = KST_OPEN("load", O_RDONLY | O_NONBLOCK),
			       .seen = &seen, .done = &done };
	ASSERT_EQ(0, pthread_create(&rth, NULL, consume, &rdr));
	for (i = 0; i < 2; i++) {
		l[i] = (struct load){ .fd = KST_OPEN("load", O_WRONLY), .producer = i,
				      .n = per, .stop = &stop,
				      .finished = &finished };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, produce, &l[i]));
	}

	/* Attach, replace, detach, attach the dropping one, ... */
	while (ops < changes && __atomic_load_n(&finished, __ATOMIC_SEQ_CST) < 2) {
		static const char *const seq[] = { "p1", "p2", NULL, "even", "p1", NULL };
		const char *f = seq[ops % 6];
		int err;

		if (f)
			err = kst_name_request(&self->nl, KSTREAM_CMD_FILTER_ATTACH, "load", f);
		else
			err = kst_name_request(&self->nl, KSTREAM_CMD_FILTER_DETACH, "load", NULL);
		EXPECT_EQ(0, err) TH_LOG("%s: %s", f ? f : "detach", self->nl.extack);
		if (err)
			break;
		ops++;
		usleep(500);
	}
	stop = 1;
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	done = 1;
	pthread_join(rth, NULL);
	TH_LOG("%d filter changes while publishing %d messages", ops,
	       l[0].n + l[1].n);

	EXPECT_EQ(0, l[0].err);
	EXPECT_EQ(0, l[1].err);
	EXPECT_EQ(0, rdr.err);
	/*
	 * The changes run while both producers publish; how many fit
	 * depends on the guest's speed (290 of 300 once on an idle host):
	 * at least ten rounds of the six-step sequence.
	 */
	EXPECT_GE(ops, 60);
	pub = KST_STAT("load", KSTREAM_STAT_PUBLISHED);
	drops = KST_STAT("load", KSTREAM_STAT_DROPPED);
	/* Every message was published or dropped by "even", once. */
	EXPECT_EQ((__u64)l[0].n + l[1].n, pub + drops);
	EXPECT_DROPS("load", drops, drops, 0, 0);
	EXPECT_EQ(pub, seen.total);
	EXPECT_EQ(0, seen.bad);
	EXPECT_EQ(0, seen.reordered);
	EXPECT_EQ(0, seen.gaps);
	for (i = 0; i < per; i++) {
		int p;

		for (p = 0; p < 2; p++) {
			dup += seen.got[p][i] > 1;
			lost_even += i < l[p].n && !(i & 1) && !seen.got[p][i];
		}
	}
	EXPECT_EQ(0, dup);
	EXPECT_EQ(0, lost_even);	/* no filter ever drops even ids */
	free(seen.got[0]);
	free(seen.got[1]);
}

/* Unloading an attached filter while producers publish through it. */
TEST_F_TIMEOUT(bpf, unload_attached_under_load, 120)
{
	volatile int stop = 0;
	struct load l[2];
	struct kst_topic t;
	pthread_t th[2];
	__u64 pub;
	int i;

	KST_MK("ul", 1 << 20, 0, KSTREAM_POLICY_OVERWRITE);
	CTL("filter load filter even offset 0 u32 mask 1 eq 0");
	ATTACH("ul", "even");
	for (i = 0; i < 2; i++) {
		l[i] = (struct load){ .fd = KST_OPEN("ul", O_WRONLY), .producer = i,
				      .n = 1 << 30, .stop = &stop };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, produce, &l[i]));
	}
	usleep(200000);
	CTL("filter unload even");
	/* Gone from the topic as soon as unload returned. */
	ASSERT_EQ(0, kst_topic_get(&self->nl, "ul", &t));
	EXPECT_STREQ("", t.filter);
	pub = KST_STAT("ul", KSTREAM_STAT_DROPPED);
	usleep(200000);
	EXPECT_EQ(pub, KST_STAT("ul", KSTREAM_STAT_DROPPED));
	stop = 1;
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, l[i].err);
	}
	EXPECT_EQ((__u64)l[0].n + l[1].n,
		  KST_STAT("ul", KSTREAM_STAT_PUBLISHED) + KST_STAT("ul", KSTREAM_STAT_DROPPED));
	EXPECT_LT(0, pub);
}

/* ------------------------------------------------------- module unload */

TEST_F_TIMEOUT(bpf, module_unload_refused_while_registered, 120)
{
	KST_MK("mu", 0, 0, KSTREAM_POLICY_OVERWRITE);
	CTL("filter load pass held");
	ATTACH("mu", "held");

	/* The struct_ops map holds the module (EWOULDBLOCK: in use). */
	EXPECT_EQ(-EWOULDBLOCK, kst_unload());
	EXPECT_TRUE(kst_loaded());
	DETACH("mu");
	EXPECT_EQ(-EWOULDBLOCK, kst_unload());	/* still registered */
	EXPECT_TRUE(kst_loaded());

	EXPECT_LE(0, kst_delete_all(&self->nl));
	CTL("filter unload held");
	EXPECT_EQ(0, kst_unload_retry(10000));
	EXPECT_FALSE(kst_loaded());
}

/* A deleted topic lets go of its filter. */
TEST_F_TIMEOUT(bpf, topic_delete_detaches, 120)
{
	char out[4096];
	int wfd;

	KST_MK("gone", 0, 0, KSTREAM_POLICY_OVERWRITE);
	KST_MK("stays", 0, 0, KSTREAM_POLICY_OVERWRITE);
	CTL("filter load pass p");
	ATTACH("gone", "p");
	ATTACH("stays", "p");
	wfd = KST_OPEN("gone", O_WRONLY);
	ASSERT_EQ(0, kst_topic_delete(&self->nl, "gone"));
	EXPECT_EQ(-ENODEV, kst_wr(wfd, "x", 1));
	ASSERT_EQ(0, kst_run(out, sizeof(out), "streamctl -j filter list"));
	EXPECT_STREQ("[{\"name\":\"p\",\"id\":1,\"topics\":[\"stays\"]}]\n", out);
	CTL("filter unload p");
	ASSERT_EQ(0, kst_run(out, sizeof(out), "streamctl -j filter list"));
	EXPECT_STREQ("[]\n", out);
}

/* ------------------------------------------------------------- netlink */

TEST_F_TIMEOUT(bpf, netlink_errors, 120)
{
	struct kst_topic_opts o = { .name = "nf" };
	struct kst_buf b = { .len = 0 };
	pid_t pid;
	int st;

	KST_MK("t", 0, 0, KSTREAM_POLICY_OVERWRITE);
	CTL("filter load pass p");

#define NL_ERR(err, msg, cmd, topic, filter) do {				\
	EXPECT_EQ(err, kst_name_request(&self->nl, cmd, topic, filter));		\
	EXPECT_NE(NULL, strstr(self->nl.extack, msg))				\
		TH_LOG("extack \"%s\", want \"%s\"", self->nl.extack, msg);	\
} while (0)
	NL_ERR(-ENOENT, "no such topic", KSTREAM_CMD_FILTER_ATTACH, "none", "p");
	NL_ERR(-ENOENT, "no such filter", KSTREAM_CMD_FILTER_ATTACH, "t", "none");
	NL_ERR(-ENOENT, "no such topic", KSTREAM_CMD_FILTER_DETACH, "none", NULL);
	NL_ERR(-ENOENT, "has no filter", KSTREAM_CMD_FILTER_DETACH, "t", NULL);
	NL_ERR(-EINVAL, "topic name missing", KSTREAM_CMD_FILTER_ATTACH, NULL, "p");
	NL_ERR(-EINVAL, "filter name missing", KSTREAM_CMD_FILTER_ATTACH, "t", NULL);
	NL_ERR(-EINVAL, "filter names are", KSTREAM_CMD_FILTER_ATTACH, "t", "a/b");
	NL_ERR(-ENOENT, "no such filter", KSTREAM_CMD_FILTER_GET, NULL, "none");
	NL_ERR(-EINVAL, "filter name missing", KSTREAM_CMD_FILTER_GET, NULL, NULL);
#undef NL_ERR

	/* Read-only attributes are refused. */
	kst_buf_str(&b, KSTREAM_A_TOPIC_NAME, "t");
	kst_buf_str(&b, KSTREAM_A_FILTER_NAME, "p");
	kst_buf_u32(&b, KSTREAM_A_FILTER_ID, 1);
	EXPECT_EQ(-EINVAL, kst_nl_raw(&self->nl, KSTREAM_CMD_FILTER_ATTACH, 0, &b,
				      NULL, 0));
	/* Filters are attached with FILTER_ATTACH only. */
	b.len = 0;
	kst_buf_str(&b, KSTREAM_A_TOPIC_NAME, "nf");
	kst_buf_str(&b, KSTREAM_A_FILTER_NAME, "p");
	EXPECT_EQ(-EINVAL, kst_nl_raw(&self->nl, KSTREAM_CMD_TOPIC_NEW, 0, &b,
				      NULL, 0));
	EXPECT_NE(NULL, strstr(self->nl.extack, "FILTER_ATTACH"));
	EXPECT_EQ(-ENOENT, kst_topic_get(&self->nl, o.name, &(struct kst_topic){}));

	/* Attach and detach need the admin right on the topic; listing does not. */
	pid = fork();
	if (!pid) {
		struct kst_nl nl;

		if (setgid(65534) || setuid(65534) || kst_nl_open(&nl))
			_exit(10);
		if (kst_name_request(&nl, KSTREAM_CMD_FILTER_ATTACH, "t", "p") != -EPERM)
			_exit(11);
		if (kst_name_request(&nl, KSTREAM_CMD_FILTER_DETACH, "t", NULL) != -EPERM)
			_exit(12);
		if (kst_nl_raw(&nl, KSTREAM_CMD_FILTER_GET, NLM_F_DUMP, NULL, NULL, 0))
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

/*
 * The admin right on a topic, without any capability, is enough to
 * attach a registered filter to it and detach it; without the right the
 * commands fail with EPERM, counted and audited as ACL changes are.
 */
TEST_F_TIMEOUT(bpf, topic_admin_attaches_filters, 120)
{
	int afd = kst_audit_open();
	struct kst_topic t;
	pid_t pid;
	int st;

	KST_MK("mine", 0, 0, KSTREAM_POLICY_OVERWRITE);
	KST_MK("theirs", 0, 0, KSTREAM_POLICY_OVERWRITE);
	ASSERT_EQ(0, kst_acl_add(&self->nl, "mine", KSTREAM_ACL_USER, 4001,
				 KSTREAM_ACL_ADMIN));
	CTL("filter load pass p");
	ATTACH("theirs", "p");

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct kst_nl nl;
		struct kst_topic c;

		if (setgroups(0, NULL) || setgid(4001) || setuid(4001) ||
		    kst_nl_open(&nl))
			_exit(10);
		if (kst_filter_attach(&nl, "mine", "p"))
			_exit(11);
		if (kst_topic_get(&nl, "mine", &c) || strcmp(c.filter, "p"))
			_exit(12);
		if (kst_filter_attach(&nl, "theirs", "p") != -EPERM ||
		    !strstr(nl.extack, "attaching or detaching a topic's filter needs CAP_NET_ADMIN or the admin right on it"))
			_exit(13);
		if (kst_filter_detach(&nl, "theirs") != -EPERM)
			_exit(14);
		/* whether or not the topic exists */
		if (kst_filter_attach(&nl, "nosuch", "p") != -EPERM)
			_exit(15);
		if (kst_filter_attach(&nl, "mine", "nosuch") != -ENOENT)
			_exit(16);
		if (kst_filter_detach(&nl, "mine"))
			_exit(17);
		if (kst_topic_get(&nl, "mine", &c) || c.filter[0])
			_exit(18);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, st) TH_LOG("child status %#x", st);

	ASSERT_EQ(0, kst_topic_get(&self->nl, "theirs", &t));
	EXPECT_STREQ("p", t.filter);
	EXPECT_EQ(2, KST_STAT("theirs", KSTREAM_STAT_DENIED));
	EXPECT_EQ(0, KST_STAT("mine", KSTREAM_STAT_DENIED));

	if (afd < 0)
		SKIP(return, "no audit multicast socket: %d", afd);
	EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=filter_attach topic=mine res=1",
				 "filter=p", " uid=4001"));
	EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=filter_attach topic=theirs res=0",
				 "errno=1", "denied_by=acl", "filter=p", " uid=4001"));
	EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=filter_detach topic=theirs res=0",
				 "errno=1", "denied_by=acl", " uid=4001"));
	EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=filter_detach topic=mine res=1",
				 " uid=4001"));
	close(afd);
}

/* ----------------------------------------------------------- streamctl */

TEST_F_TIMEOUT(bpf, streamctl_output, 120)
{
	char out[4096];

	KST_MK("a", 0, 0, KSTREAM_POLICY_OVERWRITE);
	KST_MK("b", 0, 0, KSTREAM_POLICY_OVERWRITE);
	CTL("filter load sample s every 2");
	CTL("filter attach a s");
	CTL("filter attach b s");

	ASSERT_EQ(0, kst_run(out, sizeof(out), "streamctl filter list"));
	EXPECT_STREQ("s: id 1 topics a,b\n", out);
	ASSERT_EQ(0, kst_run(out, sizeof(out), "streamctl filter"));
	EXPECT_STREQ("s: id 1 topics a,b\n", out);
	ASSERT_EQ(0, kst_run(out, sizeof(out), "streamctl -j filter show s"));
	EXPECT_STREQ("{\"name\":\"s\",\"id\":1,\"topics\":[\"a\",\"b\"]}\n", out);
	ASSERT_EQ(0, kst_run(out, sizeof(out), "echo one >/dev/stream/a; echo two >/dev/stream/a; streamctl topic show a"));
	EXPECT_NE(NULL, strstr(out, " filter s\n")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "published 1 (4 bytes) dropped 1 (filter 0 sample 1 ratelimit 0)"))
		TH_LOG("%s", out);
	ASSERT_EQ(0, kst_run(out, sizeof(out), "streamctl -j topic show a"));
	EXPECT_NE(NULL, strstr(out, "\"filter\":\"s\"")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"dropped_filter\":0,\"dropped_sample\":1,\"dropped_ratelimit\":0"))
		TH_LOG("%s", out);

	CTL("filter detach a");
	ASSERT_EQ(0, kst_run(out, sizeof(out), "streamctl filter list"));
	EXPECT_STREQ("s: id 1 topics b\n", out);
	ASSERT_EQ(0, kst_run(out, sizeof(out), "streamctl topic show a"));
	EXPECT_EQ(NULL, strstr(out, "filter s")) TH_LOG("%s", out);

	/* Errors: the kernel's reason, exit 1; bad usage, exit 2. */
	EXPECT_EQ(1, kst_run(out, sizeof(out), "streamctl filter attach a nosuch"));
	EXPECT_STREQ("streamctl: filter attach a nosuch: No such file or directory: no such filter (see streamctl filter list)\n", out);
	EXPECT_EQ(1, kst_run(out, sizeof(out), "streamctl filter detach a"));
	EXPECT_STREQ("streamctl: filter detach a: No such file or directory: the topic has no filter\n", out);
	EXPECT_EQ(1, kst_run(out, sizeof(out), "streamctl filter load pass s"));
	EXPECT_NE(NULL, strstr(out, "loaded already")) TH_LOG("%s", out);
	EXPECT_EQ(1, kst_run(out, sizeof(out), "streamctl filter unload nosuch"));
	EXPECT_EQ(2, kst_run(out, sizeof(out), "streamctl filter attach a"));
	EXPECT_EQ(2, kst_run(out, sizeof(out), "streamctl filter load sample x every 0"));
	EXPECT_EQ(2, kst_run(out, sizeof(out), "streamctl filter load bogus x"));
	EXPECT_EQ(1, kst_run(out, sizeof(out), "streamctl filter load file /nonexistent.o x"));
}

TEST_HARNESS_MAIN
