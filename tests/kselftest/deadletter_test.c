// SPDX-License-Identifier: GPL-2.0
/*
 * Dead-letter topics: configuration (set, clear, at creation, shown in
 * replies, audited), loops and bad targets refused with an extended ack,
 * the admin right on both topics, routing (10000 messages, a schema rule
 * rejecting a known subset: exactly that subset in the dead-letter topic,
 * with correct metadata, truncated when it must be), a full block
 * dead-letter topic that never blocks the source, a deleted dead-letter
 * topic, no dead-letter topic, idempotent producers' retries, unloading
 * with pairs configured, and streamctl.
 *
 * Routing needs eBPF ingress filters (Linux 6.9+): those tests are
 * skipped elsewhere; the configuration works on every kernel.
 */
#include <grp.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ksft_bpf.h"

#define DLH sizeof(struct kstream_deadletter)

FIXTURE(dl) {
	struct kst_nl nl;
};

FIXTURE_SETUP(dl)
{
	kst_bpf_fixture_load(_metadata, &self->nl);
}

FIXTURE_TEARDOWN(dl)
{
	kst_bpf_fixture_unload(_metadata, &self->nl);
}

/* ------------------------------------------------------------ helpers */

/* KSTREAM_CMD_DEADLETTER_SET of @topic to @dlq (NULL: none). */
static int dl_set(struct kst_nl *nl, const char *topic, const char *dlq)
{
	struct nl_msg *msg = kst__msg(nl, KSTREAM_CMD_DEADLETTER_SET, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, KSTREAM_A_TOPIC_NAME, topic) ||
	    (dlq && nla_put_string(msg, KSTREAM_A_TOPIC_DEADLETTER, dlq))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return kst__request(nl, msg, NULL, 0, NULL);
}

/* The dead-letter topic of @topic as a reply carries it ("" if none). */
static int dl_of(struct kst_nl *nl, const char *topic, char *out)
{
	struct kst_topic t;
	int err = kst_topic_get(nl, topic, &t);

	strcpy(out, err ? "?" : t.deadletter);
	return err;
}

/* Create @name with a ring of @ring bytes, msg_max @mm and @policy. */
#define MK(name, ring, mm, policy) \
	ASSERT_EQ(0, kst_create(&self->nl, (name), (ring), (mm), (policy))) \
		TH_LOG("create %s: %s", (name), self->nl.extack)

/* A test message: id, a validity byte, a pattern; @len bytes (>= 8). */
static size_t tmsg(__u8 *buf, size_t len, __u32 id, __u8 valid)
{
	size_t k;

	memcpy(buf, &id, 4);
	buf[4] = valid;
	for (k = 5; k < len; k++)
		buf[k] = (__u8)(id * 13 + k);
	return len;
}

/* One record of a topic's records-mode stream. */
struct rec {
	__u64 seq, ts;
	struct kstream_deadletter h;
	__u8 payload[512];
	__u32 plen;
};

struct recs {
	struct rec *r;
	int max;
	int n;
};

static void collect(const struct kstream_msg_hdr *h, const void *p, void *arg)
{
	struct recs *rs = arg;
	struct rec *r = rs->r + (rs->n < rs->max ? rs->n : 0);

	if (rs->n < rs->max && h->len >= DLH) {
		r->seq = h->seq;
		r->ts = h->ts_ns;
		memcpy(&r->h, p, DLH);
		r->plen = h->len - DLH;
		if (r->plen <= sizeof(r->payload))
			memcpy(r->payload, (const __u8 *)p + DLH, r->plen);
	}
	rs->n++;
}

/* Every record of @fd now into @r[0..max); how many there were. */
static int read_recs(int fd, struct rec *r, int max)
{
	struct recs rs = { .r = r, .max = max };
	int n = kst_drain(fd, collect, &rs);

	return n < 0 ? n : rs.n;
}

/* ------------------------------------------------------ configuration */

