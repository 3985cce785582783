// SPDX-License-Identifier: GPL-2.0
/*
 * Authorization: every hook of the security layer denies what it must and
 * allows what it must, as root, as unprivileged users created in the
 * guest, and as root inside a user namespace.  ACL changes over netlink
 * (strict validation, limits), the POSIX semantics of mode + entries, the
 * 0666 node through which kstream alone decides, the "acl" attribute, the
 * change uevents and the udev helper's display of the decision on the
 * node (kstream-node-display), revocation of open fds, blocked
 * callers and live mappings, delegation over SCM_RIGHTS, creators, the
 * denial counter and audit records, streamctl acl end to end.
 *
 * Runs with kstream unloaded; the fixture loads it with creator_gid set
 * and its teardown (in the parent, once the test's process, children and
 * fds are gone) deletes the topics and unloads it.
 */
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <linux/audit.h>
#include <linux/capability.h>

#include "kselftest_harness.h"
#include "ksft_kstream.h"

/* Users and groups the tests create in the guest (ensure_users()). */
#define ALICE		4001
#define BOB		4002
#define CAROL		4003
#define SENSORS		4100	/* bob is a member */
#define CREATORS	4500	/* the module's creator_gid */
#define NOBODY		65534

#define PUB	KSTREAM_ACL_PUBLISH
#define SUB	KSTREAM_ACL_SUBSCRIBE
#define ADM	KSTREAM_ACL_ADMIN
#define USER	KSTREAM_ACL_USER
#define GROUP	KSTREAM_ACL_GROUP

struct who {
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[4];
};

static const struct who alice = { .uid = ALICE, .gid = ALICE };
static const struct who bob = {
	.uid = BOB, .gid = BOB, .ngroups = 1, .groups = { SENSORS },
};
static const struct who carol = { .uid = CAROL, .gid = CAROL };
static const struct who creator = {
	.uid = ALICE, .gid = ALICE, .ngroups = 1, .groups = { CREATORS },
};

/* The guest's /etc is a tmpfs overlay: real users, for this boot. */
static void ensure_users(void)
{
	static int done;

	if (done++)
		return;
	if (system("set -e\n"
		   "g() { getent group $1 >/dev/null || groupadd -g $2 $1; }\n"
		   "u() { getent passwd $1 >/dev/null || useradd -M -N -s /usr/sbin/nologin -u $2 -g $2 ${3:+-G $3} $1; }\n"
		   "g kst-alice 4001; g kst-bob 4002; g kst-carol 4003\n"
		   "g kst-sensors 4100; g kst-creators 4500\n"
		   "u kst-alice 4001 kst-creators; u kst-bob 4002 kst-sensors\n"
		   "u kst-carol 4003\n"))
		fprintf(stderr, "# could not create the test users (numeric ids still work)\n");
}

/* ------------------------------------------------------------ fixture */

FIXTURE(auth) {
	struct kst_nl nl;
};

FIXTURE_SETUP(auth)
{
	ensure_users();
	kst_fixture_load(_metadata, &self->nl, "creator_gid=4500");
}

/* In the parent, after the test's process and its children are gone. */
FIXTURE_TEARDOWN_PARENT(auth)
{
	unlink("/tmp/kst-auth-node");
	unlink("/tmp/kst-auth-link");
	kst_fixture_unload_parent(_metadata);
}

/* ------------------------------------------------------------ helpers */

/* Create @name with @mode, owner @uid:@gid, a 64K ring and @policy. */
static int mk(struct kst_nl *nl, const char *name, __u16 mode, __u32 uid,
	      __u32 gid, __u32 policy)
{
	struct kst_topic_opts o = {
		.name = name, .set = KST_SET_MODE | KST_SET_UID | KST_SET_GID |
				     KST_SET_RING | KST_SET_POLICY,
		.mode = mode, .uid = uid, .gid = gid, .ring_size = 65536,
		.policy = policy,
	};

	return kst_topic_create(nl, &o, NULL);
}

#define MK(name, mode, uid, gid) \
	ASSERT_EQ(0, mk(&self->nl, name, mode, uid, gid, KSTREAM_POLICY_OVERWRITE)) \
		TH_LOG("create %s: %s", name, self->nl.extack)

#define GRANT(name, type, id, rights) \
	ASSERT_EQ(0, kst_acl_add(&self->nl, name, type, id, rights)) \
		TH_LOG("acl add: %s", self->nl.extack)

#define REVOKE(name, type, id, rights) \
	ASSERT_EQ(0, kst_acl_del(&self->nl, name, type, id, rights)) \
		TH_LOG("acl del: %s", self->nl.extack)

#define DENIED(name) kst_stat(&self->nl, name, KSTREAM_STAT_DENIED)

/* In a child: take @w's identity for good, or die. */
static void become(const struct who *w)
{
	if (setgroups(w->ngroups, w->groups) ||
	    setresgid(w->gid, w->gid, w->gid) ||
	    setresuid(w->uid, w->uid, w->uid))
		_exit(99);
}

/* fork(); the child runs as @w.  Returns the child's pid (0 in it). */
static pid_t fork_as(const struct who *w)
{
	pid_t pid = fork();

	if (pid == 0 && w)
		become(w);
	return pid;
}

/*
 * End of a child.  The harness's metadata is shared with forks: what
 * failed in the child already failed the test.
 */
#define CHILD_DONE() _exit(0)

static void wait_ok(struct __test_metadata *_metadata, pid_t pid)
{
	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status)) TH_LOG("child died, status %#x", status);
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("child failed");
}

/*
 * Run the statements that follow @w in a child as @w (NULL: as root) and
 * wait for it.  The harness's metadata is shared with forks, so EXPECTs
 * and ASSERTs failing in the child fail the test.
 */
#define AS(w, ...) do {							\
	pid_t __pid = fork_as(w);					\
									\
	ASSERT_LE(0, __pid);						\
	if (__pid == 0) {						\
		__VA_ARGS__;						\
		CHILD_DONE();						\
	}								\
	wait_ok(_metadata, __pid);					\
} while (0)

/* A two-way channel between the test and a child, one byte per step. */
struct chan {
	int to_child[2], to_parent[2];
};

static void chan_init(struct chan *c)
{
	if (pipe(c->to_child) || pipe(c->to_parent))
		abort();
}

static void chan_put(int fd)
{
	char b = 1;

	if (write(fd, &b, 1) != 1)
		abort();
}

static int chan_get(int fd)
{
	char b;

	return read(fd, &b, 1) == 1 ? 0 : -1;
}

#define TELL_CHILD(c)	chan_put((c)->to_child[1])
#define WAIT_CHILD(c)	ASSERT_EQ(0, chan_get((c)->to_parent[0]))
#define TELL_PARENT(c)	chan_put((c)->to_parent[1])
#define WAIT_PARENT(c)	(chan_get((c)->to_child[0]) ? _exit(98) : (void)0)

static int open_close(const char *name, int flags)
{
	int fd = kst_open(name, flags);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? fd : 0;
}

/* Drop capabilities @drop (a mask of CAP_TO_MASK bits of word 0). */
static int drop_caps(__u32 drop)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[0].effective &= ~drop;
	d[0].permitted &= ~drop;
	d[0].inheritable &= ~drop;
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/* ------------------------------------------------ raw netlink requests */

/* Open a nest in @b; returns its offset for nest_end(). */
static size_t nest_start(struct kst_buf *b, __u16 type)
{
	struct nlattr h = {
		.nla_len = NLA_HDRLEN, .nla_type = type | NLA_F_NESTED,
	};
	size_t off = b->len;

	kst_buf_bytes(b, &h, sizeof(h));
	return off;
}

static void nest_end(struct kst_buf *b, size_t off)
{
	struct nlattr *h = (struct nlattr *)(b->data + off);

	h->nla_len = b->len - off;
}

/* An ACL request for topic "t" with an entry made of the given parts. */
static int acl_raw(struct kst_nl *nl, __u8 cmd, int type, int id, long long rights,
		   int extra_type)
{
	struct kst_buf b = { .len = 0 };
	size_t n;

	kst_buf_str(&b, KSTREAM_A_TOPIC_NAME, "t");
	n = nest_start(&b, KSTREAM_A_ACL_ENTRY);
	if (type >= 0)
		kst_buf_u32(&b, KSTREAM_ACL_A_TYPE, type);
	if (id >= 0)
		kst_buf_u32(&b, KSTREAM_ACL_A_ID, id);
	if (rights >= 0)
		kst_buf_u32(&b, KSTREAM_ACL_A_RIGHTS, rights);
	if (extra_type)
		kst_buf_u32(&b, extra_type, 0);
	nest_end(&b, n);
	return kst_nl_raw(nl, cmd, 0, &b, NULL, 0);
}

#define EXPECT_REJECTED(err, call) do {					\
	self->nl.extack[0] = '\0';					\
	EXPECT_EQ(-(err), (call));					\
	EXPECT_NE(0, self->nl.extack[0]) TH_LOG("no extack message");	\
} while (0)

/* ------------------------------------------------- netlink: ACL commands */

