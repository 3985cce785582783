// SPDX-License-Identifier: GPL-2.0
/*
 * Topic lifecycle over generic netlink: create/get/dump/delete, the
 * device nodes, every rejection path (values, names, strict attribute
 * validation, privileges, module caps) and module unload rules.
 *
 * Runs with kstream unloaded; every test loads it (fixture setup or the
 * test itself, for module parameters) and unloads it in teardown.
 */
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "kselftest_harness.h"
#include "ksft_kstream.h"

#define NOBODY 65534

/* ------------------------------------------------------------ fixtures */

/* Tear down whatever the test left: topics, fds, the module. */
static void env_down(struct __test_metadata *_metadata, struct kst_nl *nl)
{
	int fd, nlfd = nl->sk ? nl_socket_get_fd(nl->sk) : -1;

	/* fds a failed ASSERT left open would keep the module busy */
	for (fd = 3; fd < 1024; fd++)
		if (fd != nlfd)
			close(fd);
	if (!kst_loaded()) {
		kst_nl_close(nl);
		return;
	}
	if (nl->sk)
		EXPECT_LE(0, kst_delete_all(nl));
	kst_nl_close(nl);
	EXPECT_EQ(0, kst_unload());
}

/* The module loaded with default parameters. */
FIXTURE(topic) {
	struct kst_nl nl;
};

FIXTURE_SETUP(topic)
{
	ASSERT_EQ(0, kst_reset());
	ASSERT_EQ(0, kst_load(NULL));
	ASSERT_EQ(0, kst_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(topic)
{
	env_down(_metadata, &self->nl);
}

/* The module not loaded: the test loads it with its own parameters. */
FIXTURE(mod) {
	struct kst_nl nl;
};

FIXTURE_SETUP(mod)
{
	ASSERT_EQ(0, kst_reset());
}

FIXTURE_TEARDOWN(mod)
{
	env_down(_metadata, &self->nl);
}

/* ------------------------------------------------------------ helpers */

static int dump_count(struct kst_nl *nl)
{
	struct kst_topic t[16];

	return kst_topic_dump(nl, t, 16);
}

static int create_named(struct kst_nl *nl, const char *name)
{
	struct kst_topic_opts o = { .name = name };

	return kst_topic_create(nl, &o, NULL);
}

static int create_ring(struct kst_nl *nl, const char *name, __u32 ring)
{
	struct kst_topic_opts o = {
		.name = name, .set = KST_SET_RING, .ring_size = ring,
	};

	return kst_topic_create(nl, &o, NULL);
}

static int kstream_major(void)
{
	char line[128], dev[64];
	FILE *f = fopen("/proc/devices", "r");
	int major, found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %63s", &major, dev) == 2 &&
		    !strcmp(dev, "kstream"))
			found = major;
	fclose(f);
	return found;
}

static int stat_node(const char *name, struct stat *st)
{
	char path[128];

	kst_dev_path(path, sizeof(path), name);
	return stat(path, st) ? -errno : 0;
}

/* Expect a create with opts o to be rejected with err and an extack. */
#define EXPECT_CREATE_REJECTED(nl, o, err, what) do {			\
	int __r = kst_topic_create((nl), (o), NULL);			\
	EXPECT_EQ(-(err), __r) TH_LOG("%s: got %d (%s)", (what), __r,	\
				      (nl)->extack);			\
	EXPECT_NE(0, (nl)->extack[0])					\
		TH_LOG("%s: no extack message", (what));		\
} while (0)

/* ------------------------------------------------- create/get/delete */

static void check_default_topic(struct __test_metadata *_metadata,
				const struct kst_topic *t, const char *name)
{
	EXPECT_EQ(0, t->bad_len) TH_LOG("attributes of wrong length: %#x", t->bad_len);
	EXPECT_EQ(KST_TOPIC_ATTRS_ALL, t->attrs & KST_TOPIC_ATTRS_ALL);
	EXPECT_EQ(KST_STATS_ALL, t->stats_present & KST_STATS_ALL);
	EXPECT_EQ(0, t->stats_bad_len);
	EXPECT_STREQ(name, t->name);
	EXPECT_EQ(KSTREAM_RING_SIZE_DEFAULT, t->ring_size);
	EXPECT_EQ(KSTREAM_MSG_MAX_DEFAULT, t->msg_max);
	EXPECT_EQ(KSTREAM_POLICY_OVERWRITE, t->policy);
	EXPECT_EQ(0600, t->mode);
	EXPECT_EQ(0, t->uid);
	EXPECT_EQ(0, t->gid);
	EXPECT_EQ(0, t->stats[KSTREAM_STAT_PUBLISHED]);
	EXPECT_EQ(0, t->stats[KSTREAM_STAT_PUBLISHED_BYTES]);
	EXPECT_EQ(0, t->stats[KSTREAM_STAT_DROPPED]);
	EXPECT_EQ(0, t->stats[KSTREAM_STAT_LOST]);
	EXPECT_EQ(0, t->stats[KSTREAM_STAT_READERS]);
	EXPECT_EQ(0, t->stats[KSTREAM_STAT_WRITERS]);
	EXPECT_EQ(0, t->stats[KSTREAM_STAT_HEAD_SEQ]);
	EXPECT_EQ(0, t->stats[KSTREAM_STAT_TAIL_SEQ]);
	EXPECT_EQ(0, t->stats[KSTREAM_STAT_RING_USED]);
}