TEST_F(dl, set_clear_show_and_audit)
{
	struct kst_topic_opts o = { .name = "born" };
	struct nl_msg *msg;
	char dlq[KSTREAM_NAME_MAX];
	int afd = kst_audit_open();

	MK("src", 0, 0, KSTREAM_POLICY_OVERWRITE);
	MK("dlq", 0, 0, KSTREAM_POLICY_OVERWRITE);
	ASSERT_EQ(0, dl_of(&self->nl, "src", dlq));
	EXPECT_STREQ("", dlq);
	ASSERT_EQ(0, dl_set(&self->nl, "src", "dlq")) TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, dl_of(&self->nl, "src", dlq));
	EXPECT_STREQ("dlq", dlq);
	/* setting it again, or to another, is fine */
	MK("dlq2", 0, 0, KSTREAM_POLICY_BLOCK);
	ASSERT_EQ(0, dl_set(&self->nl, "src", "dlq2"));
	ASSERT_EQ(0, dl_of(&self->nl, "src", dlq));
	EXPECT_STREQ("dlq2", dlq);
	ASSERT_EQ(0, dl_set(&self->nl, "src", NULL));
	ASSERT_EQ(0, dl_of(&self->nl, "src", dlq));
	EXPECT_STREQ("", dlq);
	if (afd >= 0) {
		EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=deadletter_set topic=src res=1",
					 "deadletter=dlq2"));
		EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=deadletter_set topic=src res=1",
					 "deadletter=none"));
	}

	/* at creation */
	msg = kst__msg(&self->nl, KSTREAM_CMD_TOPIC_NEW, 0);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_string(msg, KSTREAM_A_TOPIC_NAME, "born"));
	ASSERT_EQ(0, nla_put_string(msg, KSTREAM_A_TOPIC_DEADLETTER, "dlq"));
	ASSERT_EQ(0, kst__request(&self->nl, msg, NULL, 0, NULL))
		TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, dl_of(&self->nl, "born", dlq));
	EXPECT_STREQ("dlq", dlq);
	/* ... of a topic that does not exist: nothing created */
	msg = kst__msg(&self->nl, KSTREAM_CMD_TOPIC_NEW, 0);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_string(msg, KSTREAM_A_TOPIC_NAME, "orphan"));
	ASSERT_EQ(0, nla_put_string(msg, KSTREAM_A_TOPIC_DEADLETTER, "nope"));
	EXPECT_EQ(-ENOENT, kst__request(&self->nl, msg, NULL, 0, NULL));
	EXPECT_NE(NULL, strstr(self->nl.extack, "no such dead-letter topic"));
	{
		struct kst_topic t;

		EXPECT_EQ(-ENOENT, kst_topic_get(&self->nl, "orphan", &t));
	}
	(void)o;

	/* a deleted dead-letter topic: its sources fall back to none */
	ASSERT_EQ(0, kst_topic_delete(&self->nl, "dlq"));
	ASSERT_EQ(0, dl_of(&self->nl, "born", dlq));
	EXPECT_STREQ("", dlq);
	/* a new topic of the same name is not linked again */
	MK("dlq", 0, 0, KSTREAM_POLICY_OVERWRITE);
	ASSERT_EQ(0, dl_of(&self->nl, "born", dlq));
	EXPECT_STREQ("", dlq);
	if (afd >= 0)
		close(afd);
}