TEST_F_TIMEOUT(auth, acl_commands, 180)
{
	struct kst_topic t;
	struct kst_buf b = { .len = 0 };
	int i;

	MK("t", 0600, 0, 0);
	ASSERT_EQ(0, kst_topic_get(&self->nl, "t", &t));
	EXPECT_TRUE(t.attrs & (1U << KSTREAM_A_TOPIC_ACL)) TH_LOG("no ACL nest");
	EXPECT_EQ(0, t.nr_acl);
	EXPECT_EQ(0, t.bad_len);

	GRANT("t", USER, BOB, SUB);
	GRANT("t", USER, ALICE, PUB);
	GRANT("t", GROUP, SENSORS, SUB);
	GRANT("t", USER, ALICE, SUB);		/* adds to the entry */
	ASSERT_EQ(0, kst_topic_get(&self->nl, "t", &t));
	EXPECT_EQ(0, t.acl_bad);
	ASSERT_EQ(3, t.nr_acl);
	/* users by uid, then groups by gid */
	EXPECT_EQ(USER, t.acl[0].type);
	EXPECT_EQ(ALICE, t.acl[0].id);
	EXPECT_EQ(PUB | SUB, t.acl[0].rights);
	EXPECT_EQ(USER, t.acl[1].type);
	EXPECT_EQ(BOB, t.acl[1].id);
	EXPECT_EQ(GROUP, t.acl[2].type);
	EXPECT_EQ(SENSORS, t.acl[2].id);

	REVOKE("t", USER, ALICE, PUB);		/* one right */
	REVOKE("t", USER, BOB, -1);		/* the whole entry */
	ASSERT_EQ(0, kst_topic_get(&self->nl, "t", &t));
	EXPECT_EQ(2, t.nr_acl);
	EXPECT_EQ(SUB, kst_acl_find(&t, USER, ALICE));
	EXPECT_EQ(-1, kst_acl_find(&t, USER, BOB));
	REVOKE("t", GROUP, SENSORS, SUB);	/* last right: entry gone */
	ASSERT_EQ(0, kst_topic_get(&self->nl, "t", &t));
	EXPECT_EQ(1, t.nr_acl);

	/* a dump carries the ACL too */
	{
		struct kst_topic d[4];

		ASSERT_EQ(1, kst_topic_dump(&self->nl, d, 4));
		EXPECT_EQ(SUB, kst_acl_find(&d[0], USER, ALICE));
	}

	EXPECT_REJECTED(ENOENT, kst_acl_del(&self->nl, "t", USER, BOB, -1));
	EXPECT_REJECTED(ENOENT, kst_acl_add(&self->nl, "nosuch", USER, BOB, SUB));
	EXPECT_REJECTED(ENOENT, kst_acl_del(&self->nl, "nosuch", USER, BOB, SUB));

	/* at most KSTREAM_ACL_MAX_ENTRIES entries */
	for (i = 1; i < KSTREAM_ACL_MAX_ENTRIES; i++)
		GRANT("t", USER, 10000 + i, SUB);
	ASSERT_EQ(0, kst_topic_get(&self->nl, "t", &t));
	EXPECT_EQ(KSTREAM_ACL_MAX_ENTRIES, t.nr_acl);
	EXPECT_REJECTED(ENOSPC, kst_acl_add(&self->nl, "t", GROUP, 7, SUB));
	GRANT("t", USER, 10001, PUB);		/* an existing entry grows */

	/* strict validation, an extack message every time */
	EXPECT_REJECTED(EINVAL, acl_raw(&self->nl, KSTREAM_CMD_ACL_ADD, -1, 1, SUB, 0));
	EXPECT_REJECTED(EINVAL, acl_raw(&self->nl, KSTREAM_CMD_ACL_ADD, USER, -1, SUB, 0));
	EXPECT_REJECTED(EINVAL, acl_raw(&self->nl, KSTREAM_CMD_ACL_ADD, USER, 1, -1, 0));
	EXPECT_REJECTED(EINVAL, acl_raw(&self->nl, KSTREAM_CMD_ACL_ADD, USER, 1, 0, 0));
	EXPECT_REJECTED(EINVAL, acl_raw(&self->nl, KSTREAM_CMD_ACL_DEL, USER, 1, 0, 0));
	EXPECT_REJECTED(EINVAL, acl_raw(&self->nl, KSTREAM_CMD_ACL_ADD, USER, 1, 0x8, 0));
	EXPECT_REJECTED(ERANGE, acl_raw(&self->nl, KSTREAM_CMD_ACL_ADD, 2, 1, SUB, 0));
	EXPECT_REJECTED(EINVAL, acl_raw(&self->nl, KSTREAM_CMD_ACL_ADD, USER, 1, SUB,
					KSTREAM_ACL_A_MAX + 1));
	/* (uid -1 is no uid in any namespace) */
	EXPECT_REJECTED(EINVAL, acl_raw(&self->nl, KSTREAM_CMD_ACL_ADD, USER,
					(int)-1, SUB, 0));
	/* no entry at all */
	kst_buf_str(&b, KSTREAM_A_TOPIC_NAME, "t");
	EXPECT_REJECTED(EINVAL, kst_nl_raw(&self->nl, KSTREAM_CMD_ACL_ADD, 0, &b, NULL, 0));
	/* the ACL nest is read-only; entries are for ACL commands only */
	b.len = 0;
	kst_buf_str(&b, KSTREAM_A_TOPIC_NAME, "t");
	kst_buf_u32(&b, KSTREAM_A_TOPIC_ACL, 0);
	EXPECT_REJECTED(EINVAL, kst_nl_raw(&self->nl, KSTREAM_CMD_TOPIC_GET, 0, &b, NULL, 0));
	b.len = 0;
	kst_buf_str(&b, KSTREAM_A_TOPIC_NAME, "u");
	i = nest_start(&b, KSTREAM_A_ACL_ENTRY);
	kst_buf_u32(&b, KSTREAM_ACL_A_TYPE, USER);
	kst_buf_u32(&b, KSTREAM_ACL_A_ID, ALICE);
	kst_buf_u32(&b, KSTREAM_ACL_A_RIGHTS, SUB);
	nest_end(&b, i);
	EXPECT_REJECTED(EINVAL, kst_nl_raw(&self->nl, KSTREAM_CMD_TOPIC_NEW, 0, &b, NULL, 0));
	EXPECT_EQ(-ENOENT, kst_topic_get(&self->nl, "u", &t));
	ASSERT_EQ(0, kst_topic_get(&self->nl, "t", &t));
	EXPECT_EQ(KSTREAM_ACL_MAX_ENTRIES, t.nr_acl);
}

/* --------------------------------------------- data rights: the model */

TEST_F_TIMEOUT(auth, open_checks_mode_and_acl, 180)
{
	MK("t", 0600, 0, 0);
	/*
	 * The node is 0666: every open reaches kstream's open hook, which
	 * refuses, with the VFS's errno, and counts the refusal.
	 */
	AS(&alice, {
		EXPECT_EQ(-EACCES, open_close("t", O_RDONLY));
		EXPECT_EQ(-EACCES, open_close("t", O_WRONLY));
	});
	EXPECT_EQ(2, DENIED("t"));

	GRANT("t", USER, ALICE, SUB);
	AS(&alice, {
		EXPECT_EQ(0, open_close("t", O_RDONLY));
		EXPECT_EQ(-EACCES, open_close("t", O_WRONLY));
		EXPECT_EQ(-EACCES, open_close("t", O_RDWR));
	});
	GRANT("t", USER, ALICE, PUB);
	AS(&alice, {
		EXPECT_EQ(0, open_close("t", O_WRONLY));
		EXPECT_EQ(0, open_close("t", O_RDWR));
	});

	/* a group entry, through a supplementary group */
	GRANT("t", GROUP, SENSORS, PUB);
	AS(&bob, {
		EXPECT_EQ(0, open_close("t", O_WRONLY));
		EXPECT_EQ(-EACCES, open_close("t", O_RDONLY));
	});
	AS(&carol, EXPECT_EQ(-EACCES, open_close("t", O_WRONLY)));

	/* an admin-only entry grants no data right */
	GRANT("t", USER, CAROL, ADM);
	AS(&carol, EXPECT_EQ(-EACCES, open_close("t", O_RDONLY)));
}

TEST_F_TIMEOUT(auth, posix_acl_semantics, 180)
{
	MK("p", 0604, 0, 0);			/* others may subscribe */
	AS(&carol, EXPECT_EQ(0, open_close("p", O_RDONLY)));

	/* a user's own entry decides for it, even against "other" */
	GRANT("p", USER, CAROL, PUB);
	AS(&carol, {
		EXPECT_EQ(-EACCES, open_close("p", O_RDONLY));
		EXPECT_EQ(0, open_close("p", O_WRONLY));
	});
	/* a matching group that does not grant: no falling back to "other" */
	GRANT("p", GROUP, SENSORS, PUB);
	AS(&bob, EXPECT_EQ(-EACCES, open_close("p", O_RDONLY)));
	REVOKE("p", GROUP, SENSORS, -1);
	AS(&bob, EXPECT_EQ(0, open_close("p", O_RDONLY)));
	/* an admin-only entry does not hide "other" */
	GRANT("p", USER, BOB, ADM);
	AS(&bob, EXPECT_EQ(0, open_close("p", O_RDONLY)));

	/* the owner gets the owner bits, whatever groups grant */
	MK("o", 0260, ALICE, ALICE);
	GRANT("o", GROUP, ALICE, SUB);
	AS(&alice, {
		EXPECT_EQ(-EACCES, open_close("o", O_RDONLY));
		EXPECT_EQ(0, open_close("o", O_WRONLY));
	});
	/* group bits and named groups: one matching entry grants it all */
	AS(&bob, EXPECT_EQ(-EACCES, open_close("o", O_RDWR)));
	GRANT("o", GROUP, SENSORS, PUB | SUB);
	AS(&bob, EXPECT_EQ(0, open_close("o", O_RDWR)));

	/* root: CAP_DAC_OVERRIDE, as for files; uid 0 without it: nothing */
	EXPECT_EQ(0, open_close("o", O_RDWR));
	AS(NULL, {
		ASSERT_EQ(0, drop_caps(CAP_TO_MASK(CAP_DAC_OVERRIDE) |
				       CAP_TO_MASK(CAP_DAC_READ_SEARCH)));
		EXPECT_EQ(-EACCES, open_close("o", O_RDONLY));
		EXPECT_EQ(-EACCES, open_close("o", O_WRONLY));
	});
	AS(NULL, {
		/* reading only needs CAP_DAC_READ_SEARCH */
		ASSERT_EQ(0, drop_caps(CAP_TO_MASK(CAP_DAC_OVERRIDE)));
		EXPECT_EQ(0, open_close("o", O_RDONLY));
		EXPECT_EQ(-EACCES, open_close("o", O_WRONLY));
	});
}

/* ------------------------------------------- the node and its display */

struct xacl_entry {
	__u16 tag, perm;
	__u32 id;
};

/* The node's access ACL xattr into e[]; count, or -errno. */
static int node_acl(const char *name, struct xacl_entry *e, int max)
{
	char path[128];
	unsigned char buf[1024];
	ssize_t n;
	int i;

	kst_dev_path(path, sizeof(path), name);
	n = getxattr(path, "system.posix_acl_access", buf, sizeof(buf));
	if (n < 0)
		return -errno;
	if (n < 4 || *(__u32 *)buf != 2 || (n - 4) % 8)
		return -EPROTO;
	for (i = 0; i < (n - 4) / 8 && i < max; i++)
		memcpy(&e[i], buf + 4 + 8 * i, 8);
	return (n - 4) / 8;
}

static int node_stat(const char *name, struct stat *st)
{
	char path[128];

	kst_dev_path(path, sizeof(path), name);
	return stat(path, st) ? -errno : 0;
}

static int node_mode(const char *name)
{
	struct stat st;
	int err = node_stat(name, &st);

	return err ? err : (int)(st.st_mode & 07777);
}

/* /sys/class/stream/NAME/FILE into @out (NUL-terminated), or "" */
static void topic_file(const char *name, const char *file, char *out, size_t len)
{
	char path[256];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/" KSTREAM_CLASS_NAME "/%s/%s", name, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, out, len - 1);
		close(fd);
	}
	out[n > 0 ? n : 0] = '\0';
}

/* Does the topic's uevent (what udev is told) have the line @line? */
static int uevent_has(const char *name, const char *line)
{
	char buf[4096], want[128];

	buf[0] = '\n';
	topic_file(name, "uevent", buf + 1, sizeof(buf) - 1);
	snprintf(want, sizeof(want), "\n%s\n", line);
	return strstr(buf, want) != NULL;
}

static int set_owner(struct kst_nl *nl, const char *name, unsigned int set,
		     __u16 mode, __u32 uid, __u32 gid)
{
	struct kst_topic_opts o = {
		.name = name, .set = set, .mode = mode, .uid = uid, .gid = gid,
	};

	return kst_topic_set(nl, &o, NULL);
}

/* The output of a shell command, or "" */
static void capture(const char *cmd, char *out, size_t len)
{
	FILE *f = popen(cmd, "r");
	size_t n = 0;

	out[0] = '\0';
	if (!f)
		return;
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	pclose(f);
}