TEST_F(topic, create_get_delete)
{
	struct kst_topic_opts o = { .name = "lifecycle" };
	struct kst_topic reply, got;
	struct stat st;

	ASSERT_FALSE(kst_path_exists(KST_DEV_DIR "/lifecycle"));
	ASSERT_EQ(0, kst_topic_create(&self->nl, &o, &reply)) TH_LOG("%s", self->nl.extack);

	/* NEW replies with the topic, as GET does */
	ASSERT_NE(0, reply.attrs) TH_LOG("TOPIC_NEW sent no reply");
	check_default_topic(_metadata, &reply, "lifecycle");

	ASSERT_EQ(0, kst_topic_get(&self->nl, "lifecycle", &got));
	check_default_topic(_metadata, &got, "lifecycle");
	EXPECT_EQ(reply.id, got.id);

	/*
	 * The node: a char device of our major whose minor is the ID, 0666
	 * (kstream's open check decides), with the topic's owner and group.
	 */
	ASSERT_EQ(0, stat_node("lifecycle", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
	EXPECT_EQ(kstream_major(), (int)major(st.st_rdev));
	EXPECT_EQ(got.id, minor(st.st_rdev));
	EXPECT_TRUE(kst_path_exists("/sys/class/" KSTREAM_CLASS_NAME "/lifecycle"));

	ASSERT_EQ(0, kst_topic_delete(&self->nl, "lifecycle")) TH_LOG("%s", self->nl.extack);
	EXPECT_FALSE(kst_path_exists(KST_DEV_DIR "/lifecycle"));
	/* the directory exists only while a topic does */
	EXPECT_FALSE(kst_path_exists(KST_DEV_DIR));
	EXPECT_FALSE(kst_path_exists("/sys/class/" KSTREAM_CLASS_NAME "/lifecycle"));
	EXPECT_EQ(-ENOENT, kst_topic_get(&self->nl, "lifecycle", &got));
	EXPECT_EQ(0, dump_count(&self->nl));

	/* the name is free again */
	ASSERT_EQ(0, kst_topic_create(&self->nl, &o, NULL));
	EXPECT_TRUE(kst_path_exists(KST_DEV_DIR "/lifecycle"));
}

/*
 * A creator killed while its ring is allocated: the request fails with
 * EINTR (audited as errno=4), never ENOMEM, and nothing is left.  The
 * kill lands at a delay that grows until one falls inside the allocation.
 */
TEST_F_TIMEOUT(topic, fatal_signal_interrupts_ring_allocation, 180)
{
	int afd = kst_audit_open(), intr = 0, nomem = 0, tries, s;
	useconds_t delay = 500;
	struct kst_topic t;
	pid_t pid;

	if (afd < 0)
		SKIP(return, "no audit multicast group: %d", afd);
	for (tries = 0; tries < 40 && !intr; tries++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			struct kst_nl nl;

			if (kst_nl_open(&nl))
				_exit(2);
			kst_create(&nl, "big", 128 << 20, 0,
				   KSTREAM_POLICY_OVERWRITE);
			_exit(0);
		}
		usleep(delay);
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &s, 0));
		intr = kst_audit_count(afd, 1000, 1, "op=create", "topic=big",
				       "errno=4", NULL);
		nomem += kst_audit_count(afd, 10, 0, "op=create", "topic=big",
					 "errno=12", NULL);
		if (kst_topic_get(&self->nl, "big", &t) == 0) {
			/* too late: created; kill sooner next time */
			ASSERT_EQ(0, kst_topic_delete(&self->nl, "big"));
			delay = delay > 1000 ? delay / 2 : delay;
		} else {
			delay += delay / 2;
		}
	}
	EXPECT_EQ(0, nomem);
	ASSERT_TRUE(intr) TH_LOG("no kill landed in %d tries (last delay %u us)",
				 tries, delay);
	/* nothing left behind: the whole ring memory can be had again */
	EXPECT_EQ(-ENOENT, kst_topic_get(&self->nl, "big", &t));
	close(afd);
}

TEST_F(topic, create_with_attributes)
{
	struct kst_topic_opts o = {
		.name = "attrs",
		.set = KST_SET_RING | KST_SET_MSG_MAX | KST_SET_POLICY |
		       KST_SET_MODE | KST_SET_UID | KST_SET_GID,
		.ring_size = 8192, .msg_max = 512,
		.policy = KSTREAM_POLICY_BLOCK, .mode = 0640,
		.uid = 1234, .gid = 5678,
	};
	struct kst_topic reply, got;
	struct stat st;

	ASSERT_EQ(0, kst_topic_create(&self->nl, &o, &reply)) TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, kst_topic_get(&self->nl, "attrs", &got));
	EXPECT_EQ(0, got.bad_len);
	EXPECT_EQ(KST_TOPIC_ATTRS_ALL, got.attrs & KST_TOPIC_ATTRS_ALL);
	EXPECT_STREQ("attrs", got.name);
	EXPECT_EQ(8192, got.ring_size);
	EXPECT_EQ(512, got.msg_max);
	EXPECT_EQ(KSTREAM_POLICY_BLOCK, got.policy);
	EXPECT_EQ(0640, got.mode);
	EXPECT_EQ(1234, got.uid);
	EXPECT_EQ(5678, got.gid);
	EXPECT_EQ(got.ring_size, reply.ring_size);
	EXPECT_EQ(got.mode, reply.mode);
	EXPECT_EQ(got.id, reply.id);

	ASSERT_EQ(0, stat_node("attrs", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 07777);	/* the topic's mode is kstream's */
	EXPECT_EQ(1234, st.st_uid);
	EXPECT_EQ(5678, st.st_gid);
	EXPECT_EQ(got.id, minor(st.st_rdev));

	/* the extremes of mode */
	o.name = "mode777";
	o.set = KST_SET_MODE;
	o.mode = 0777;
	ASSERT_EQ(0, kst_topic_create(&self->nl, &o, NULL)) TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, kst_topic_get(&self->nl, "mode777", &got));
	EXPECT_EQ(0777, got.mode);
	ASSERT_EQ(0, stat_node("mode777", &st));
	EXPECT_EQ(0666, st.st_mode & 07777);
}

/*
 * Mode 0 is refused (a topic only CAP_DAC_OVERRIDE could use; refused
 * since nodes took the topic's mode, which devtmpfs turned into 0600);
 * the smallest mode is 1.
 */
TEST_F(topic, mode_zero)
{
	struct kst_topic_opts o = { .name = "mode0", .set = KST_SET_MODE, .mode = 0 };
	struct kst_topic got;
	struct stat st;

	EXPECT_CREATE_REJECTED(&self->nl, &o, ERANGE, "mode 0");
	EXPECT_EQ(0, dump_count(&self->nl));
	o.mode = 0400;
	ASSERT_EQ(0, kst_topic_create(&self->nl, &o, NULL)) TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, kst_topic_get(&self->nl, "mode0", &got));
	EXPECT_EQ(0400, got.mode);
	ASSERT_EQ(0, stat_node("mode0", &st));
	EXPECT_EQ(0666, st.st_mode & 07777) TH_LOG("node mode %#o", st.st_mode & 07777);
}

TEST_F(topic, msg_max_default_follows_ring)
{
	static const struct { __u32 ring, msg_max; } c[] = {
		{ 4096, 1024 }, { 8192, 2048 }, { 131072, 32768 },
		{ 262144, 65536 }, { 4U << 20, KSTREAM_MSG_MAX_DEFAULT },
	};
	struct kst_topic got;
	char name[32];
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(name, sizeof(name), "ring%u", c[i].ring);
		ASSERT_EQ(0, create_ring(&self->nl, name, c[i].ring)) TH_LOG("%s", self->nl.extack);
		ASSERT_EQ(0, kst_topic_get(&self->nl, name, &got));
		EXPECT_EQ(c[i].ring, got.ring_size);
		EXPECT_EQ(c[i].msg_max, got.msg_max) TH_LOG("ring %u", c[i].ring);
		ASSERT_EQ(0, kst_topic_delete(&self->nl, name));
	}
}