TEST_F(dl, loops_and_bad_targets_refused)
{
	char dlq[KSTREAM_NAME_MAX];
	struct kst_buf b;

	MK("a", 0, 0, KSTREAM_POLICY_OVERWRITE);
	MK("b", 0, 0, KSTREAM_POLICY_OVERWRITE);
	MK("c", 0, 0, KSTREAM_POLICY_OVERWRITE);
	MK("tiny", 4096, DLH, KSTREAM_POLICY_OVERWRITE);
	MK("fits", 4096, DLH + 1, KSTREAM_POLICY_OVERWRITE);

	EXPECT_EQ(-EINVAL, dl_set(&self->nl, "a", "a"));
	EXPECT_NE(NULL, strstr(self->nl.extack, "its own dead-letter topic"));
	ASSERT_EQ(0, dl_set(&self->nl, "a", "b"));
	EXPECT_EQ(-EINVAL, dl_set(&self->nl, "b", "a"));
	EXPECT_NE(NULL, strstr(self->nl.extack, "loop"));
	ASSERT_EQ(0, dl_set(&self->nl, "b", "c"));
	EXPECT_EQ(-EINVAL, dl_set(&self->nl, "c", "a"));
	EXPECT_NE(NULL, strstr(self->nl.extack, "loop"));
	EXPECT_EQ(-EINVAL, dl_set(&self->nl, "c", "b"));
	/* a refused change changes nothing */
	ASSERT_EQ(0, dl_of(&self->nl, "c", dlq));
	EXPECT_STREQ("", dlq);
	ASSERT_EQ(0, dl_of(&self->nl, "a", dlq));
	EXPECT_STREQ("b", dlq);
	/* several sources may share one: not a loop */
	MK("d", 0, 0, KSTREAM_POLICY_OVERWRITE);
	EXPECT_EQ(0, dl_set(&self->nl, "d", "b"));
	EXPECT_EQ(0, dl_set(&self->nl, "d", "c"));

	EXPECT_EQ(-EINVAL, dl_set(&self->nl, "a", "tiny"));
	EXPECT_NE(NULL, strstr(self->nl.extack, "msgmax"));
	EXPECT_EQ(0, dl_set(&self->nl, "a", "fits"));
	EXPECT_EQ(-ENOENT, dl_set(&self->nl, "a", "nope"));
	EXPECT_EQ(-ENOENT, dl_set(&self->nl, "nope", "a"));
	EXPECT_EQ(-EINVAL, dl_set(&self->nl, "a", "../x"));
	memset(&b, 0, sizeof(b));
	kst_buf_str(&b, KSTREAM_A_TOPIC_NAME, "a");
	kst_buf_u32(&b, KSTREAM_A_TOPIC_DEADLETTER, 7);	/* not a string */
	EXPECT_EQ(-EINVAL, kst_nl_raw(&self->nl, KSTREAM_CMD_DEADLETTER_SET, 0,
				      &b, NULL, 0));
}

#define ALICE 4101

/* The admin right on both topics. */
TEST_F(dl, admin_right_on_both)
{
	struct kst_topic_opts o = {
		.set = KST_SET_MODE | KST_SET_UID | KST_SET_GID, .mode = 0666,
	};
	pid_t pid;
	int status;

	o.name = "mine";
	ASSERT_EQ(0, kst_topic_create(&self->nl, &o, NULL));
	o.name = "theirs";
	ASSERT_EQ(0, kst_topic_create(&self->nl, &o, NULL));
	o.name = "shared";
	ASSERT_EQ(0, kst_topic_create(&self->nl, &o, NULL));
	ASSERT_EQ(0, kst_acl_add(&self->nl, "mine", KSTREAM_ACL_USER, ALICE,
				 KSTREAM_ACL_ADMIN));
	ASSERT_EQ(0, kst_acl_add(&self->nl, "shared", KSTREAM_ACL_USER, ALICE,
				 KSTREAM_ACL_ADMIN));
	/* others' publish and subscribe rights (mode 0666) are not enough */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct kst_nl nl;

		if (setgroups(0, NULL) || setresgid(ALICE, ALICE, ALICE) ||
		    setresuid(ALICE, ALICE, ALICE) || kst_nl_open(&nl))
			_exit(99);
		EXPECT_EQ(-EPERM, dl_set(&nl, "mine", "theirs"));
		EXPECT_NE(NULL, strstr(nl.extack, "both topics"));
		EXPECT_EQ(-EPERM, dl_set(&nl, "theirs", "mine"));
		EXPECT_EQ(0, dl_set(&nl, "mine", "shared"));
		EXPECT_EQ(0, dl_set(&nl, "mine", NULL));
		kst_nl_close(&nl);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_LE(1, kst_stat(&self->nl, "theirs", KSTREAM_STAT_DENIED));
}