#define ACL_USER_OBJ	0x01
#define ACL_USER	0x02
#define ACL_GROUP_OBJ	0x04
#define ACL_GROUP	0x08
#define ACL_MASK	0x10
#define ACL_OTHER	0x20

/*
 * The node tests' grants on topic @name (alice publishes, group sensors
 * subscribes): bob reads and does not write, alice writes and does not
 * read, carol does nothing.
 */
static void check_node_grants(struct __test_metadata *_metadata, const char *name)
{
	AS(&bob, {
		EXPECT_EQ(0, open_close(name, O_RDONLY));
		EXPECT_EQ(-EACCES, open_close(name, O_WRONLY));
	});
	AS(&alice, {
		EXPECT_EQ(0, open_close(name, O_WRONLY));
		EXPECT_EQ(-EACCES, open_close(name, O_RDONLY));
	});
	AS(&carol, EXPECT_EQ(-EACCES, open_close(name, O_RDONLY)));
}

/*
 * The node is 0666 with the topic's owner and group, the kernel never
 * changes it, and kstream alone decides: a grant works whatever udev (or
 * anybody) does with the node's permission bits.
 */
TEST_F_TIMEOUT(auth, node_lets_kstream_decide, 180)
{
	struct xacl_entry e[16];
	char out[4096], path[128];
	struct stat st;
	__u64 denied;

	MK("n", 0640, 0, 0);
	ASSERT_EQ(0, node_stat("n", &st));
	EXPECT_EQ(0666, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
	EXPECT_EQ(-ENODATA, node_acl("n", e, 16));
	EXPECT_TRUE(uevent_has("n", "DEVMODE=0666"));
	topic_file("n", "acl", out, sizeof(out));
	EXPECT_STREQ("user::rw-,group::r--,other::---\n", out);

	GRANT("n", USER, ALICE, PUB);
	GRANT("n", GROUP, SENSORS, SUB);
	GRANT("n", USER, CAROL, ADM);		/* not a data right: not shown */
	topic_file("n", "acl", out, sizeof(out));
	EXPECT_STREQ("user::rw-,user:4001:-w-,group::r--,group:4100:r--,mask::rw-,other::---\n",
		     out);
	/* the node is as devtmpfs made it */
	EXPECT_EQ(0666, node_mode("n"));
	EXPECT_EQ(-ENODATA, node_acl("n", e, 16));

	denied = DENIED("n");
	check_node_grants(_metadata, "n");
	/* every refusal was kstream's: counted */
	EXPECT_EQ(denied + 3, DENIED("n"));

	/*
	 * What systemd-udevd does with a node no rule matches: apply the
	 * uevent's DEVMODE.  That used to narrow the node to the topic's
	 * mode, and the mask of its ACL with it, masking alice's grant; now
	 * it leaves the node 0666 and alice publishes.
	 */
	kst_dev_path(path, sizeof(path), "n");
	ASSERT_EQ(0, chmod(path, 0666));
	AS(&alice, EXPECT_EQ(0, open_close("n", O_WRONLY)));

	/* no data entry left: the mode alone */
	REVOKE("n", USER, ALICE, -1);
	REVOKE("n", GROUP, SENSORS, -1);
	topic_file("n", "acl", out, sizeof(out));
	EXPECT_STREQ("user::rw-,group::r--,other::---\n", out);
	AS(&alice, EXPECT_EQ(-EACCES, open_close("n", O_RDWR)));

	/* another node of the same device is no way around it */
	ASSERT_EQ(0, stat(path, &st));
	unlink("/tmp/kst-auth-node");
	ASSERT_EQ(0, mknod("/tmp/kst-auth-node", S_IFCHR | 0666, st.st_rdev));
	AS(&alice, {
		int fd = open("/tmp/kst-auth-node", O_RDONLY);

		EXPECT_EQ(-1, fd);
		EXPECT_EQ(EACCES, errno);
	});
	GRANT("n", USER, ALICE, SUB);
	AS(&alice, EXPECT_EQ(0, open("/tmp/kst-auth-node", O_RDONLY) < 0));
	unlink("/tmp/kst-auth-node");

	/* the attribute follows the mode: execute bits, and group bits in the mask */
	ASSERT_EQ(0, set_owner(&self->nl, "n", KST_SET_MODE, 0751, 0, 0));
	topic_file("n", "acl", out, sizeof(out));
	EXPECT_STREQ("user::rwx,user:4001:r--,group::r-x,mask::r-x,other::--x\n", out);
	EXPECT_EQ(0666, node_mode("n"));
}

/* The uevent socket, or -errno. */
static int uevent_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_KOBJECT_UEVENT);
	int size = 1 << 20;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -errno;
	}
	return fd;
}

/*
 * The kernel's uevents of topic @name with action @action queued on @fd
 * (they are sent before the netlink request that caused them is
 * acknowledged: no waiting); the last one's variables into @env.
 */