TEST_F(topic, dump_in_id_order)
{
	static const char *const names[] = { "zeta", "alpha", "m.1", "m-2", "M_3" };
	char names_left[8][KSTREAM_NAME_MAX + 1];
	struct kst_topic t[8];
	unsigned int i, j;
	int n;

	ASSERT_EQ(0, kst_topic_dump(&self->nl, t, 8)) TH_LOG("an empty dump");
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, create_named(&self->nl, names[i])) TH_LOG("%s", self->nl.extack);

	n = kst_topic_dump(&self->nl, t, 8);
	ASSERT_EQ(5, n);
	for (i = 0; i < 5; i++) {
		int found = 0;

		EXPECT_EQ(0, t[i].bad_len);
		EXPECT_EQ(KST_TOPIC_ATTRS_ALL, t[i].attrs & KST_TOPIC_ATTRS_ALL);
		EXPECT_EQ(KST_STATS_ALL, t[i].stats_present & KST_STATS_ALL);
		if (i > 0)
			EXPECT_LT(t[i - 1].id, t[i].id) TH_LOG("dump not in id order");
		for (j = 0; j < 5; j++)
			found += !strcmp(t[i].name, names[j]);
		EXPECT_EQ(1, found) TH_LOG("unexpected name '%s'", t[i].name);
	}

	ASSERT_EQ(0, kst_topic_delete(&self->nl, "m.1"));
	n = kst_topic_names(&self->nl, names_left, 8);
	ASSERT_EQ(4, n);
	/* same order as before, without the deleted one */
	for (i = 0, j = 0; i < 5; i++) {
		if (!strcmp(t[i].name, "m.1"))
			continue;
		EXPECT_STREQ(t[i].name, names_left[j]);
		j++;
	}
}

TEST_F(topic, duplicate_is_eexist)
{
	struct kst_topic got;

	ASSERT_EQ(0, create_ring(&self->nl, "dup", 8192));
	EXPECT_EQ(-EEXIST, create_ring(&self->nl, "dup", 16384));
	EXPECT_NE(0, self->nl.extack[0]) TH_LOG("EEXIST without an extack message");
	EXPECT_EQ(-EEXIST, create_named(&self->nl, "dup"));
	/* the first topic is untouched */
	ASSERT_EQ(0, kst_topic_get(&self->nl, "dup", &got));
	EXPECT_EQ(8192, got.ring_size);
	EXPECT_EQ(1, dump_count(&self->nl));
	/* names are case-sensitive */
	EXPECT_EQ(0, create_named(&self->nl, "DUP"));
}

TEST_F(topic, invalid_names)
{
	char longest[KSTREAM_NAME_MAX], too_long[KSTREAM_NAME_MAX + 1];
	const char *bad[] = {
		"", ".", "..", too_long, "a/b", "a b", "/", "a\tb", "a\nb",
		"a:b", "a*", "caf\xc3\xa9", "a\\b",
	};
	const char *good[] = { longest, "...", "-", "_", "a..b", "A.b-C_9" };
	struct kst_topic_opts o = { 0 };
	struct kst_topic got;
	unsigned int i;

	memset(longest, 'n', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	memset(too_long, 'n', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.name = bad[i];
		EXPECT_CREATE_REJECTED(&self->nl, &o, EINVAL, bad[i]);
	}
	EXPECT_EQ(0, dump_count(&self->nl)) TH_LOG("a rejected name left a topic");

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		o.name = good[i];
		EXPECT_EQ(0, kst_topic_create(&self->nl, &o, NULL))
			TH_LOG("valid name '%s' rejected: %s", good[i], self->nl.extack);
		EXPECT_EQ(0, kst_topic_get(&self->nl, good[i], &got));
		EXPECT_STREQ(good[i], got.name);
	}
	EXPECT_TRUE(kst_path_exists(KST_DEV_DIR "/..."));
}

TEST_F(topic, name_required)
{
	struct kst_topic_opts o = { .name = NULL, .set = KST_SET_RING, .ring_size = 4096 };

	EXPECT_CREATE_REJECTED(&self->nl, &o, EINVAL, "no name");
	EXPECT_EQ(0, dump_count(&self->nl));
}

TEST_F(topic, ring_size_invalid)
{
	static const __u32 bad[] = {
		0, 1, 2048, 4095, 4097, 12288, 3U << 20, (1U << 30) + 4096,
		1U << 31, 0xffffffffU,
	};
	struct kst_topic_opts o = { .name = "ring", .set = KST_SET_RING };
	char what[64];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.ring_size = bad[i];
		snprintf(what, sizeof(what), "ring size %u", bad[i]);
		/* Outside the attribute's range: ERANGE; else not a power of two. */
		EXPECT_CREATE_REJECTED(&self->nl, &o,
				       bad[i] < KSTREAM_RING_SIZE_MIN ||
				       bad[i] > KSTREAM_RING_SIZE_MAX ? ERANGE : EINVAL,
				       what);
	}
	EXPECT_EQ(0, dump_count(&self->nl));

	o.ring_size = KSTREAM_RING_SIZE_MIN;
	EXPECT_EQ(0, kst_topic_create(&self->nl, &o, NULL)) TH_LOG("%s", self->nl.extack);
	o.name = "ring2m";
	o.ring_size = 2U << 20;
	EXPECT_EQ(0, kst_topic_create(&self->nl, &o, NULL)) TH_LOG("%s", self->nl.extack);
}

TEST_F(topic, msg_max_invalid)
{
	static const struct { __u32 ring, msg_max; } bad[] = {
		{ 0, 0 },				/* zero, default ring */
		{ 4096, 0 },
		{ 4096, 1025 },				/* > ring / 4 */
		{ 8192, 4096 },
		{ 0, (KSTREAM_RING_SIZE_DEFAULT / 4) + 1 },	/* default ring */
		{ 8U << 20, KSTREAM_MSG_MAX_LIMIT + 1 },	/* > 1 MiB */
		{ 8U << 20, 2U << 20 },
		{ 0, 0xffffffffU },
	};
	static const struct { __u32 ring, msg_max; } good[] = {
		{ 4096, 1 }, { 4096, 1024 }, { 0, KSTREAM_RING_SIZE_DEFAULT / 4 },
		{ 4U << 20, KSTREAM_MSG_MAX_LIMIT },
	};
	struct kst_topic_opts o = { .name = "mm" };
	struct kst_topic got;
	char what[64];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.set = KST_SET_MSG_MAX | (bad[i].ring ? KST_SET_RING : 0);
		o.ring_size = bad[i].ring;
		o.msg_max = bad[i].msg_max;
		snprintf(what, sizeof(what), "ring %u msg_max %u", bad[i].ring, bad[i].msg_max);
		/* Outside 1..1 MiB: ERANGE; beyond a quarter of the ring: EINVAL. */
		EXPECT_CREATE_REJECTED(&self->nl, &o,
				       !bad[i].msg_max ||
				       bad[i].msg_max > KSTREAM_MSG_MAX_LIMIT ? ERANGE : EINVAL,
				       what);
	}
	EXPECT_EQ(0, dump_count(&self->nl));

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		o.set = KST_SET_MSG_MAX | (good[i].ring ? KST_SET_RING : 0);
		o.ring_size = good[i].ring;
		o.msg_max = good[i].msg_max;
		EXPECT_EQ(0, kst_topic_create(&self->nl, &o, NULL))
			TH_LOG("ring %u msg_max %u: %s", good[i].ring, good[i].msg_max,
			       self->nl.extack);
		EXPECT_EQ(0, kst_topic_get(&self->nl, "mm", &got));
		EXPECT_EQ(good[i].msg_max, got.msg_max);
		EXPECT_EQ(0, kst_topic_delete(&self->nl, "mm"));
	}
}