/* Unloading with pairs configured frees everything (kmemleak checks). */
TEST_F(dl, unload_with_pairs)
{
	int fd;

	MK("a", 0, 0, KSTREAM_POLICY_OVERWRITE);
	MK("b", 0, 0, KSTREAM_POLICY_BLOCK);
	MK("c", 0, 0, KSTREAM_POLICY_OVERWRITE);
	ASSERT_EQ(0, dl_set(&self->nl, "a", "b"));
	ASSERT_EQ(0, dl_set(&self->nl, "b", "c"));
	ASSERT_EQ(0, dl_set(&self->nl, "c", NULL));
	/* deleting the middle one of a chain */
	fd = KST_OPEN("b", O_RDONLY);
	ASSERT_EQ(0, kst_topic_delete(&self->nl, "b"));
	close(fd);
	ASSERT_EQ(0, dl_set(&self->nl, "a", "c"));
	kst_nl_close(&self->nl);
	ASSERT_EQ(0, kst_unload_retry(10000));
	ASSERT_EQ(0, kst_load(NULL));
	ASSERT_EQ(0, kst_nl_open(&self->nl));
}

/* ------------------------------------------------------------ routing */

#define N_MSGS 10000

static bool rejected(int i)
{
	return i % 7 == 3 || i % 101 == 50;
}

/*
 * 10000 messages; the filter keeps those whose byte 4 is 0 (rule 1) and
 * no longer than 200 bytes (rule 2), and dead-letters the others.  The
 * rejected subset is known (i % 7 == 3: byte 4 set, reason 1; i % 101 ==
 * 50: 300 bytes, reason 2, unless byte 4 is set too): exactly that subset
 * reaches the dead-letter topic, in order, with its metadata.
 */