static int uevents(int fd, const char *action, const char *name, char *env,
		   size_t len)
{
	char buf[8192], head[128];
	int n = 0;
	ssize_t r;

	snprintf(head, sizeof(head), "%s@/devices/virtual/" KSTREAM_CLASS_NAME "/%s",
		 action, name);
	while ((r = recv(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		ssize_t i;

		buf[r] = '\0';
		if (strcmp(buf, head))
			continue;
		n++;
		/* NUL-separated variables: one per line */
		for (i = 0; i < r; i++)
			if (!buf[i])
				buf[i] = '\n';
		snprintf(env, len, "%s", buf);
	}
	return n;
}

/* Changes of what the node shows send a change uevent; nothing else does. */
TEST_F_TIMEOUT(auth, display_changes_send_uevents, 120)
{
	struct kst_topic_opts pol = {
		.name = "ue", .set = KST_SET_POLICY, .policy = KSTREAM_POLICY_BLOCK,
	};
	char env[8192];
	int fd = uevent_open(), w, r;
	char buf[16];

	ASSERT_LE(0, fd) TH_LOG("uevent socket: %d", fd);
	MK("ue", 0600, 0, 0);
	EXPECT_EQ(1, uevents(fd, "add", "ue", env, sizeof(env)));
	EXPECT_NE(NULL, strstr(env, "\nDEVMODE=0666\n")) TH_LOG("%s", env);

	GRANT("ue", USER, ALICE, SUB);
	EXPECT_EQ(1, uevents(fd, "change", "ue", env, sizeof(env)));
	EXPECT_NE(NULL, strstr(env, "\nDEVNAME=" KSTREAM_CLASS_NAME "/ue\n")) TH_LOG("%s", env);
	EXPECT_NE(NULL, strstr(env, "\nDEVMODE=0666\n")) TH_LOG("%s", env);
	GRANT("ue", USER, ALICE, SUB);		/* nothing changes */
	GRANT("ue", USER, CAROL, ADM);		/* not shown on the node */
	EXPECT_EQ(0, uevents(fd, "change", "ue", env, sizeof(env)));

	/* the data path sends none */
	w = kst_open("ue", O_WRONLY);
	r = kst_open("ue", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, w);
	ASSERT_LE(0, r);
	EXPECT_EQ(3, kst_wr(w, "abc", 3));
	EXPECT_EQ(3, kst_rd(r, buf, sizeof(buf)));
	close(w);
	close(r);
	EXPECT_EQ(0, uevents(fd, "change", "ue", env, sizeof(env)));

	ASSERT_EQ(0, set_owner(&self->nl, "ue", KST_SET_UID | KST_SET_GID, 0,
			       ALICE, SENSORS));
	EXPECT_EQ(1, uevents(fd, "change", "ue", env, sizeof(env)));
	EXPECT_NE(NULL, strstr(env, "\nDEVUID=4001\n")) TH_LOG("%s", env);
	EXPECT_NE(NULL, strstr(env, "\nDEVGID=4100\n")) TH_LOG("%s", env);
	ASSERT_EQ(0, set_owner(&self->nl, "ue", KST_SET_MODE, 0640, 0, 0));
	EXPECT_EQ(1, uevents(fd, "change", "ue", env, sizeof(env)));
	/* the policy is not shown on the node */
	ASSERT_EQ(0, kst_topic_set(&self->nl, &pol, NULL)) TH_LOG("%s", self->nl.extack);
	EXPECT_EQ(0, uevents(fd, "change", "ue", env, sizeof(env)));
	REVOKE("ue", USER, ALICE, -1);
	EXPECT_EQ(1, uevents(fd, "change", "ue", env, sizeof(env)));
	REVOKE("ue", USER, CAROL, -1);		/* admin only: not shown */
	EXPECT_EQ(0, uevents(fd, "change", "ue", env, sizeof(env)));
	close(fd);
}

/* kstream-node-display's path into @buf; NULL if it is not built. */
static const char *display_path(char *buf, size_t len)
{
	const char *src = getenv("KSTREAM_SRC");

	snprintf(buf, len, "%s/build/bin/kstream-node-display", src ? src : ".");
	return access(buf, X_OK) ? NULL : buf;
}

/* Run the display helper on @node as udev would; its exit status. */
static int display(const char *helper, const char *node)
{
	char cmd[512];
	int s;

	snprintf(cmd, sizeof(cmd), "%s %s 2>/dev/null", helper, node);
	s = system(cmd);
	return WIFEXITED(s) ? WEXITSTATUS(s) : -1;
}

/*
 * The udev rule's helper shows kstream's decision on the node (owner,
 * group, POSIX ACL), which the VFS then enforces in agreement.
 */
TEST_F_TIMEOUT(auth, node_display_shows_the_decision, 180)
{
	char helper[256], out[4096], path[128];
	struct xacl_entry e[16];
	struct stat st;
	int n;

	if (!display_path(helper, sizeof(helper)))
		SKIP(return, "no kstream-node-display in build/bin");
	MK("d", 0640, 0, 0);
	kst_dev_path(path, sizeof(path), "d");
	EXPECT_EQ(0, display(helper, path));
	EXPECT_EQ(0640, node_mode("d"));
	EXPECT_EQ(-ENODATA, node_acl("d", e, 16));

	GRANT("d", USER, ALICE, PUB);
	GRANT("d", GROUP, SENSORS, SUB);
	/* what udev does on the change event: DEVMODE, then the rule's RUN */
	ASSERT_EQ(0, chmod(path, 0666));
	EXPECT_EQ(0, display(helper, path));
	n = node_acl("d", e, 16);
	ASSERT_EQ(6, n);
	EXPECT_EQ(ACL_USER_OBJ, e[0].tag);
	EXPECT_EQ(6, e[0].perm);
	EXPECT_EQ(ACL_USER, e[1].tag);
	EXPECT_EQ(ALICE, e[1].id);
	EXPECT_EQ(2, e[1].perm);
	EXPECT_EQ(ACL_GROUP_OBJ, e[2].tag);
	EXPECT_EQ(4, e[2].perm);
	EXPECT_EQ(ACL_GROUP, e[3].tag);
	EXPECT_EQ(SENSORS, e[3].id);
	EXPECT_EQ(4, e[3].perm);
	EXPECT_EQ(ACL_MASK, e[4].tag);
	EXPECT_EQ(6, e[4].perm);
	EXPECT_EQ(ACL_OTHER, e[5].tag);
	EXPECT_EQ(0, e[5].perm);
	EXPECT_EQ(0660, node_mode("d"));	/* group bits show the mask */
	capture("getfacl -n /dev/" KSTREAM_CLASS_NAME "/d 2>&1", out, sizeof(out));
	EXPECT_NE(NULL, strstr(out, "user:4001:-w-")) TH_LOG("getfacl: %s", out);
	EXPECT_NE(NULL, strstr(out, "group:4100:r--")) TH_LOG("getfacl: %s", out);

	/* the VFS and kstream agree on the displayed node */
	check_node_grants(_metadata, "d");

	/* owner and group, from the uevent file */
	ASSERT_EQ(0, set_owner(&self->nl, "d", KST_SET_UID | KST_SET_GID, 0,
			       ALICE, SENSORS));
	EXPECT_EQ(0, display(helper, path));
	ASSERT_EQ(0, node_stat("d", &st));
	EXPECT_EQ(ALICE, st.st_uid);
	EXPECT_EQ(SENSORS, st.st_gid);
	/* back to root: the uevent has no DEVUID, DEVGID then */
	ASSERT_EQ(0, set_owner(&self->nl, "d", KST_SET_UID | KST_SET_GID, 0, 0, 0));
	EXPECT_EQ(0, display(helper, path));
	ASSERT_EQ(0, node_stat("d", &st));
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);

	/* no data entry left: no ACL, the mode */
	REVOKE("d", USER, ALICE, -1);
	REVOKE("d", GROUP, SENSORS, -1);
	EXPECT_EQ(0, display(helper, path));
	EXPECT_EQ(-ENODATA, node_acl("d", e, 16));
	EXPECT_EQ(0640, node_mode("d"));

	/* it touches topic nodes only, never through a symlink */
	EXPECT_EQ(2, display(helper, "/dev/null"));
	ASSERT_EQ(0, stat("/dev/null", &st));
	EXPECT_EQ(0666, st.st_mode & 07777);
	unlink("/tmp/kst-auth-link");
	ASSERT_EQ(0, symlink(path, "/tmp/kst-auth-link"));
	ASSERT_EQ(0, chmod(path, 0666));
	EXPECT_EQ(2, display(helper, "/tmp/kst-auth-link"));
	EXPECT_EQ(0666, node_mode("d"));
	unlink("/tmp/kst-auth-link");
	EXPECT_EQ(2, display(helper, "relative/path"));
	/* a topic deleted meanwhile: nothing to show */
	EXPECT_EQ(0, display(helper, "/dev/" KSTREAM_CLASS_NAME "/no-such-topic"));
}

/* ---------------------------------------------------- revocation */

TEST_F_TIMEOUT(auth, revocation_reaches_open_fds, 180)
{
	struct chan c;
	pid_t pid;

	MK("r", 0600, 0, 0);
	GRANT("r", USER, ALICE, PUB | SUB);
	chan_init(&c);
	pid = fork_as(&alice);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct kstream_fd_info info;
		char buf[64];
		int rfd = kst_open("r", O_RDONLY | O_NONBLOCK);
		int wfd = kst_open("r", O_WRONLY);
		int bfd = kst_open("r", O_WRONLY);
		__u32 bflags = KSTREAM_FD_BATCH;
		/* a batch of one record (batch publish checks every record) */
		struct {
			struct kstream_msg_hdr h;
			char p[8];
		} rec = { .h = { .len = 5 }, .p = "batch" };
		int n = -1;

		ASSERT_LE(0, rfd);
		ASSERT_LE(0, wfd);
		ASSERT_LE(0, bfd);
		ASSERT_EQ(0, ioctl(bfd, KSTREAM_IOC_SET_FLAGS, &bflags));
		EXPECT_EQ(5, kst_wr(wfd, "hello", 5));
		EXPECT_EQ(sizeof(rec), kst_wr(bfd, &rec, sizeof(rec)));
		TELL_PARENT(&c);
		WAIT_PARENT(&c);		/* publish revoked */
		EXPECT_EQ(-EACCES, kst_wr(wfd, "again", 5));
		EXPECT_EQ(-EACCES, kst_wr(bfd, &rec, sizeof(rec)));
		EXPECT_EQ(POLLERR, kst_poll(wfd, POLLOUT, 0) & POLLERR);
		EXPECT_EQ(5, kst_rd(rfd, buf, sizeof(buf)));	/* still reads */
		EXPECT_EQ(5, kst_rd(rfd, buf, sizeof(buf)));
		EXPECT_EQ(0, memcmp(buf, "batch", 5));
		EXPECT_EQ(0, kst_poll(rfd, POLLIN, 0) & POLLERR);
		TELL_PARENT(&c);
		WAIT_PARENT(&c);		/* everything revoked */
		EXPECT_EQ(-EACCES, kst_rd(rfd, buf, sizeof(buf)));
		EXPECT_EQ(POLLERR, kst_poll(rfd, POLLIN, 0) & POLLERR);
		EXPECT_EQ(-1, lseek(rfd, 0, SEEK_SET));
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(-1, ioctl(rfd, FIONREAD, &n));
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(-EACCES, kst_info(rfd, &info));
		EXPECT_EQ(-1, ioctl(rfd, KSTREAM_IOC_CURSOR_FD));
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(MAP_FAILED, mmap(NULL, 4096 + 2 * 65536, PROT_READ,
					   MAP_SHARED, rfd, 0));
		EXPECT_EQ(EACCES, errno);
		TELL_PARENT(&c);
		WAIT_PARENT(&c);		/* granted again */
		EXPECT_EQ(3, kst_wr(wfd, "new", 3));
		EXPECT_EQ(3, kst_rd(rfd, buf, sizeof(buf)));
		EXPECT_EQ(0, kst_poll(rfd, POLLIN, 0) & POLLERR);
		CHILD_DONE();
	}
	WAIT_CHILD(&c);
	REVOKE("r", USER, ALICE, PUB);
	TELL_CHILD(&c);
	WAIT_CHILD(&c);
	REVOKE("r", USER, ALICE, -1);
	TELL_CHILD(&c);
	WAIT_CHILD(&c);
	GRANT("r", USER, ALICE, PUB | SUB);
	TELL_CHILD(&c);
	wait_ok(_metadata, pid);
}

TEST_F_TIMEOUT(auth, revocation_wakes_blocked_callers, 180)
{
	__u64 t0;
	pid_t r, w;
	int hold, fill;
	char big[1024] = { 0 };

	MK("r", 0600, 0, 0);
	ASSERT_EQ(0, mk(&self->nl, "b", 0600, 0, 0, KSTREAM_POLICY_BLOCK));
	GRANT("r", USER, ALICE, SUB);
	GRANT("b", USER, ALICE, PUB);

	/* a reader blocked in read() */
	r = fork_as(&alice);
	ASSERT_LE(0, r);
	if (r == 0) {
		char buf[16];
		int fd = kst_open("r", O_RDONLY);

		ASSERT_LE(0, fd);
		EXPECT_EQ(-EACCES, kst_rd(fd, buf, sizeof(buf)));
		CHILD_DONE();
	}
	/* a producer blocked on a full block topic */
	hold = kst_open("b", O_RDONLY);		/* never reads */
	ASSERT_LE(0, hold);
	fill = kst_open("b", O_WRONLY | O_NONBLOCK);
	ASSERT_LE(0, fill);
	while (kst_wr(fill, big, sizeof(big)) > 0)
		;
	w = fork_as(&alice);
	ASSERT_LE(0, w);
	if (w == 0) {
		int fd = kst_open("b", O_WRONLY);

		ASSERT_LE(0, fd);
		EXPECT_EQ(-EACCES, kst_wr(fd, big, sizeof(big)));
		CHILD_DONE();
	}
	ASSERT_EQ(0, kst_wait_pid_sleeping(r, 10000));
	ASSERT_EQ(0, kst_wait_pid_sleeping(w, 10000));
	usleep(100000);
	ASSERT_EQ(0, kst_wait_pid_sleeping(r, 10000));
	t0 = kst_now_ns(CLOCK_MONOTONIC);
	REVOKE("r", USER, ALICE, -1);
	REVOKE("b", USER, ALICE, -1);
	wait_ok(_metadata, r);
	wait_ok(_metadata, w);
	/* woken, not found by a timeout */
	EXPECT_GT(2000000000ULL, kst_now_ns(CLOCK_MONOTONIC) - t0);
	close(fill);
	close(hold);
}

TEST_F_TIMEOUT(auth, revoked_reader_releases_block_topic, 180)
{
	char msg[1024] = { 0 };
	struct chan c;
	pid_t pid;
	int w, n;

	ASSERT_EQ(0, mk(&self->nl, "bk", 0600, 0, 0, KSTREAM_POLICY_BLOCK));
	GRANT("bk", USER, ALICE, SUB);
	chan_init(&c);
	pid = fork_as(&alice);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct kstream_fd_info info;
		char buf[2048];
		int fd = kst_open("bk", O_RDONLY | O_NONBLOCK);

		ASSERT_LE(0, fd);
		TELL_PARENT(&c);
		WAIT_PARENT(&c);		/* revoked, then granted back */
		/* lapped while it did not count: it reads on, from the tail */
		EXPECT_EQ(sizeof(msg), kst_rd(fd, buf, sizeof(buf)));
		ASSERT_EQ(0, kst_info(fd, &info));
		EXPECT_LT(0, info.lost);
		CHILD_DONE();
	}
	WAIT_CHILD(&c);
	w = kst_open("bk", O_WRONLY | O_NONBLOCK);
	ASSERT_LE(0, w);
	for (n = 0; kst_wr(w, msg, sizeof(msg)) > 0; n++)
		;
	EXPECT_LT(0, n);
	EXPECT_EQ(-EAGAIN, kst_wr(w, msg, sizeof(msg)));	/* alice holds it */
	/* a reader that may no longer read holds nothing back */
	REVOKE("bk", USER, ALICE, SUB);
	for (n = 0; n < 200 && kst_wr(w, msg, sizeof(msg)) > 0; n++)
		;
	EXPECT_EQ(200, n);
	/* granted back, it counts again */
	GRANT("bk", USER, ALICE, SUB);
	for (n = 0; kst_wr(w, msg, sizeof(msg)) > 0; n++)
		;
	EXPECT_GT(200, n);
	EXPECT_EQ(-EAGAIN, kst_wr(w, msg, sizeof(msg)));
	TELL_CHILD(&c);
	wait_ok(_metadata, pid);
	close(w);
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

/* Read a u64 of a mapping; -1 (and no crash) if that raised SIGBUS. */
static long long touch(const volatile __u64 *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	long long v;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1) == 0)
		v = (long long)*p;
	else
		v = -1;
	sigaction(SIGBUS, &old, NULL);
	return v;
}