TEST_F(topic, policy_invalid)
{
	static const __u32 bad[] = { __KSTREAM_POLICY_MAX, 3, 0x7fffffff, 0xffffffffU };
	struct kst_topic_opts o = { .name = "pol", .set = KST_SET_POLICY };
	struct kst_topic got;
	char what[64];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.policy = bad[i];
		snprintf(what, sizeof(what), "policy %u", bad[i]);
		EXPECT_CREATE_REJECTED(&self->nl, &o, ERANGE, what);
	}
	EXPECT_EQ(0, dump_count(&self->nl));

	for (i = 0; i <= KSTREAM_POLICY_MAX; i++) {
		o.policy = i;
		EXPECT_EQ(0, kst_topic_create(&self->nl, &o, NULL)) TH_LOG("%s", self->nl.extack);
		EXPECT_EQ(0, kst_topic_get(&self->nl, "pol", &got));
		EXPECT_EQ(i, got.policy);
		EXPECT_EQ(0, kst_topic_delete(&self->nl, "pol"));
	}
}

TEST_F(topic, mode_invalid)
{
	static const __u16 bad[] = { 01000, 02000, 04000, 04755, 01777, 0xffff };
	struct kst_topic_opts o = { .name = "mode", .set = KST_SET_MODE };
	char what[64];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.mode = bad[i];
		snprintf(what, sizeof(what), "mode %#o", bad[i]);
		EXPECT_CREATE_REJECTED(&self->nl, &o, ERANGE, what);
	}
	EXPECT_EQ(0, dump_count(&self->nl));
}

/* ------------------------------------------- strict netlink validation */

struct raw_case {
	const char *what;
	void (*build)(struct kst_buf *b);
};

static void raw_ring_u16(struct kst_buf *b)
{
	kst_buf_str(b, KSTREAM_A_TOPIC_NAME, "raw");
	kst_buf_u16(b, KSTREAM_A_TOPIC_RING_SIZE, 4096);
}

static void raw_ring_u64(struct kst_buf *b)
{
	__u64 v = 4096;

	kst_buf_str(b, KSTREAM_A_TOPIC_NAME, "raw");
	kst_buf_attr(b, KSTREAM_A_TOPIC_RING_SIZE, &v, sizeof(v));
}

static void raw_msg_max_u8(struct kst_buf *b)
{
	__u8 v = 64;

	kst_buf_str(b, KSTREAM_A_TOPIC_NAME, "raw");
	kst_buf_attr(b, KSTREAM_A_TOPIC_MSG_MAX, &v, sizeof(v));
}

static void raw_policy_u16(struct kst_buf *b)
{
	kst_buf_str(b, KSTREAM_A_TOPIC_NAME, "raw");
	kst_buf_u16(b, KSTREAM_A_TOPIC_POLICY, KSTREAM_POLICY_BLOCK);
}

static void raw_mode_u32(struct kst_buf *b)
{
	kst_buf_str(b, KSTREAM_A_TOPIC_NAME, "raw");
	kst_buf_u32(b, KSTREAM_A_TOPIC_MODE, 0644);
}

static void raw_mode_u8(struct kst_buf *b)
{
	__u8 v = 0644 & 0xff;

	kst_buf_str(b, KSTREAM_A_TOPIC_NAME, "raw");
	kst_buf_attr(b, KSTREAM_A_TOPIC_MODE, &v, sizeof(v));
}

static void raw_uid_u16(struct kst_buf *b)
{
	kst_buf_str(b, KSTREAM_A_TOPIC_NAME, "raw");
	kst_buf_u16(b, KSTREAM_A_TOPIC_UID, 1000);
}

static void raw_gid_u64(struct kst_buf *b)
{
	__u64 v = 1000;

	kst_buf_str(b, KSTREAM_A_TOPIC_NAME, "raw");
	kst_buf_attr(b, KSTREAM_A_TOPIC_GID, &v, sizeof(v));
}

static void raw_ring_empty(struct kst_buf *b)
{
	kst_buf_str(b, KSTREAM_A_TOPIC_NAME, "raw");
	kst_buf_attr(b, KSTREAM_A_TOPIC_RING_SIZE, NULL, 0);
}

static void raw_name_empty_payload(struct kst_buf *b)
{
	kst_buf_attr(b, KSTREAM_A_TOPIC_NAME, NULL, 0);
}

static void raw_name_no_nul(struct kst_buf *b)
{
	kst_buf_attr(b, KSTREAM_A_TOPIC_NAME, "raw", 3);
}

static void raw_name_u32(struct kst_buf *b)
{
	kst_buf_u32(b, KSTREAM_A_TOPIC_NAME, 0x41414141);
}

static void raw_unknown_attr(struct kst_buf *b)
{
	kst_buf_str(b, KSTREAM_A_TOPIC_NAME, "raw");
	kst_buf_u32(b, KSTREAM_A_MAX + 1, 1);
}

static void raw_unknown_attr_far(struct kst_buf *b)
{
	kst_buf_str(b, KSTREAM_A_TOPIC_NAME, "raw");
	kst_buf_u32(b, 200, 1);
}

static void raw_unspec_attr(struct kst_buf *b)
{
	kst_buf_str(b, KSTREAM_A_TOPIC_NAME, "raw");
	kst_buf_u32(b, KSTREAM_A_UNSPEC, 1);
}

static void raw_trailing_garbage(struct kst_buf *b)
{
	static const unsigned char junk[3] = { 0xde, 0xad, 0xbe };

	kst_buf_str(b, KSTREAM_A_TOPIC_NAME, "raw");
	kst_buf_bytes(b, junk, sizeof(junk));
}

static void raw_truncated_attr(struct kst_buf *b)
{
	/* nla_len claims 8 bytes of payload, 4 are there */
	struct nlattr h = { .nla_len = NLA_HDRLEN + 8,
			    .nla_type = KSTREAM_A_TOPIC_RING_SIZE };
	__u32 v = 4096;

	kst_buf_str(b, KSTREAM_A_TOPIC_NAME, "raw");
	kst_buf_bytes(b, &h, sizeof(h));
	kst_buf_bytes(b, &v, sizeof(v));
}