TEST_F_TIMEOUT(dl, routing_exact, 300)
{
	static struct rec r[N_MSGS];
	__u8 buf[512];
	struct kst_topic src;
	int w, rd, dr, i, n, k = 0, kept = 0;
	__u64 t0, t1;

	if (!kst_bpf_supported())
		SKIP(return, "eBPF ingress filters need Linux 6.9+");
	MK("src", 4 << 20, 0, KSTREAM_POLICY_OVERWRITE);
	MK("dlq", 4 << 20, 0, KSTREAM_POLICY_OVERWRITE);
	ASSERT_EQ(0, kst_topic_get(&self->nl, "src", &src));
	ASSERT_EQ(0, dl_set(&self->nl, "src", "dlq"));
	CTL("filter load filter schema action deadletter offset 4 u8 eq 0 len le 200");
	ATTACH("src", "schema");
	w = KST_OPEN("src", O_WRONLY);
	rd = KST_OPEN("src", O_RDONLY | O_NONBLOCK);
	dr = KST_OPEN("dlq", O_RDONLY | O_NONBLOCK);

	t0 = kst_now_ns(CLOCK_REALTIME);
	for (i = 0; i < N_MSGS; i++) {
		size_t len = i % 101 == 50 ? 300 : 8 + i % 64;

		ASSERT_EQ(len, kst_wr(w, buf, tmsg(buf, len, i, i % 7 == 3)));
		if (rejected(i))
			k++;
	}
	t1 = kst_now_ns(CLOCK_REALTIME);
	kept = N_MSGS - k;

	EXPECT_EQ(kept, KST_STAT("src", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(k, KST_STAT("src", KSTREAM_STAT_DEADLETTERED));
	EXPECT_EQ(0, KST_STAT("src", KSTREAM_STAT_DEADLETTER_LOST));
	EXPECT_EQ(0, KST_STAT("src", KSTREAM_STAT_DROPPED));
	EXPECT_EQ(0, KST_STAT("src", KSTREAM_STAT_DROPPED_DEADLETTER));
	EXPECT_EQ(k, KST_STAT("dlq", KSTREAM_STAT_DEADLETTER_IN));
	EXPECT_EQ(k, KST_STAT("dlq", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(0, KST_STAT("dlq", KSTREAM_STAT_DEADLETTERED));

	/* the source: exactly the others */
	n = read_recs(rd, r, N_MSGS);
	EXPECT_EQ(kept, n);
	/* the dead-letter topic: exactly the subset, in order */
	n = read_recs(dr, r, N_MSGS);
	ASSERT_EQ(k, n);
	for (i = 0, n = 0; i < N_MSGS; i++) {
		size_t len = i % 101 == 50 ? 300 : 8 + i % 64;
		struct rec *x = &r[n];
		__u32 id;

		if (!rejected(i))
			continue;
		ASSERT_EQ(n, x->seq);
		EXPECT_EQ(DLH, x->h.hdr_len);
		EXPECT_EQ(0, x->h.flags);
		EXPECT_EQ(i % 7 == 3 ? 1 : 2, x->h.reason) TH_LOG("message %d", i);
		EXPECT_EQ(len, x->h.orig_len);
		EXPECT_EQ(src.id, x->h.src_topic_id);
		EXPECT_STREQ("src", x->h.src_topic);
		EXPECT_EQ(0, x->h.uid);
		EXPECT_EQ(0, x->h.gid);
		EXPECT_EQ(getpid(), x->h.pid);
		EXPECT_EQ(0, x->h.producer_id);
		EXPECT_LE(t0, x->h.ingress_ns);
		EXPECT_GE(t1, x->h.ingress_ns);
		EXPECT_LE(x->h.ingress_ns, x->ts);
		ASSERT_EQ(len, x->plen);
		memcpy(&id, x->payload, 4);
		EXPECT_EQ(i, id);
		tmsg(buf, len, i, i % 7 == 3);
		EXPECT_EQ(0, memcmp(buf, x->payload, len)) TH_LOG("message %d", i);
		n++;
	}
	EXPECT_EQ(k, n);
}

/* A dead-letter topic whose msg_max cannot hold the payload: cut, flagged. */
TEST_F_TIMEOUT(dl, truncated_and_idempotent, 120)
{
	static struct rec r[16];
	struct kstream_producer p = { .id = 0xabc, .next_seq = 7 };
	__u8 buf[512];
	int w, dr, n;

	if (!kst_bpf_supported())
		SKIP(return, "eBPF ingress filters need Linux 6.9+");
	MK("src", 0, 0, KSTREAM_POLICY_OVERWRITE);
	MK("small", 4096, DLH + 16, KSTREAM_POLICY_OVERWRITE);
	ASSERT_EQ(0, dl_set(&self->nl, "src", "small"));
	CTL("filter load filter zero action deadletter offset 4 u8 eq 0");
	ATTACH("src", "zero");
	w = KST_OPEN("src", O_WRONLY);
	dr = KST_OPEN("small", O_RDONLY | O_NONBLOCK);
	ASSERT_EQ(100, kst_wr(w, buf, tmsg(buf, 100, 1, 1)));
	ASSERT_EQ(10, kst_wr(w, buf, tmsg(buf, 10, 2, 1)));
	/* an idempotent producer: its origin in the record; its retry is a
	 * duplicate, never dead-lettered twice */
	ASSERT_EQ(0, ioctl(w, KSTREAM_IOC_SET_PRODUCER, &p));
	ASSERT_EQ(20, kst_wr(w, buf, tmsg(buf, 20, 3, 1)));
	ASSERT_EQ(0, ioctl(w, KSTREAM_IOC_SET_PRODUCER, &p));
	ASSERT_EQ(20, kst_wr(w, buf, tmsg(buf, 20, 3, 1)));
	EXPECT_EQ(1, KST_STAT("src", KSTREAM_STAT_DROPPED_DUPLICATE));
	EXPECT_EQ(3, KST_STAT("src", KSTREAM_STAT_DEADLETTERED));

	n = read_recs(dr, r, 16);
	ASSERT_EQ(3, n);
	EXPECT_EQ(KSTREAM_DL_TRUNCATED, r[0].h.flags);
	EXPECT_EQ(100, r[0].h.orig_len);
	EXPECT_EQ(16, r[0].plen);
	tmsg(buf, 100, 1, 1);
	EXPECT_EQ(0, memcmp(buf, r[0].payload, 16));
	EXPECT_EQ(0, r[1].h.flags);
	EXPECT_EQ(10, r[1].plen);
	EXPECT_EQ(KSTREAM_DL_TRUNCATED, r[2].h.flags);
	EXPECT_EQ(0xabc, r[2].h.producer_id);
	EXPECT_EQ(7, r[2].h.producer_seq);
}

/* A full block dead-letter topic never blocks the source. */
TEST_F_TIMEOUT(dl, full_block_dlq_never_blocks, 120)
{
	int w, r, i, k = 0;
	__u8 buf[256];

	if (!kst_bpf_supported())
		SKIP(return, "eBPF ingress filters need Linux 6.9+");
	MK("src", 0, 0, KSTREAM_POLICY_OVERWRITE);
	MK("blk", 4096, 1024, KSTREAM_POLICY_BLOCK);
	ASSERT_EQ(0, dl_set(&self->nl, "src", "blk"));
	CTL("filter load filter zero action deadletter offset 4 u8 eq 0");
	ATTACH("src", "zero");
	r = KST_OPEN("blk", O_RDONLY);	/* never reads: holds everything */
	w = KST_OPEN("src", O_WRONLY);	/* blocking */
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(200, kst_wr(w, buf, tmsg(buf, 200, i, i % 2)));
		k += i % 2;
	}
	EXPECT_EQ(k, KST_STAT("src", KSTREAM_STAT_DEADLETTERED) +
		     KST_STAT("src", KSTREAM_STAT_DEADLETTER_LOST));
	/* 4096 bytes hold 11 records of 24 + 120 + 200 (+ pad) */
	EXPECT_EQ(11, KST_STAT("src", KSTREAM_STAT_DEADLETTERED));
	EXPECT_EQ(k - 11, KST_STAT("src", KSTREAM_STAT_DEADLETTER_LOST));
	EXPECT_EQ(11, KST_STAT("blk", KSTREAM_STAT_DEADLETTER_IN));
	EXPECT_EQ(200 - k, KST_STAT("src", KSTREAM_STAT_PUBLISHED));
	close(r);
}

/* Without a dead-letter topic, or once it is deleted: a counted drop. */
TEST_F_TIMEOUT(dl, deleted_or_no_dlq_drops, 120)
{
	int w, dr, i;
	__u8 buf[64];
	struct rec rr[8];

	if (!kst_bpf_supported())
		SKIP(return, "eBPF ingress filters need Linux 6.9+");
	MK("src", 0, 0, KSTREAM_POLICY_OVERWRITE);
	MK("dlq", 0, 0, KSTREAM_POLICY_OVERWRITE);
	CTL("filter load filter zero action deadletter offset 4 u8 eq 0");
	ATTACH("src", "zero");
	w = KST_OPEN("src", O_WRONLY);
	/* none set */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(16, kst_wr(w, buf, tmsg(buf, 16, i, 1)));
	EXPECT_EQ(3, KST_STAT("src", KSTREAM_STAT_DROPPED_DEADLETTER));
	EXPECT_EQ(3, KST_STAT("src", KSTREAM_STAT_DROPPED));
	EXPECT_EQ(0, KST_STAT("src", KSTREAM_STAT_DEADLETTERED));

	ASSERT_EQ(0, dl_set(&self->nl, "src", "dlq"));
	dr = KST_OPEN("dlq", O_RDONLY | O_NONBLOCK);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(16, kst_wr(w, buf, tmsg(buf, 16, i, 1)));
	EXPECT_EQ(4, KST_STAT("src", KSTREAM_STAT_DEADLETTERED));
	ASSERT_EQ(0, kst_topic_delete(&self->nl, "dlq"));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(16, kst_wr(w, buf, tmsg(buf, 16, i, 1)));
	EXPECT_EQ(4, KST_STAT("src", KSTREAM_STAT_DEADLETTERED));
	EXPECT_EQ(8, KST_STAT("src", KSTREAM_STAT_DROPPED_DEADLETTER));
	EXPECT_EQ(0, KST_STAT("src", KSTREAM_STAT_DEADLETTER_LOST));
	/* the deleted topic's readers drain what it got, then EOF */
	EXPECT_EQ(4, read_recs(dr, rr, 8));
	EXPECT_EQ(0, kst_rd(dr, buf, sizeof(buf)));
}

/* streamctl: topic add/deadletter, topic show, deadletter show (-j). */
TEST_F_TIMEOUT(dl, streamctl, 120)
{
	static char out[1 << 16];
	int w, i;
	__u8 buf[64];

	CTL("topic add dlq");
	CTL("topic add src deadletter dlq");
	EXPECT_EQ(0, kst_run(out, sizeof(out), "streamctl topic show src"));
	EXPECT_NE(NULL, strstr(out, " deadletter dlq\n")) TH_LOG("%s", out);
	CTL("topic deadletter src none");
	EXPECT_EQ(0, kst_run(out, sizeof(out), "streamctl -j topic show src"));
	EXPECT_EQ(NULL, strstr(out, "deadletter\":\"")) TH_LOG("%s", out);
	EXPECT_EQ(1, kst_run(out, sizeof(out), "streamctl topic deadletter src src"));
	EXPECT_NE(NULL, strstr(out, "own dead-letter topic")) TH_LOG("%s", out);
	EXPECT_EQ(2, kst_run(out, sizeof(out), "streamctl topic deadletter src"));
	CTL("topic deadletter src dlq");
	if (!kst_bpf_supported())
		return;
	CTL("filter load filter zero action deadletter offset 4 u8 eq 0");
	ATTACH("src", "zero");
	w = KST_OPEN("src", O_WRONLY);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(12, kst_wr(w, buf, tmsg(buf, 12, 0x41424344 + i, 1)));
	EXPECT_EQ(0, kst_run(out, sizeof(out), "streamctl deadletter show dlq"));
	EXPECT_NE(NULL, strstr(out, "seq 0 src (id ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, ") reason 1 uid 0 gid 0 pid ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\n    len 12: 44 43 42 41 01 ")) TH_LOG("%s", out);
	EXPECT_EQ(0, kst_run(out, sizeof(out), "streamctl -j deadletter show dlq -n 1"));
	EXPECT_EQ('[', out[0]) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"seq\":2,")) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "\"seq\":1,")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"topic\":\"src\",")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"reason\":1,")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"orig_len\":12,\"truncated\":false,"
			       "\"payload_hex\":\"4643424101")) TH_LOG("%s", out);
	EXPECT_EQ(0, kst_run(out, sizeof(out), "streamctl stats src"));
	EXPECT_NE(NULL, strstr(out, "deadlettered 3 lost 0 unrouted 0 received 0"))
		TH_LOG("%s", out);
	EXPECT_EQ(0, kst_run(out, sizeof(out), "streamctl stats --prometheus"));
	EXPECT_NE(NULL, strstr(out, "kstream_deadletter_messages_total{topic=\"src\"} 3\n"));
	EXPECT_NE(NULL, strstr(out, "kstream_deadletter_received_total{topic=\"dlq\"} 3\n"));
}

TEST_HARNESS_MAIN