TEST_F_TIMEOUT(auth, revocation_takes_down_mappings, 180)
{
	size_t len = 4096 + 2 * 65536;
	struct chan ca, cb;
	pid_t a, b;
	char path[128];
	struct stat st;
	int pub;

	MK("m", 0600, 0, 0);
	GRANT("m", USER, ALICE, SUB);
	GRANT("m", GROUP, SENSORS, SUB);
	/* a second node of the same device: its mappings are the topic's too */
	kst_dev_path(path, sizeof(path), "m");
	ASSERT_EQ(0, stat(path, &st));
	unlink("/tmp/kst-auth-mnode");
	ASSERT_EQ(0, mknod("/tmp/kst-auth-mnode", S_IFCHR | 0666, st.st_rdev));
	chan_init(&ca);
	chan_init(&cb);

	a = fork_as(&alice);
	ASSERT_LE(0, a);
	if (a == 0) {
		int fd = kst_open("m", O_RDONLY | O_NONBLOCK), cfd;
		int fd2 = open("/tmp/kst-auth-mnode", O_RDONLY);
		struct kstream_ring_ctl *ctl, *ctl2;
		char buf[16];

		ASSERT_LE(0, fd);
		ASSERT_LE(0, fd2);
		ctl = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, ctl);
		EXPECT_EQ(65536, touch(&ctl->size));
		ctl2 = mmap(NULL, len, PROT_READ, MAP_SHARED, fd2, 0);
		ASSERT_NE(MAP_FAILED, ctl2);
		EXPECT_EQ(65536, touch(&ctl2->size));
		cfd = ioctl(fd, KSTREAM_IOC_CURSOR_FD);
		EXPECT_LE(0, cfd);
		TELL_PARENT(&ca);
		WAIT_PARENT(&ca);		/* revoked */
		EXPECT_EQ(-1, touch(&ctl->size)) TH_LOG("the ring is still mapped");
		EXPECT_EQ(-1, touch(&ctl->head));
		EXPECT_EQ(-1, touch(&ctl2->size))
			TH_LOG("the ring is still mapped through the second node");
		EXPECT_EQ(MAP_FAILED, mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0));
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(MAP_FAILED, mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					   MAP_SHARED, cfd, 0));
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(POLLERR, kst_poll(fd, POLLIN, 0) & POLLERR);
		EXPECT_EQ(-EACCES, kst_rd(fd, buf, sizeof(buf)));
		TELL_PARENT(&ca);
		WAIT_PARENT(&ca);		/* granted again */
		EXPECT_EQ(65536, touch(&ctl->size));
		EXPECT_EQ(65536, touch(&ctl2->size));
		CHILD_DONE();
	}
	b = fork_as(&bob);
	ASSERT_LE(0, b);
	if (b == 0) {
		int fd = kst_open("m", O_RDONLY);
		struct kstream_ring_ctl *ctl;
		const struct kstream_msg_hdr *h;

		ASSERT_LE(0, fd);
		ctl = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, ctl);
		EXPECT_EQ(0, touch(&ctl->head));
		/* the ring cannot be pinned (no pin outlives a revocation) */
		{
			__u64 v;
			struct iovec local = { &v, sizeof(v) };
			struct iovec remote = { ctl, sizeof(v) };

			EXPECT_EQ(-1, process_vm_readv(getpid(), &local, 1,
						       &remote, 1, 0));
			EXPECT_EQ(EFAULT, errno);
		}
		TELL_PARENT(&cb);
		WAIT_PARENT(&cb);		/* alice revoked, one message */
		/* bob keeps his right: the mapping comes back by faults */
		EXPECT_EQ(KSTREAM_REC_SIZE(7), touch(&ctl->head));
		h = (const void *)((char *)ctl + 4096);
		EXPECT_EQ(7, h->len);
		EXPECT_EQ(0, memcmp(h + 1, "message", 7));
		CHILD_DONE();
	}
	WAIT_CHILD(&ca);
	WAIT_CHILD(&cb);
	REVOKE("m", USER, ALICE, -1);
	pub = kst_open("m", O_WRONLY);
	ASSERT_LE(0, pub);
	ASSERT_EQ(7, kst_wr(pub, "message", 7));
	close(pub);
	TELL_CHILD(&ca);
	TELL_CHILD(&cb);
	wait_ok(_metadata, b);
	WAIT_CHILD(&ca);
	GRANT("m", USER, ALICE, SUB);
	TELL_CHILD(&ca);
	wait_ok(_metadata, a);
	unlink("/tmp/kst-auth-mnode");
}

/* --------------------------------------------------- delegation */

static int send_fd(int sock, int fd)
{
	char c = 'f';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &m, 0) != 1)
		return -errno;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

TEST_F_TIMEOUT(auth, scm_rights_delegates_the_openers_rights, 180)
{
	struct chan c;
	int sp[2];
	pid_t pid;
	__u64 denied;

	MK("s", 0600, 0, 0);
	GRANT("s", USER, ALICE, PUB | SUB);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
	chan_init(&c);

	/* alice opens and hands the fd over */
	AS(&alice, {
		int fd = kst_open("s", O_RDWR);

		ASSERT_LE(0, fd);
		EXPECT_EQ(0, send_fd(sp[0], fd));
	});
	/* carol has no right of her own, but uses alice's fd */
	pid = fork_as(&carol);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char buf[16];
		int fd;

		EXPECT_EQ(-EACCES, open_close("s", O_RDONLY));
		fd = recv_fd(sp[1]);
		ASSERT_LE(0, fd);
		EXPECT_EQ(4, kst_wr(fd, "from", 4));
		EXPECT_EQ(4, kst_rd(fd, buf, sizeof(buf)));
		TELL_PARENT(&c);
		WAIT_PARENT(&c);		/* alice's grant revoked */
		EXPECT_EQ(-EACCES, kst_wr(fd, "more", 4));
		EXPECT_EQ(-EACCES, kst_rd(fd, buf, sizeof(buf)));
		CHILD_DONE();
	}
	WAIT_CHILD(&c);
	denied = DENIED("s");
	REVOKE("s", USER, ALICE, -1);
	TELL_CHILD(&c);
	wait_ok(_metadata, pid);
	EXPECT_EQ(denied + 2, DENIED("s"));
}

/* ------------------------------------------------ control plane */

TEST_F_TIMEOUT(auth, unprivileged_users_cannot_administer, 180)
{
	struct kst_topic t;
	__u64 denied;

	MK("root", 0600, 0, 0);
	MK("shared", 0600, 0, 0);
	GRANT("shared", USER, ALICE, ADM);
	denied = DENIED("root");

	AS(&carol, {
		struct kst_nl nl;
		struct kst_topic_opts o = { .name = "mine" };

		ASSERT_EQ(0, kst_nl_open(&nl));
		EXPECT_EQ(-EPERM, kst_topic_create(&nl, &o, NULL));
		EXPECT_NE(0, nl.extack[0]);
		EXPECT_EQ(-EPERM, kst_topic_delete(&nl, "root"));
		EXPECT_NE(0, nl.extack[0]);
		EXPECT_EQ(-EPERM, kst_topic_delete(&nl, "nosuch"));
		EXPECT_EQ(-EPERM, kst_acl_add(&nl, "root", USER, CAROL, SUB));
		EXPECT_NE(0, nl.extack[0]);
		EXPECT_EQ(-EPERM, kst_acl_del(&nl, "root", USER, CAROL, -1));
		EXPECT_EQ(-EPERM, kst_acl_add(&nl, "shared", USER, CAROL, SUB));
		EXPECT_EQ(-EPERM, kst_acl_add(&nl, "nosuch", USER, CAROL, SUB));
		/* reading needs nothing */
		EXPECT_EQ(0, kst_topic_get(&nl, "root", &t));
		kst_nl_close(&nl);
	});
	EXPECT_EQ(denied + 3, DENIED("root"));

	/* alice administers "shared", and nothing else */
	AS(&alice, {
		struct kst_nl nl;
		struct kst_topic_opts o = { .name = "mine" };

		ASSERT_EQ(0, kst_nl_open(&nl));
		EXPECT_EQ(0, kst_acl_add(&nl, "shared", USER, CAROL, SUB));
		EXPECT_EQ(0, kst_acl_add(&nl, "shared", USER, BOB, ADM));
		EXPECT_EQ(0, kst_acl_del(&nl, "shared", USER, BOB, -1));
		EXPECT_EQ(-EPERM, kst_acl_add(&nl, "root", USER, ALICE, SUB));
		EXPECT_EQ(-EPERM, kst_topic_delete(&nl, "root"));
		EXPECT_EQ(-EPERM, kst_topic_create(&nl, &o, NULL));
		EXPECT_EQ(0, kst_topic_delete(&nl, "shared"));
		kst_nl_close(&nl);
	});
	EXPECT_EQ(0, kst_topic_get(&self->nl, "root", &t));
	EXPECT_EQ(0, t.nr_acl);
	EXPECT_EQ(-ENOENT, kst_topic_get(&self->nl, "shared", &t));

	/* a socket root opened, used by alice: alice's rights only */
	MK("shared", 0600, 0, 0);
	GRANT("shared", USER, ALICE, ADM);
	{
		struct kst_nl rootsock;

		ASSERT_EQ(0, kst_nl_open(&rootsock));
		AS(&alice, {
			struct kst_topic_opts o = { .name = "mine" };

			EXPECT_EQ(-EPERM, kst_topic_create(&rootsock, &o, NULL));
			EXPECT_EQ(-EPERM, kst_acl_add(&rootsock, "root", USER, ALICE, SUB));
			EXPECT_EQ(0, kst_acl_add(&rootsock, "shared", USER, CAROL, SUB));
		});
		kst_nl_close(&rootsock);
	}
	/* a socket alice opened, used by root: alice's rights only */
	AS(NULL, {
		struct kst_nl nl;
		struct kst_topic_opts o = { .name = "mine" };

		ASSERT_EQ(0, setresgid(ALICE, ALICE, 0));
		ASSERT_EQ(0, setresuid(ALICE, ALICE, 0));
		ASSERT_EQ(0, kst_nl_open(&nl));
		ASSERT_EQ(0, setresuid(0, 0, 0));
		ASSERT_EQ(0, setresgid(0, 0, 0));
		EXPECT_EQ(-EPERM, kst_topic_create(&nl, &o, NULL));
		EXPECT_EQ(-EPERM, kst_topic_delete(&nl, "root"));
		EXPECT_EQ(-EPERM, kst_acl_add(&nl, "root", USER, 0, SUB));
		kst_nl_close(&nl);
	});
	EXPECT_EQ(0, kst_topic_get(&self->nl, "root", &t));
	EXPECT_EQ(0, t.nr_acl);
	EXPECT_EQ(-ENOENT, kst_topic_get(&self->nl, "mine", &t));
}