static void raw_stats_not_nested(struct kst_buf *b)
{
	/* a read-only nest given as a u32 */
	kst_buf_str(b, KSTREAM_A_TOPIC_NAME, "raw");
	kst_buf_u32(b, KSTREAM_A_TOPIC_STATS, 1);
}

static const struct raw_case raw_bad[] = {
	{ "RING_SIZE as u16", raw_ring_u16 },
	{ "RING_SIZE as u64", raw_ring_u64 },
	{ "RING_SIZE empty", raw_ring_empty },
	{ "MSG_MAX as u8", raw_msg_max_u8 },
	{ "POLICY as u16", raw_policy_u16 },
	{ "MODE as u32", raw_mode_u32 },
	{ "MODE as u8", raw_mode_u8 },
	{ "UID as u16", raw_uid_u16 },
	{ "GID as u64", raw_gid_u64 },
	{ "NAME with no payload", raw_name_empty_payload },
	{ "NAME not NUL-terminated", raw_name_no_nul },
	{ "NAME as u32", raw_name_u32 },
	{ "unknown attribute MAX+1", raw_unknown_attr },
	{ "unknown attribute 200", raw_unknown_attr_far },
	{ "attribute type 0", raw_unspec_attr },
	{ "trailing garbage", raw_trailing_garbage },
	{ "truncated attribute", raw_truncated_attr },
	{ "STATS as u32", raw_stats_not_nested },
};

TEST_F(topic, strict_attribute_validation)
{
	struct kst_buf b;
	unsigned int i;
	int r;

	/* The builder itself is sound: the well-formed equivalent works. */
	memset(&b, 0, sizeof(b));
	kst_buf_str(&b, KSTREAM_A_TOPIC_NAME, "raw");
	kst_buf_u32(&b, KSTREAM_A_TOPIC_RING_SIZE, 4096);
	kst_buf_u32(&b, KSTREAM_A_TOPIC_MSG_MAX, 64);
	kst_buf_u32(&b, KSTREAM_A_TOPIC_POLICY, KSTREAM_POLICY_BLOCK);
	kst_buf_u16(&b, KSTREAM_A_TOPIC_MODE, 0644);
	kst_buf_u32(&b, KSTREAM_A_TOPIC_UID, 7);
	kst_buf_u32(&b, KSTREAM_A_TOPIC_GID, 8);
	ASSERT_EQ(0, kst_nl_raw(&self->nl, KSTREAM_CMD_TOPIC_NEW, 0, &b, NULL, 0))
		TH_LOG("well-formed raw create failed: %s", self->nl.extack);
	ASSERT_EQ(0, kst_topic_delete(&self->nl, "raw"));

	for (i = 0; i < sizeof(raw_bad) / sizeof(raw_bad[0]); i++) {
		memset(&b, 0, sizeof(b));
		raw_bad[i].build(&b);
		r = kst_nl_raw(&self->nl, KSTREAM_CMD_TOPIC_NEW, 0, &b, NULL, 0);
		EXPECT_EQ(-EINVAL, r) TH_LOG("%s: got %d (%s)", raw_bad[i].what, r,
					     self->nl.extack);
		EXPECT_NE(0, self->nl.extack[0])
			TH_LOG("%s: no extack message", raw_bad[i].what);
		EXPECT_EQ(0, dump_count(&self->nl))
			TH_LOG("%s: a topic was created", raw_bad[i].what);
		kst_topic_delete(&self->nl, "raw");
	}

	/* strictness applies to DEL and GET too */
	ASSERT_EQ(0, create_named(&self->nl, "raw"));
	memset(&b, 0, sizeof(b));
	kst_buf_attr(&b, KSTREAM_A_TOPIC_NAME, "raw", 3);	/* no NUL */
	kst_buf_u32(&b, KSTREAM_A_MAX + 1, 1);
	EXPECT_EQ(-EINVAL, kst_nl_raw(&self->nl, KSTREAM_CMD_TOPIC_DEL, 0, &b, NULL, 0));
	EXPECT_EQ(-EINVAL, kst_nl_raw(&self->nl, KSTREAM_CMD_TOPIC_GET, 0, &b, NULL, 0));
	EXPECT_EQ(1, dump_count(&self->nl)) TH_LOG("a malformed DEL deleted the topic");
}

/* An attribute a command does not take is refused, pointed at. */
struct attr_case {
	const char *what;
	__u8 cmd;
	__u16 type;		/* a u32 (or u16 for MODE) attribute */
};

static const struct attr_case not_taken[] = {
	{ "TOPIC_DEL with MODE", KSTREAM_CMD_TOPIC_DEL, KSTREAM_A_TOPIC_MODE },
	{ "TOPIC_GET with RING_SIZE", KSTREAM_CMD_TOPIC_GET, KSTREAM_A_TOPIC_RING_SIZE },
	{ "STATS_RESET with POLICY", KSTREAM_CMD_STATS_RESET, KSTREAM_A_TOPIC_POLICY },
	{ "ACL_ADD with MSG_MAX", KSTREAM_CMD_ACL_ADD, KSTREAM_A_TOPIC_MSG_MAX },
	{ "TOPIC_SET with RING_SIZE", KSTREAM_CMD_TOPIC_SET, KSTREAM_A_TOPIC_RING_SIZE },
	{ "TOPIC_SET with PRODUCERS_MAX", KSTREAM_CMD_TOPIC_SET,
	  KSTREAM_A_TOPIC_PRODUCERS_MAX },
	{ "DEADLETTER_SET with UID", KSTREAM_CMD_DEADLETTER_SET, KSTREAM_A_TOPIC_UID },
	{ "CONFIG_GET with UID", KSTREAM_CMD_CONFIG_GET, KSTREAM_A_TOPIC_UID },
	{ "CONFIG_SET with GID", KSTREAM_CMD_CONFIG_SET, KSTREAM_A_TOPIC_GID },
};

TEST_F(topic, per_command_policies_are_strict)
{
	struct kst_topic t;
	struct kst_buf b;
	unsigned int i;
	int r;

	ASSERT_EQ(0, create_named(&self->nl, "pc"));
	for (i = 0; i < sizeof(not_taken) / sizeof(not_taken[0]); i++) {
		memset(&b, 0, sizeof(b));
		kst_buf_str(&b, KSTREAM_A_TOPIC_NAME, "pc");
		if (not_taken[i].type == KSTREAM_A_TOPIC_MODE)
			kst_buf_u16(&b, not_taken[i].type, 0644);
		else
			kst_buf_u32(&b, not_taken[i].type, 4096);
		r = kst_nl_raw(&self->nl, not_taken[i].cmd, 0, &b, NULL, 0);
		EXPECT_EQ(-EINVAL, r) TH_LOG("%s: got %d", not_taken[i].what, r);
		EXPECT_NE(0, self->nl.extack[0]) TH_LOG("%s", not_taken[i].what);
		/* the offset of the refused attribute, after NAME (8 bytes) */
		EXPECT_LT(0, self->nl.extack_offs) TH_LOG("%s", not_taken[i].what);
	}
	/* nothing happened to the topic */
	ASSERT_EQ(0, kst_topic_get(&self->nl, "pc", &t));
	EXPECT_EQ(0600, t.mode);
	EXPECT_EQ(1, dump_count(&self->nl));
}

/* A command without a required attribute: EINVAL, and the ack names it. */
static const struct attr_case need_name[] = {
	{ "TOPIC_DEL", KSTREAM_CMD_TOPIC_DEL, 0 },
	{ "TOPIC_GET", KSTREAM_CMD_TOPIC_GET, 0 },
	{ "TOPIC_SET", KSTREAM_CMD_TOPIC_SET, 0 },
	{ "STATS_RESET", KSTREAM_CMD_STATS_RESET, 0 },
	{ "ACL_ADD", KSTREAM_CMD_ACL_ADD, 0 },
	{ "ACL_DEL", KSTREAM_CMD_ACL_DEL, 0 },
	{ "PRODUCER_GET", KSTREAM_CMD_PRODUCER_GET, 0 },
	{ "DEADLETTER_SET", KSTREAM_CMD_DEADLETTER_SET, 0 },
};

TEST_F(topic, missing_required_attribute_is_named)
{
	struct kst_buf b, e;
	unsigned int i;
	int r;

	ASSERT_EQ(0, create_named(&self->nl, "rq"));
	for (i = 0; i < sizeof(need_name) / sizeof(need_name[0]); i++) {
		memset(&b, 0, sizeof(b));
		r = kst_nl_raw(&self->nl, need_name[i].cmd, 0, &b, NULL, 0);
		EXPECT_EQ(-EINVAL, r) TH_LOG("%s: got %d", need_name[i].what, r);
		EXPECT_EQ(KSTREAM_A_TOPIC_NAME, self->nl.miss_type)
			TH_LOG("%s", need_name[i].what);
		EXPECT_EQ(-1, self->nl.miss_nest) TH_LOG("%s", need_name[i].what);
		EXPECT_NE(NULL, strstr(self->nl.extack, "topic name missing"))
			TH_LOG("%s: \"%s\"", need_name[i].what, self->nl.extack);
	}
	/* the second required attribute of a command */
	memset(&b, 0, sizeof(b));
	kst_buf_str(&b, KSTREAM_A_TOPIC_NAME, "rq");
	EXPECT_EQ(-EINVAL, kst_nl_raw(&self->nl, KSTREAM_CMD_ACL_ADD, 0, &b, NULL, 0));
	EXPECT_EQ(KSTREAM_A_ACL_ENTRY, self->nl.miss_type);
	EXPECT_EQ(-EINVAL, kst_nl_raw(&self->nl, KSTREAM_CMD_PRODUCER_GET, 0, &b,
				      NULL, 0));
	EXPECT_EQ(KSTREAM_A_PRODUCER_ID, self->nl.miss_type);
	/* inside a nest: the type, and the nest it is missing from */
	memset(&e, 0, sizeof(e));
	kst_buf_u32(&e, KSTREAM_ACL_A_ID, NOBODY);
	kst_buf_u32(&e, KSTREAM_ACL_A_RIGHTS, KSTREAM_ACL_SUBSCRIBE);
	kst_buf_attr(&b, KSTREAM_A_ACL_ENTRY | NLA_F_NESTED, e.data, e.len);
	EXPECT_EQ(-EINVAL, kst_nl_raw(&self->nl, KSTREAM_CMD_ACL_ADD, 0, &b, NULL, 0));
	EXPECT_EQ(KSTREAM_ACL_A_TYPE, self->nl.miss_type);
	EXPECT_LT(0, self->nl.miss_nest);
	/* TOPIC_SET with a name and nothing to set */
	memset(&b, 0, sizeof(b));
	kst_buf_str(&b, KSTREAM_A_TOPIC_NAME, "rq");
	EXPECT_EQ(-EINVAL, kst_nl_raw(&self->nl, KSTREAM_CMD_TOPIC_SET, 0, &b, NULL, 0));
	EXPECT_NE(NULL, strstr(self->nl.extack, "nothing to set"))
		TH_LOG("%s", self->nl.extack);
}

/* ---------------------------------------------------------- topic set */

static int set_limits(struct kst_nl *nl, const char *name, unsigned int set,
		      __u32 policy, __u32 msg_max, struct kst_topic *reply)
{
	struct kst_topic_opts o = {
		.name = name, .set = set, .policy = policy, .msg_max = msg_max,
	};

	return kst_topic_set(nl, &o, reply);
}

static int sysfs_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