TEST_F_TIMEOUT(auth, creator_group, 180)
{
	struct kst_topic t;

	AS(&creator, {
		struct kst_nl nl;
		struct kst_topic got;
		struct kst_topic_opts o = { .name = "mine" };

		ASSERT_EQ(0, kst_nl_open(&nl));
		ASSERT_EQ(0, kst_topic_create(&nl, &o, &got)) TH_LOG("%s", nl.extack);
		EXPECT_EQ(ALICE, got.uid);	/* it owns what it creates */
		EXPECT_EQ(ALICE, got.gid);
		EXPECT_EQ(ADM, kst_acl_find(&got, USER, ALICE));
		/* for itself only */
		o.name = "theirs";
		o.set = KST_SET_UID;
		o.uid = 0;
		EXPECT_EQ(-EPERM, kst_topic_create(&nl, &o, NULL));
		EXPECT_NE(0, nl.extack[0]);
		o.set = KST_SET_GID;
		o.gid = 0;
		EXPECT_EQ(-EPERM, kst_topic_create(&nl, &o, NULL));
		o.gid = CREATORS;		/* one of its groups */
		EXPECT_EQ(0, kst_topic_create(&nl, &o, NULL));
		/* and administers it */
		EXPECT_EQ(0, kst_acl_add(&nl, "mine", USER, BOB, SUB));
		EXPECT_EQ(0, kst_topic_delete(&nl, "theirs"));
		kst_nl_close(&nl);
	});
	ASSERT_EQ(0, kst_topic_get(&self->nl, "mine", &t));
	EXPECT_EQ(ALICE, t.uid);
	EXPECT_EQ(SUB, kst_acl_find(&t, USER, BOB));
	AS(&alice, EXPECT_EQ(0, open_close("mine", O_RDWR)));	/* mode 0600 */
	AS(&bob, {
		struct kst_nl nl;
		struct kst_topic_opts o = { .name = "bobs" };

		ASSERT_EQ(0, kst_nl_open(&nl));
		EXPECT_EQ(-EPERM, kst_topic_create(&nl, &o, NULL));
		EXPECT_EQ(-EPERM, kst_acl_add(&nl, "mine", USER, BOB, PUB));
		EXPECT_EQ(-EPERM, kst_topic_delete(&nl, "mine"));
		kst_nl_close(&nl);
	});
	/* the setting is read at every request; netlink changes it */
	ASSERT_EQ(0, kst_config_set_creator(&self->nl, KSTREAM_CREATOR_GID_NONE))
		TH_LOG("%s", self->nl.extack);
	AS(&creator, {
		struct kst_nl nl;
		struct kst_topic_opts o = { .name = "more" };

		ASSERT_EQ(0, kst_nl_open(&nl));
		EXPECT_EQ(-EPERM, kst_topic_create(&nl, &o, NULL));
		kst_nl_close(&nl);
	});
}

/* The creator_gid parameter as sysfs shows it, or -2 if unreadable. */
static long creator_param(void)
{
	char buf[32] = "";
	int fd = open("/sys/module/kstream/parameters/creator_gid", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -2;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -2;
}

/*
 * Who may create topics is a security policy: the parameter is read-only,
 * KSTREAM_CMD_CONFIG_SET changes it with CAP_SYS_ADMIN, audited.
 */
TEST_F_TIMEOUT(auth, creator_group_changes_over_netlink_only, 120)
{
	struct stat st;
	__u32 gid = 0;
	int afd;

	ASSERT_EQ(0, stat("/sys/module/kstream/parameters/creator_gid", &st));
	EXPECT_EQ(0444, st.st_mode & 07777);
	/* not even root writes it */
	EXPECT_NE(0, system("echo 4100 >/sys/module/kstream/parameters/creator_gid 2>/dev/null"));
	EXPECT_EQ(CREATORS, creator_param());
	ASSERT_EQ(0, kst_config_get_creator(&self->nl, &gid));
	EXPECT_EQ(CREATORS, gid);

	afd = kst_audit_open();
	/* nobody without CAP_SYS_ADMIN: not an admin of every topic ... */
	MK("adm", 0600, ALICE, ALICE);
	GRANT("adm", USER, ALICE, ADM);
	AS(&alice, {
		struct kst_nl nl;
		__u32 g = 0;

		ASSERT_EQ(0, kst_nl_open(&nl));
		EXPECT_EQ(-EPERM, kst_config_set_creator(&nl, ALICE));
		EXPECT_NE(NULL, strstr(nl.extack, "CAP_SYS_ADMIN")) TH_LOG("%s", nl.extack);
		/* ... while anyone may read it */
		EXPECT_EQ(0, kst_config_get_creator(&nl, &g));
		EXPECT_EQ(CREATORS, g);
		kst_nl_close(&nl);
	});
	EXPECT_EQ(CREATORS, creator_param());
	if (afd >= 0)
		EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=config_set", "res=0",
					 "creator_gid=4001"));

	/* CAP_NET_ADMIN is not enough: a topic admin is not a policy admin */
	AS(NULL, {
		struct kst_nl nl;

		ASSERT_EQ(0, drop_caps(CAP_TO_MASK(CAP_SYS_ADMIN)));
		ASSERT_EQ(0, kst_nl_open(&nl));
		EXPECT_EQ(-EPERM, kst_config_set_creator(&nl, SENSORS));
		kst_nl_close(&nl);
	});

	/* root: changed, shown by the read-only parameter, audited */
	ASSERT_EQ(0, kst_config_set_creator(&self->nl, SENSORS))
		TH_LOG("%s", self->nl.extack);
	EXPECT_EQ(SENSORS, creator_param());
	ASSERT_EQ(0, kst_config_get_creator(&self->nl, &gid));
	EXPECT_EQ(SENSORS, gid);
	if (afd >= 0)
		EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=config_set", "res=1",
					 "old_creator_gid=4500 creator_gid=4100"));
	/* bob (of sensors) creates now, alice (of creators) no more */
	AS(&bob, {
		struct kst_nl nl;
		struct kst_topic_opts o = { .name = "bobs" };

		ASSERT_EQ(0, kst_nl_open(&nl));
		EXPECT_EQ(0, kst_topic_create(&nl, &o, NULL)) TH_LOG("%s", nl.extack);
		kst_nl_close(&nl);
	});
	AS(&creator, {
		struct kst_nl nl;
		struct kst_topic_opts o = { .name = "alices" };

		ASSERT_EQ(0, kst_nl_open(&nl));
		EXPECT_EQ(-EPERM, kst_topic_create(&nl, &o, NULL));
		kst_nl_close(&nl);
	});
	/* none: nobody creates without CAP_NET_ADMIN */
	ASSERT_EQ(0, kst_config_set_creator(&self->nl, KSTREAM_CREATOR_GID_NONE));
	EXPECT_EQ(-1, creator_param());
	ASSERT_EQ(0, kst_config_get_creator(&self->nl, &gid));
	EXPECT_EQ(KSTREAM_CREATOR_GID_NONE, gid);
	/* the attribute is required and named when missing */
	{
		struct kst_buf b = { 0 };

		EXPECT_EQ(-EINVAL, kst_nl_raw(&self->nl, KSTREAM_CMD_CONFIG_SET,
					      0, &b, NULL, 0));
		EXPECT_EQ(KSTREAM_A_CREATOR_GID, self->nl.miss_type);
	}
	if (afd >= 0)
		close(afd);
}

/* ------------------------------------------------------ topic set */

/*
 * TOPIC_SET of the mode, owner and group: what the node's display reads
 * follows, open fds lose and regain rights as they would by an ACL
 * change, audited.
 */
TEST_F_TIMEOUT(auth, topic_set_mode_owner_group_live, 180)
{
	struct kst_topic t;
	char out[256];
	struct chan c;
	int afd;
	pid_t pid;

	MK("ts", 0600, 0, 0);
	afd = kst_audit_open();
	AS(&alice, EXPECT_EQ(-EACCES, open_close("ts", O_RDONLY)));
	ASSERT_EQ(0, set_owner(&self->nl, "ts", KST_SET_MODE, 0644, 0, 0))
		TH_LOG("%s", self->nl.extack);
	topic_file("ts", "acl", out, sizeof(out));
	EXPECT_STREQ("user::rw-,group::r--,other::r--\n", out);
	EXPECT_EQ(0666, node_mode("ts"));
	if (afd >= 0)
		EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=topic_set topic=ts res=1",
					 "mode=0644"));

	chan_init(&c);
	pid = fork_as(&alice);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char buf[64];
		int fd = kst_open("ts", O_RDONLY | O_NONBLOCK);

		ASSERT_LE(0, fd);
		EXPECT_EQ(-EAGAIN, kst_rd(fd, buf, sizeof(buf)));
		TELL_PARENT(&c);
		WAIT_PARENT(&c);		/* mode 0600: revoked */
		EXPECT_EQ(-EACCES, kst_rd(fd, buf, sizeof(buf)));
		TELL_PARENT(&c);
		WAIT_PARENT(&c);		/* owner alice: hers again */
		EXPECT_EQ(-EAGAIN, kst_rd(fd, buf, sizeof(buf)));
		EXPECT_EQ(0, open_close("ts", O_RDWR));
		CHILD_DONE();
	}
	WAIT_CHILD(&c);
	ASSERT_EQ(0, set_owner(&self->nl, "ts", KST_SET_MODE, 0600, 0, 0));
	TELL_CHILD(&c);
	WAIT_CHILD(&c);
	ASSERT_EQ(0, set_owner(&self->nl, "ts", KST_SET_UID, 0, ALICE, 0))
		TH_LOG("%s", self->nl.extack);
	/* what udev is told, for the node's owner */
	EXPECT_TRUE(uevent_has("ts", "DEVUID=4001"));
	EXPECT_FALSE(uevent_has("ts", "DEVGID=0"));	/* root: not said */
	topic_file("ts", "acl", out, sizeof(out));
	EXPECT_STREQ("user::rw-,group::---,other::---\n", out);
	TELL_CHILD(&c);
	wait_ok(_metadata, pid);

	/* the group, with its bits: bob reads as a member of sensors */
	AS(&bob, EXPECT_EQ(-EACCES, open_close("ts", O_RDONLY)));
	ASSERT_EQ(0, set_owner(&self->nl, "ts", KST_SET_GID | KST_SET_MODE,
			       0640, 0, SENSORS));
	EXPECT_TRUE(uevent_has("ts", "DEVGID=4100"));
	EXPECT_EQ(0666, node_mode("ts"));
	AS(&bob, {
		EXPECT_EQ(0, open_close("ts", O_RDONLY));
		EXPECT_EQ(-EACCES, open_close("ts", O_WRONLY));
	});
	ASSERT_EQ(0, kst_topic_get(&self->nl, "ts", &t));
	EXPECT_EQ(ALICE, t.uid);
	EXPECT_EQ(SENSORS, t.gid);
	EXPECT_EQ(0640, t.mode);
	if (afd >= 0)
		close(afd);
}

/* An admin by ACL may change the topic, not give it away. */
TEST_F_TIMEOUT(auth, topic_set_needs_admin_and_keeps_ownership_rules, 120)
{
	MK("own", 0600, ALICE, ALICE);
	GRANT("own", USER, ALICE, ADM);
	AS(&alice, {
		struct kst_nl nl;

		ASSERT_EQ(0, kst_nl_open(&nl));
		EXPECT_EQ(0, set_owner(&nl, "own", KST_SET_MODE, 0640, 0, 0))
			TH_LOG("%s", nl.extack);
		EXPECT_EQ(-EPERM, set_owner(&nl, "own", KST_SET_UID, 0, BOB, 0));
		EXPECT_NE(NULL, strstr(nl.extack, "owner")) TH_LOG("%s", nl.extack);
		EXPECT_EQ(-EPERM, set_owner(&nl, "own", KST_SET_GID, 0, 0, SENSORS));
		/* its own group: allowed */
		EXPECT_EQ(0, set_owner(&nl, "own", KST_SET_GID, 0, 0, ALICE))
			TH_LOG("%s", nl.extack);
		kst_nl_close(&nl);
	});
	AS(&bob, {
		struct kst_nl nl;

		ASSERT_EQ(0, kst_nl_open(&nl));
		EXPECT_EQ(-EPERM, set_owner(&nl, "own", KST_SET_MODE, 0666, 0, 0));
		EXPECT_EQ(-EPERM, set_owner(&nl, "nope", KST_SET_MODE, 0666, 0, 0));
		kst_nl_close(&nl);
	});
	EXPECT_LE(1, DENIED("own"));
}

/* ----------------------------------------- revocation, many readers */

#define MANY 400

/*
 * A revocation re-decides every reader of the topic (there is no
 * allocation left to fail and skip it), also while readers come and go:
 * none of the revoked ones holds a block topic back afterwards.
 */
TEST_F_TIMEOUT(auth, revocation_reaches_every_reader_while_readers_churn, 240)
{
	char msg[512] = { 0 };
	struct chan c;
	pid_t pid, churn;
	int w, n, round, tries;

	ASSERT_EQ(0, mk(&self->nl, "many", 0600, 0, 0, KSTREAM_POLICY_BLOCK));
	GRANT("many", USER, ALICE, SUB);
	chan_init(&c);
	pid = fork_as(&alice);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		static int fds[MANY];
		int i;

		for (i = 0; i < MANY; i++) {
			fds[i] = kst_open("many", O_RDONLY | O_NONBLOCK);
			ASSERT_LE(0, fds[i]) TH_LOG("reader %d", i);
		}
		TELL_PARENT(&c);
		WAIT_PARENT(&c);		/* done */
		for (i = 0; i < MANY; i++)
			close(fds[i]);
		CHILD_DONE();
	}
	WAIT_CHILD(&c);
	/* readers opened and closed all along, as root (never revoked) */
	churn = fork();
	ASSERT_LE(0, churn);
	if (churn == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			close(kst_open("many", O_RDONLY | O_NONBLOCK));
	}
	w = kst_open("many", O_WRONLY | O_NONBLOCK);
	ASSERT_LE(0, w);
	for (round = 0; round < 5; round++) {
		/* alice's readers hold the topic full */
		for (n = 0; kst_wr(w, msg, sizeof(msg)) > 0; n++)
			;
		EXPECT_EQ(-EAGAIN, kst_wr(w, msg, sizeof(msg)));
		REVOKE("many", USER, ALICE, SUB);
		/*
		 * Every one of them lost its hold; a churning reader holds
		 * it for a moment at most.
		 */
		for (n = 0, tries = 0; n < 1000 && tries < 5000; tries++) {
			if (kst_wr(w, msg, sizeof(msg)) > 0)
				n++;
			else
				usleep(1000);
		}
		EXPECT_EQ(1000, n) TH_LOG("round %d", round);
		GRANT("many", USER, ALICE, SUB);
	}
	kill(churn, SIGKILL);
	waitpid(churn, NULL, 0);
	TELL_CHILD(&c);
	wait_ok(_metadata, pid);
	close(w);
}

/* ------------------------------------------------ user namespaces */

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

TEST_F_TIMEOUT(auth, root_in_a_user_namespace_gains_nothing, 180)
{
	char path[64];
	struct kst_topic t;
	struct chan c;
	pid_t pid;

	MK("priv", 0600, 0, 0);
	MK("alices", 0400, ALICE, ALICE);
	GRANT("alices", USER, ALICE, ADM);
	chan_init(&c);

	pid = fork_as(NULL);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct __user_cap_header_struct h = {
			.version = _LINUX_CAPABILITY_VERSION_3,
		};
		struct __user_cap_data_struct d[2];
		struct kst_topic_opts o = { .name = "evil" };
		struct kst_topic got;
		struct kst_nl nl;

		ASSERT_EQ(0, setgroups(0, NULL));
		ASSERT_EQ(0, unshare(CLONE_NEWUSER));
		TELL_PARENT(&c);
		WAIT_PARENT(&c);		/* uid 0 here is 4001 outside */
		ASSERT_EQ(0, setresgid(0, 0, 0));
		ASSERT_EQ(0, setresuid(0, 0, 0));
		ASSERT_EQ(0, syscall(SYS_capget, &h, d));
		ASSERT_TRUE(d[0].effective & CAP_TO_MASK(CAP_NET_ADMIN));
		ASSERT_TRUE(d[0].effective & CAP_TO_MASK(CAP_DAC_OVERRIDE));

		ASSERT_EQ(0, kst_nl_open(&nl));
		EXPECT_EQ(-EPERM, kst_topic_create(&nl, &o, NULL));
		EXPECT_EQ(-EPERM, kst_topic_delete(&nl, "priv"));
		EXPECT_EQ(-EPERM, kst_acl_add(&nl, "priv", USER, 0, SUB));
		EXPECT_EQ(-EACCES, open_close("priv", O_RDONLY));
		/*
		 * Its own topic: the node lets the open through (as the VFS
		 * would let its CAP_DAC_OVERRIDE, the node's owner being
		 * mapped here), kstream refuses writing.
		 */
		EXPECT_EQ(0, open_close("alices", O_RDONLY));
		EXPECT_EQ(-EACCES, open_close("alices", O_WRONLY));
		/* what 4001 may do it may, in its own ids */
		EXPECT_EQ(0, kst_acl_add(&nl, "alices", USER, 0, SUB));
		EXPECT_EQ(-EINVAL, kst_acl_add(&nl, "alices", USER, 1, SUB));
		EXPECT_NE(0, nl.extack[0]);
		ASSERT_EQ(0, kst_topic_get(&nl, "alices", &got));
		EXPECT_EQ(0, got.uid);
		EXPECT_EQ(ADM | SUB, kst_acl_find(&got, USER, 0));
		ASSERT_EQ(0, kst_topic_get(&nl, "priv", &got));
		EXPECT_EQ(NOBODY, got.uid);
		kst_nl_close(&nl);
		CHILD_DONE();
	}
	WAIT_CHILD(&c);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	ASSERT_EQ(0, write_file(path, "0 4001 1\n"));
	snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
	ASSERT_EQ(0, write_file(path, "deny\n"));
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	ASSERT_EQ(0, write_file(path, "0 4001 1\n"));
	TELL_CHILD(&c);
	wait_ok(_metadata, pid);
	ASSERT_EQ(0, kst_topic_get(&self->nl, "alices", &t));
	EXPECT_EQ(ADM | SUB, kst_acl_find(&t, USER, ALICE));
	EXPECT_EQ(-ENOENT, kst_topic_get(&self->nl, "evil", &t));
}

/* ------------------------------------------- denials: counter, audit */

TEST_F_TIMEOUT(auth, denials_are_counted_and_audited, 180)
{
	int afd = kst_audit_open();
	char kmsg[65536];
	struct chan c;
	pid_t pid;
	int kfd;

	if (afd < 0)
		SKIP(return, "no audit multicast socket: %d", afd);
	kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kfd >= 0)
		lseek(kfd, 0, SEEK_END);

	MK("au", 0600, 0, 0);
	EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=create topic=au res=1"));
	EXPECT_EQ(0, DENIED("au"));

	/* the node is world-writable (as made): kstream refuses alice */
	{
		char path[128];

		kst_dev_path(path, sizeof(path), "au");
		ASSERT_EQ(0, chmod(path, 0666));
	}
	AS(&alice, EXPECT_EQ(-EACCES, open_close("au", O_RDONLY)));
	EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=open topic=au res=0", "errno=13",
			     "denied_by=acl", "want=subscribe", "fd_uid=4001",
			     " uid=4001"));
	EXPECT_EQ(1, DENIED("au"));

	GRANT("au", USER, ALICE, PUB);
	EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=acl_add topic=au res=1",
			     "acl=user:4001", "rights=publish", " uid=0"));

	/* repeated denials of one fd: each counted, audited once */
	chan_init(&c);
	pid = fork_as(&alice);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = kst_open("au", O_WRONLY);

		ASSERT_LE(0, fd);
		TELL_PARENT(&c);
		WAIT_PARENT(&c);
		EXPECT_EQ(-EACCES, kst_wr(fd, "x", 1));
		EXPECT_EQ(-EACCES, kst_wr(fd, "x", 1));
		EXPECT_EQ(-EACCES, kst_wr(fd, "x", 1));
		CHILD_DONE();
	}
	WAIT_CHILD(&c);
	REVOKE("au", USER, ALICE, PUB);
	EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=acl_del topic=au res=1", "acl=user:4001"));
	TELL_CHILD(&c);
	wait_ok(_metadata, pid);
	EXPECT_EQ(4, DENIED("au"));
	EXPECT_EQ(1, kst_audit_count(afd, 1500, 0, "kstream op=publish topic=au res=0",
				 "want=publish", "fd_uid=4001", NULL));

	/* control plane */
	AS(&alice, {
		struct kst_nl nl;

		ASSERT_EQ(0, kst_nl_open(&nl));
		EXPECT_EQ(-EPERM, kst_acl_add(&nl, "au", USER, ALICE, SUB));
		EXPECT_EQ(-EPERM, kst_topic_delete(&nl, "au"));
		kst_nl_close(&nl);
	});
	EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=acl_add topic=au res=0", "errno=1",
			     "denied_by=acl", " uid=4001"));
	EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=delete topic=au res=0", "errno=1"));
	EXPECT_EQ(6, DENIED("au"));
	AS(&alice, {
		struct kst_nl nl;
		struct kst_topic_opts o = { .name = "nope" };

		ASSERT_EQ(0, kst_nl_open(&nl));
		EXPECT_EQ(-EPERM, kst_topic_create(&nl, &o, NULL));
		kst_nl_close(&nl);
	});
	EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=create topic=nope res=0", "errno=1"));

	/*
	 * Without auditd the records also reach the kernel log, at most 10
	 * in 5 s (printk_ratelimit()): let the window pass first.
	 */
	sleep(6);
	EXPECT_EQ(0, kst_topic_delete(&self->nl, "au"));
	EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=delete topic=au res=1"));
	if (kfd >= 0) {
		size_t have = 0;
		ssize_t n;
		int tries;

		/* kauditd prints after the multicast: give it a moment */
		kmsg[0] = '\0';
		for (tries = 0; tries < 30; tries++) {
			while (have < sizeof(kmsg) - 512 &&
			       (n = read(kfd, kmsg + have, sizeof(kmsg) - 1 - have)) > 0)
				have += n;
			kmsg[have] = '\0';
			if (strstr(kmsg, "kstream op=delete topic=au res=1"))
				break;
			usleep(100000);
		}
		EXPECT_NE(NULL, strstr(kmsg, "kstream op=delete topic=au res=1"))
			TH_LOG("no audit line in the kernel log");
		close(kfd);
	}
	close(afd);
}