TEST_F(topic, topic_set_policy_and_msg_max)
{
	struct kstream_fd_info info;
	struct kst_topic t;
	char buf[2048] = { 0 };
	struct kst_buf b;
	int fd;

	ASSERT_EQ(0, kst_create(&self->nl, "lim", 4096, 64, KSTREAM_POLICY_BLOCK));
	/* open fds rely on both */
	fd = kst_open("lim", O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBUSY, set_limits(&self->nl, "lim", KST_SET_POLICY,
				     KSTREAM_POLICY_OVERWRITE, 0, NULL));
	EXPECT_NE(NULL, strstr(self->nl.extack, "no fd is open")) TH_LOG("%s", self->nl.extack);
	close(fd);
	fd = kst_open("lim", O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBUSY, set_limits(&self->nl, "lim", KST_SET_MSG_MAX, 0, 128, NULL));
	close(fd);
	ASSERT_EQ(0, kst_topic_get(&self->nl, "lim", &t));
	EXPECT_EQ(KSTREAM_POLICY_BLOCK, t.policy);
	EXPECT_EQ(64, t.msg_max);

	/* none open: both change, the reply says so, sysfs too */
	ASSERT_EQ(0, set_limits(&self->nl, "lim", KST_SET_POLICY | KST_SET_MSG_MAX,
				KSTREAM_POLICY_OVERWRITE, 128, &t))
		TH_LOG("%s", self->nl.extack);
	EXPECT_STREQ("lim", t.name);
	EXPECT_EQ(KSTREAM_POLICY_OVERWRITE, t.policy);
	EXPECT_EQ(128, t.msg_max);
	ASSERT_EQ(0, sysfs_read("/sys/class/stream/lim/msg_max", buf, sizeof(buf)));
	EXPECT_STREQ("128\n", buf);
	ASSERT_EQ(0, sysfs_read("/sys/class/stream/lim/policy", buf, sizeof(buf)));
	EXPECT_STREQ("overwrite\n", buf);

	/* a retained message: msg_max may grow, not shrink */
	fd = kst_open("lim", O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(100, kst_wr(fd, buf, 100));
	EXPECT_EQ(-EMSGSIZE, kst_wr(fd, buf, 1000));
	close(fd);
	EXPECT_EQ(-EBUSY, set_limits(&self->nl, "lim", KST_SET_MSG_MAX, 0, 64, NULL));
	EXPECT_NE(NULL, strstr(self->nl.extack, "retains")) TH_LOG("%s", self->nl.extack);
	EXPECT_EQ(-EINVAL, set_limits(&self->nl, "lim", KST_SET_MSG_MAX, 0, 2048, NULL));
	EXPECT_NE(NULL, strstr(self->nl.extack, "quarter")) TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, set_limits(&self->nl, "lim", KST_SET_MSG_MAX, 0, 1024, NULL))
		TH_LOG("%s", self->nl.extack);
	/* new fds see the new limits, and the ring's header too */
	fd = kst_open("lim", O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kst_info(fd, &info));
	EXPECT_EQ(1024, info.msg_max);
	EXPECT_EQ(KSTREAM_POLICY_OVERWRITE, info.policy);
	EXPECT_EQ(1000, kst_wr(fd, buf, 1000));
	EXPECT_EQ(1000, kst_rd(fd, buf, sizeof(buf)));
	close(fd);
	/* out of the attribute's range: ERANGE, as at creation */
	EXPECT_EQ(-ERANGE, set_limits(&self->nl, "lim", KST_SET_MSG_MAX, 0,
				      KSTREAM_MSG_MAX_LIMIT + 1, NULL));
	EXPECT_EQ(-ENOENT, set_limits(&self->nl, "nope", KST_SET_MSG_MAX, 0, 64, NULL));

	/* a dead-letter topic: its sources write into it at any time */
	ASSERT_EQ(0, kst_create(&self->nl, "dq", 4096, 512, KSTREAM_POLICY_OVERWRITE));
	ASSERT_EQ(0, create_named(&self->nl, "src"));
	memset(&b, 0, sizeof(b));
	kst_buf_str(&b, KSTREAM_A_TOPIC_NAME, "src");
	kst_buf_str(&b, KSTREAM_A_TOPIC_DEADLETTER, "dq");
	ASSERT_EQ(0, kst_nl_raw(&self->nl, KSTREAM_CMD_DEADLETTER_SET, 0, &b, NULL, 0))
		TH_LOG("%s", self->nl.extack);
	EXPECT_EQ(-EBUSY, set_limits(&self->nl, "dq", KST_SET_MSG_MAX, 0, 1024, NULL));
	EXPECT_NE(NULL, strstr(self->nl.extack, "dead-letter")) TH_LOG("%s", self->nl.extack);
	/* its mode may change */
	{
		struct kst_topic_opts o = {
			.name = "dq", .set = KST_SET_MODE, .mode = 0640,
		};

		EXPECT_EQ(0, kst_topic_set(&self->nl, &o, &t)) TH_LOG("%s", self->nl.extack);
		EXPECT_EQ(0640, t.mode);
	}
}

TEST_F(topic, unknown_command)
{
	struct kst_buf b = { .len = 0 };

	kst_buf_str(&b, KSTREAM_A_TOPIC_NAME, "x");
	EXPECT_EQ(-EOPNOTSUPP, kst_nl_raw(&self->nl, KSTREAM_CMD_MAX + 1, 0, &b, NULL, 0));
	EXPECT_EQ(-EOPNOTSUPP, kst_nl_raw(&self->nl, KSTREAM_CMD_UNSPEC, 0, &b, NULL, 0));
	EXPECT_EQ(0, dump_count(&self->nl));
}

TEST_F(topic, delete_and_get_unknown)
{
	struct kst_topic got;

	EXPECT_EQ(-ENOENT, kst_topic_delete(&self->nl, "nosuch"));
	EXPECT_NE(0, self->nl.extack[0]) TH_LOG("ENOENT without an extack message");
	EXPECT_EQ(-ENOENT, kst_topic_get(&self->nl, "nosuch", &got));

	ASSERT_EQ(0, create_named(&self->nl, "once"));
	EXPECT_EQ(-ENOENT, kst_topic_get(&self->nl, "Once", &got));
	EXPECT_EQ(-ENOENT, kst_topic_delete(&self->nl, "onc"));
	EXPECT_EQ(0, kst_topic_delete(&self->nl, "once"));
	EXPECT_EQ(-ENOENT, kst_topic_delete(&self->nl, "once"));
	EXPECT_EQ(-ENOENT, kst_topic_get(&self->nl, "once", &got));
}

/* --------------------------------------------------------- privileges */

/* In a child: mutating commands fail with EPERM, reading ones work. */
static void unprivileged_checks(struct __test_metadata *_metadata)
{
	struct kst_nl nl;
	struct kst_topic got, t[8];
	struct kst_topic_opts o = { .name = "mine" };

	if (kst_nl_open(&nl)) {
		EXPECT_TRUE(0) TH_LOG("unprivileged netlink socket failed");
		return;
	}
	EXPECT_EQ(-EPERM, kst_topic_create(&nl, &o, NULL));
	EXPECT_EQ(-EPERM, kst_topic_delete(&nl, "priv"));
	EXPECT_EQ(-EPERM, kst_topic_delete(&nl, "nosuch"));
	EXPECT_EQ(0, kst_topic_get(&nl, "priv", &got));
	EXPECT_STREQ("priv", got.name);
	EXPECT_EQ(2, kst_topic_dump(&nl, t, 8));
	kst_nl_close(&nl);
}

static void check_still_there(struct __test_metadata *_metadata, struct kst_nl *nl)
{
	struct kst_topic got;

	EXPECT_EQ(0, kst_topic_get(nl, "priv", &got));
	EXPECT_EQ(-ENOENT, kst_topic_get(nl, "mine", &got));
	EXPECT_EQ(2, dump_count(nl));
}

static void make_priv_topics(struct __test_metadata *_metadata, struct kst_nl *nl)
{
	struct kst_topic_opts o = { .name = "priv" };

	ASSERT_EQ(0, kst_topic_create(nl, &o, NULL));
	o.name = "nobody";
	o.set = KST_SET_UID | KST_SET_GID;
	o.uid = NOBODY;
	o.gid = NOBODY;
	ASSERT_EQ(0, kst_topic_create(nl, &o, NULL));
}

static void wait_child(struct __test_metadata *_metadata, pid_t pid)
{
	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(topic, unprivileged_user)
{
	pid_t pid;

	make_priv_topics(_metadata, &self->nl);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(2);
		unprivileged_checks(_metadata);
		/* the node's mode and owner are enforced */
		fd = kst_open("priv", O_RDONLY);
		EXPECT_EQ(-EACCES, fd);
		if (fd >= 0)
			close(fd);
		fd = kst_open("nobody", O_RDONLY);
		EXPECT_LE(0, fd) TH_LOG("open of a node owned by nobody: %d", fd);
		if (fd >= 0)
			close(fd);
		_exit(0);
	}
	wait_child(_metadata, pid);
	check_still_there(_metadata, &self->nl);
}

TEST_F(topic, no_cap_net_admin)
{
	pid_t pid;

	make_priv_topics(_metadata, &self->nl);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct __user_cap_header_struct h = {
			.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
		};
		struct __user_cap_data_struct d[2];

		if (syscall(SYS_capget, &h, d))
			_exit(2);
		d[CAP_TO_INDEX(CAP_NET_ADMIN)].effective &= ~CAP_TO_MASK(CAP_NET_ADMIN);
		d[CAP_TO_INDEX(CAP_NET_ADMIN)].permitted &= ~CAP_TO_MASK(CAP_NET_ADMIN);
		d[CAP_TO_INDEX(CAP_NET_ADMIN)].inheritable &= ~CAP_TO_MASK(CAP_NET_ADMIN);
		if (syscall(SYS_capset, &h, d))
			_exit(3);
		unprivileged_checks(_metadata);
		_exit(0);
	}
	wait_child(_metadata, pid);
	check_still_there(_metadata, &self->nl);
}

TEST_F(topic, initial_netns_only)
{
	pid_t pid;

	ASSERT_EQ(0, create_named(&self->nl, "netns"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (unshare(CLONE_NEWNET))
			_exit(2);
		EXPECT_GT(0, kst_family_id()) TH_LOG("family visible in a new netns");
		_exit(0);
	}
	wait_child(_metadata, pid);
	EXPECT_GT(kst_family_id(), 0);
}

/* ---------------------------------------------------------- module caps */

static void load_open(struct __test_metadata *_metadata, struct kst_nl *nl,
		      const char *params)
{
	ASSERT_EQ(0, kst_load(params));
	ASSERT_EQ(0, kst_nl_open(nl));
}

TEST_F(mod, max_topics)
{
	struct kst_topic_opts o = { .set = KST_SET_RING, .ring_size = 4096 };
	struct kst_topic got;
	char name[16];
	int i;

	load_open(_metadata, &self->nl, "max_topics=4");
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "cap%d", i);
		o.name = name;
		ASSERT_EQ(0, kst_topic_create(&self->nl, &o, NULL)) TH_LOG("%s", self->nl.extack);
	}
	o.name = "cap4";
	EXPECT_CREATE_REJECTED(&self->nl, &o, ENOSPC, "5th topic");
	EXPECT_EQ(4, dump_count(&self->nl));
	EXPECT_EQ(-ENOENT, kst_topic_get(&self->nl, "cap4", &got));
	EXPECT_FALSE(kst_path_exists(KST_DEV_DIR "/cap4"));

	/* a duplicate is still EEXIST, not ENOSPC */
	o.name = "cap0";
	EXPECT_EQ(-EEXIST, kst_topic_create(&self->nl, &o, NULL));

	/* deleting one makes room for one */
	ASSERT_EQ(0, kst_topic_delete(&self->nl, "cap2"));
	o.name = "cap4";
	EXPECT_EQ(0, kst_topic_create(&self->nl, &o, NULL)) TH_LOG("%s", self->nl.extack);
	o.name = "cap5";
	EXPECT_EQ(-ENOSPC, kst_topic_create(&self->nl, &o, NULL));
}

TEST_F(mod, max_ring_memory)
{
	load_open(_metadata, &self->nl, "max_ring_memory=65536");

	ASSERT_EQ(0, create_ring(&self->nl, "a", 32768)) TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, create_ring(&self->nl, "b", 16384)) TH_LOG("%s", self->nl.extack);
	/* exactly at the cap is allowed */
	ASSERT_EQ(0, create_ring(&self->nl, "c", 16384)) TH_LOG("%s", self->nl.extack);
	EXPECT_EQ(-ENOSPC, create_ring(&self->nl, "d", 4096));
	EXPECT_NE(0, self->nl.extack[0]) TH_LOG("ENOSPC without an extack message");
	EXPECT_EQ(3, dump_count(&self->nl));
	/* the default ring (1 MiB) alone is over the cap */
	EXPECT_EQ(-ENOSPC, create_named(&self->nl, "big"));

	ASSERT_EQ(0, kst_topic_delete(&self->nl, "b"));
	EXPECT_EQ(0, create_ring(&self->nl, "d", 4096)) TH_LOG("%s", self->nl.extack);
	/* 32768 + 16384 + 4096 in use: 16384 more is over, 8192 fits */
	EXPECT_EQ(-ENOSPC, create_ring(&self->nl, "e", 16384));
	EXPECT_EQ(0, create_ring(&self->nl, "e", 8192)) TH_LOG("%s", self->nl.extack);
	EXPECT_EQ(4, dump_count(&self->nl));
}

TEST_F(mod, unload_refused_while_open)
{
	struct kst_topic got;
	int fd, r;

	load_open(_metadata, &self->nl, NULL);
	ASSERT_EQ(0, create_named(&self->nl, "busy"));
	fd = kst_open("busy", O_RDONLY);
	ASSERT_LE(0, fd);

	r = kst_unload();
	EXPECT_TRUE(r == -EBUSY || r == -EWOULDBLOCK) TH_LOG("unload with an open fd: %d", r);
	ASSERT_TRUE(kst_loaded());
	EXPECT_EQ(0, kst_topic_get(&self->nl, "busy", &got));

	/* a deleted topic with an open fd still pins the module */
	ASSERT_EQ(0, kst_topic_delete(&self->nl, "busy"));
	r = kst_unload();
	EXPECT_TRUE(r == -EBUSY || r == -EWOULDBLOCK)
		TH_LOG("unload with an fd of a deleted topic: %d", r);
	ASSERT_TRUE(kst_loaded());

	close(fd);
	kst_nl_close(&self->nl);
	EXPECT_EQ(0, kst_unload());
	EXPECT_FALSE(kst_loaded());
}

TEST_F(mod, unload_with_topics)
{
	struct kst_topic t[4];

	load_open(_metadata, &self->nl, NULL);
	ASSERT_EQ(0, create_named(&self->nl, "u1"));
	ASSERT_EQ(0, create_named(&self->nl, "u2"));
	ASSERT_EQ(0, create_ring(&self->nl, "u3", 4096));
	kst_nl_close(&self->nl);

	/* topics without open fds do not pin the module */
	ASSERT_EQ(0, kst_unload());
	EXPECT_FALSE(kst_loaded());
	EXPECT_FALSE(kst_path_exists(KST_DEV_DIR "/u1"));
	EXPECT_FALSE(kst_path_exists(KST_DEV_DIR));
	EXPECT_FALSE(kst_path_exists("/sys/class/" KSTREAM_CLASS_NAME));

	/* a fresh load starts with no topics */
	load_open(_metadata, &self->nl, NULL);
	EXPECT_EQ(0, kst_topic_dump(&self->nl, t, 4));
	EXPECT_EQ(0, create_named(&self->nl, "u1"));
}

TEST_HARNESS_MAIN