/* ------------------------------------ the counters: the admin right */

/*
 * Resetting a topic's counters is a configuration of the topic: its
 * admins may, others are refused (EPERM, counted, audited).  Filters, the
 * other such command, are in bpf_test.c (topic_admin_attaches_filters).
 */
TEST_F_TIMEOUT(auth, topic_admin_resets_counters, 180)
{
	int afd = kst_audit_open();
	int fd;

	MK("mine", 0600, 0, 0);
	MK("theirs", 0600, 0, 0);
	GRANT("mine", USER, ALICE, ADM);
	fd = kst_open("mine", O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, kst_wr(fd, "x", 1));
	close(fd);
	fd = kst_open("theirs", O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, kst_wr(fd, "x", 1));
	close(fd);
	ASSERT_EQ(1, kst_stat(&self->nl, "mine", KSTREAM_STAT_PUBLISHED));

	/* alice administers "mine" (no capability) */
	AS(&alice, {
		struct kst_nl nl;

		ASSERT_EQ(0, kst_nl_open(&nl));
		EXPECT_EQ(0, kst_stats_reset(&nl, "mine")) TH_LOG("%s", nl.extack);
		EXPECT_EQ(-EPERM, kst_stats_reset(&nl, "theirs"));
		EXPECT_NE(NULL, strstr(nl.extack, "resetting a topic's counters needs CAP_NET_ADMIN or the admin right on it"))
			TH_LOG("extack: %s", nl.extack);
		/* whether or not the topic exists */
		EXPECT_EQ(-EPERM, kst_stats_reset(&nl, "nosuch"));
		kst_nl_close(&nl);
	});
	EXPECT_EQ(0, kst_stat(&self->nl, "mine", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(1, kst_stat(&self->nl, "theirs", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(1, DENIED("theirs"));
	EXPECT_EQ(0, DENIED("mine"));

	/* carol administers nothing */
	AS(&carol, {
		struct kst_nl nl;

		ASSERT_EQ(0, kst_nl_open(&nl));
		EXPECT_EQ(-EPERM, kst_stats_reset(&nl, "mine"));
		kst_nl_close(&nl);
	});
	EXPECT_EQ(1, DENIED("mine"));
	EXPECT_EQ(-ENOENT, kst_stats_reset(&self->nl, "nosuch"));

	if (afd < 0)
		SKIP(return, "no audit multicast socket: %d", afd);
	EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=stats_reset topic=mine res=1",
				 " uid=4001"));
	EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=stats_reset topic=theirs res=0",
				 "errno=1", "denied_by=acl", " uid=4001"));
	EXPECT_EQ(1, KST_AUDITED(afd, "kstream op=stats_reset topic=mine res=0",
				 "errno=1", "denied_by=acl", " uid=4003"));
	close(afd);
}

/* --------------------------------------------------- streamctl acl */

static int sh(const char *cmd)
{
	int s = system(cmd);

	return WIFEXITED(s) ? WEXITSTATUS(s) : -1;
}

/* streamctl's path into @sc; NULL, or why the test cannot run. */
static const char *streamctl_path(char *sc, size_t len)
{
	const char *src = getenv("KSTREAM_SRC");

	if (!getpwnam("kst-alice") || !getgrnam("kst-sensors"))
		return "test users missing";
	snprintf(sc, len, "%s/build/bin/streamctl", src ? src : ".");
	if (access(sc, X_OK))
		return "no streamctl in build/bin";
	return NULL;
}

TEST_F_TIMEOUT(auth, streamctl_acl, 180)
{
	char out[8192], cmd[512];
	const char *why;
	char sc[256];

	why = streamctl_path(sc, sizeof(sc));
	if (why)
		SKIP(return, "%s", why);

	MK("sc", 0600, 0, 0);
#define SC(args) (snprintf(cmd, sizeof(cmd), "%s " args " 2>/dev/null", sc), sh(cmd))
	EXPECT_EQ(0, SC("acl add sc user kst-alice publish"));
	EXPECT_EQ(0, SC("acl add sc group kst-sensors subscribe"));
	EXPECT_EQ(0, SC("acl add sc user kst-alice subscribe,admin"));
	EXPECT_EQ(0, SC("acl add sc user 4003 subscribe"));

	snprintf(cmd, sizeof(cmd), "%s acl show sc", sc);
	capture(cmd, out, sizeof(out));
	EXPECT_NE(NULL, strstr(out, "user:kst-alice:publish,subscribe,admin\n")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "group:kst-sensors:subscribe\n")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "user:kst-carol:subscribe\n")) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "%s -j acl show sc", sc);
	capture(cmd, out, sizeof(out));
	EXPECT_NE(NULL, strstr(out, "{\"type\":\"user\",\"id\":4001,\"name\":\"kst-alice\","
			       "\"rights\":[\"publish\",\"subscribe\",\"admin\"]}")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "{\"type\":\"group\",\"id\":4100,\"name\":\"kst-sensors\","
			       "\"rights\":[\"subscribe\"]}")) TH_LOG("%s", out);

	topic_file("sc", "acl", out, sizeof(out));
	EXPECT_NE(NULL, strstr(out, ",user:4001:rw-,")) TH_LOG("%s", out);

	EXPECT_EQ(0, SC("acl del sc user kst-alice publish"));
	EXPECT_EQ(0, SC("acl del sc user 4003"));
	snprintf(cmd, sizeof(cmd), "%s acl show sc", sc);
	capture(cmd, out, sizeof(out));
	EXPECT_NE(NULL, strstr(out, "user:kst-alice:subscribe,admin\n")) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "kst-carol")) TH_LOG("%s", out);

	/* usage errors: 2, nothing sent; refusals: 1 */
	EXPECT_EQ(2, SC("acl add sc user no-such-user-here publish"));
	EXPECT_EQ(2, SC("acl add sc user kst-alice fly"));
	EXPECT_EQ(2, SC("acl add sc user kst-alice"));
	EXPECT_EQ(2, SC("acl add sc person kst-alice publish"));
	EXPECT_EQ(1, SC("acl add nosuch user kst-alice publish"));
	EXPECT_EQ(1, SC("acl del sc user kst-bob"));

	/* an unprivileged user is told what it lacks, before anything is sent */
	AS(&carol, {
		snprintf(cmd, sizeof(cmd), "%s acl add sc user kst-carol publish 2>&1", sc);
		capture(cmd, out, sizeof(out));
		EXPECT_NE(NULL, strstr(out, "CAP_NET_ADMIN")) TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, "admin")) TH_LOG("%s", out);
		EXPECT_EQ(1, SC("acl add sc user kst-carol publish"));
		EXPECT_EQ(1, SC("topic add carols"));
	});
	/* alice administers it: she may */
	AS(&alice, EXPECT_EQ(0, SC("acl add sc user kst-carol publish")));
	snprintf(cmd, sizeof(cmd), "%s topic show sc", sc);
	capture(cmd, out, sizeof(out));
	EXPECT_NE(NULL, strstr(out, "denied ")) TH_LOG("%s", out);
#undef SC
}

/* streamctl topic set and config, end to end. */
TEST_F_TIMEOUT(auth, streamctl_topic_set_and_config, 180)
{
	char out[8192], cmd[512];
	struct kst_topic t;
	const char *why;
	char sc[256];

	why = streamctl_path(sc, sizeof(sc));
	if (why)
		SKIP(return, "%s", why);

	MK("st", 0600, 0, 0);
#define SC(args) (snprintf(cmd, sizeof(cmd), "%s " args " 2>/dev/null", sc), sh(cmd))
	EXPECT_EQ(0, SC("topic set st mode 0640 owner kst-alice group kst-sensors"));
	ASSERT_EQ(0, kst_topic_get(&self->nl, "st", &t));
	EXPECT_EQ(0640, t.mode);
	EXPECT_EQ(ALICE, t.uid);
	EXPECT_EQ(SENSORS, t.gid);
	EXPECT_TRUE(uevent_has("st", "DEVUID=4001"));
	EXPECT_TRUE(uevent_has("st", "DEVGID=4100"));
	EXPECT_EQ(0, SC("topic se st policy block msgmax 512"));	/* "se": set */
	ASSERT_EQ(0, kst_topic_get(&self->nl, "st", &t));
	EXPECT_EQ(KSTREAM_POLICY_BLOCK, t.policy);
	EXPECT_EQ(512, t.msg_max);
	/* -j prints the topic as it is now */
	snprintf(cmd, sizeof(cmd), "%s -j topic set st mode 0660", sc);
	capture(cmd, out, sizeof(out));
	EXPECT_NE(NULL, strstr(out, "\"name\":\"st\"")) TH_LOG("%s", out);
	/* what cannot change is refused before anything is sent */
	EXPECT_EQ(2, SC("topic set st size 1M"));
	snprintf(cmd, sizeof(cmd), "%s topic set st size 1M 2>&1", sc);
	capture(cmd, out, sizeof(out));
	EXPECT_NE(NULL, strstr(out, "topic set st: size cannot change")) TH_LOG("%s", out);
	EXPECT_EQ(2, SC("topic set st"));
	EXPECT_EQ(2, SC("topic set st producers 8"));
	/* refusals name the topic and say why */
	{
		int fd = kst_open("st", O_RDONLY);

		snprintf(cmd, sizeof(cmd), "%s topic set st policy overwrite 2>&1", sc);
		capture(cmd, out, sizeof(out));
		EXPECT_NE(NULL, strstr(out, "streamctl: topic set st: ")) TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, "no fd is open")) TH_LOG("%s", out);
		close(fd);
	}
	EXPECT_EQ(1, SC("topic set nosuch mode 0600"));

	/* config: shows the creator group, root changes it */
	snprintf(cmd, sizeof(cmd), "%s config show", sc);
	capture(cmd, out, sizeof(out));
	EXPECT_NE(NULL, strstr(out, "creator-group kst-creators (4500)")) TH_LOG("%s", out);
	EXPECT_EQ(0, SC("config set creator-group kst-sensors"));
	EXPECT_EQ(SENSORS, creator_param());
	snprintf(cmd, sizeof(cmd), "%s -j config", sc);
	capture(cmd, out, sizeof(out));
	EXPECT_NE(NULL, strstr(out, "\"creator_gid\":4100")) TH_LOG("%s", out);
	EXPECT_EQ(0, SC("config set creator-group none"));
	EXPECT_EQ(-1, creator_param());
	EXPECT_EQ(2, SC("config set creator-group no-such-group-here"));
	AS(&alice, {
		snprintf(cmd, sizeof(cmd), "%s config set creator-group 4001 2>&1", sc);
		capture(cmd, out, sizeof(out));
		EXPECT_NE(NULL, strstr(out, "CAP_SYS_ADMIN")) TH_LOG("%s", out);
		EXPECT_EQ(1, SC("config set creator-group 4001"));
	});
	EXPECT_EQ(-1, creator_param());
#undef SC
}

TEST_HARNESS_MAIN
