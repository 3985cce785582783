// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection: make every allocation the kernel does for an operation
 * fail in turn (fail-nth with failslab and fail_page_alloc), and check
 * that the operation either succeeds or fails with a clean errno, that
 * nothing is left half-done (no topic, no fd, no reader, no half-registered
 * or half-attached eBPF filter behind), and that the module still unloads.
 * kmemleak at the end of the suite (make check-debug) catches what a
 * failure path would leak.  Needs CONFIG_FAULT_INJECTION (the debug
 * kernels); SKIPs elsewhere, and the eBPF test below Linux 6.9.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "ksft_bpf.h"

#define DBG "/sys/kernel/debug"
/*
 * Fault points one operation may have.  Topic creation has the most: on
 * the debug kernel (KASAN, kmemleak, debug objects) each of a topic's ~80
 * sysfs files costs several allocations; about 450 since the latency
 * histogram became one file per bucket.
 */
#define MAX_NTH 1500

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* failslab and fail_page_alloc may fail GFP_KERNEL and order-0 requests. */
static int enable_injection(void)
{
	static const char *const cfg[][2] = {
		{ DBG "/failslab/ignore-gfp-wait", "N" },
		{ DBG "/failslab/verbose", "0" },
		{ DBG "/fail_page_alloc/ignore-gfp-wait", "N" },
		{ DBG "/fail_page_alloc/ignore-gfp-highmem", "N" },
		{ DBG "/fail_page_alloc/min-order", "0" },
		{ DBG "/fail_page_alloc/verbose", "0" },
	};
	unsigned int i;
	int err;

	for (i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++) {
		err = write_file(cfg[i][0], cfg[i][1]);
		if (err)
			return err;
	}
	return 0;
}

/* Arm the n-th fault point of this thread's next system calls. */
static int fail_nth(int n)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", n);
	return write_file("/proc/thread-self/fail-nth", v);
}

/* What fail-nth still counted when the operation disarmed it. */
static int pending;

/*
 * Disarm right after the system call under test, so clean-up calls run
 * without faults; remember whether the armed point was reached (0) or not.
 */
static void disarm(void)
{
	char v[16] = "";
	int fd = open("/proc/thread-self/fail-nth", O_RDONLY);

	pending = 0;
	if (fd >= 0) {
		if (read(fd, v, sizeof(v) - 1) > 0)
			pending = atoi(v);
		close(fd);
	}
	fail_nth(0);
}

/*
 * The helpers return -EIO when netlink itself lost the request or the
 * answer (an skb that could not be allocated; the kernel reports ENOBUFS
 * on the socket): then the request may or may not have taken effect.
 */
static int clean_errno(int err)
{
	return err == -ENOMEM || err == -ENOBUFS || err == -EAGAIN ||
	       err == -EFAULT || err == -EINTR || err == -EIO;
}

/* A topic that exists must be whole: open, publish, read back. */
static int topic_works(const char *name)
{
	char buf[16];
	int fd = kst_open(name, O_RDWR | O_NONBLOCK);
	int ok;

	if (fd < 0)
		return 0;
	ok = write(fd, "probe", 5) == 5 && lseek(fd, -1, SEEK_END) >= 0 &&
	     read(fd, buf, sizeof(buf)) == 5 && !memcmp(buf, "probe", 5);
	close(fd);
	return ok;
}

FIXTURE(fault) {
	struct kst_nl nl;
};

FIXTURE_SETUP(fault)
{
	if (!kst_path_exists("/proc/self/fail-nth") ||
	    !kst_path_exists(DBG "/failslab"))
		SKIP(return, "no fault injection in this kernel (make check-debug has it)");
	ASSERT_EQ(0, enable_injection());
	ASSERT_EQ(0, kst_reset());
	ASSERT_EQ(0, kst_load(NULL));
	ASSERT_EQ(0, kst_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(fault)
{
	if (!self->nl.sk)
		return;
	fail_nth(0);
	kst_delete_all(&self->nl);
	kst_nl_close(&self->nl);
	/* A freed struct_ops map lets go of the module a little later. */
	EXPECT_EQ(0, kst_unload_retry(10000));
}

/*
 * Run @op with its n-th fault point failing, for n = 1, 2, ... until @op
 * runs without reaching the armed point.  @op returns 0 or -errno and
 * cleans up after itself; it must succeed or fail cleanly every time.
 * @setup (0 or -errno) runs before each attempt, without faults.
 */
#define INJECT_AFTER(setup, op, what) do {				\
	int __n, __r, __failures = 0;					\
	for (__n = 1; __n <= MAX_NTH; __n++) {				\
		ASSERT_EQ(0, (setup)) TH_LOG("%s: setup", what);	\
		ASSERT_EQ(0, fail_nth(__n));				\
		__r = (op);						\
		if (pending) {						\
			EXPECT_EQ(0, __r) TH_LOG("%s: %d without a fault", \
						 what, __r);		\
			break;						\
		}							\
		EXPECT_TRUE(__r == 0 || clean_errno(__r))		\
			TH_LOG("%s: fault %d gave %d", what, __n, __r);	\
		__failures += __r != 0;					\
	}								\
	EXPECT_LT(__n, MAX_NTH) TH_LOG("%s: still faulting", what);	\
	TH_LOG("%s: %d fault points, %d failed cleanly", what, __n - 1,	\
	       __failures);						\
} while (0)

#define INJECT(op, what) INJECT_AFTER(0, op, what)

/* A socket that lost a message (-EIO) stays in error: open a new one. */
static int nl_recover(struct kst_nl *nl, int r)
{
	if (r != -EIO)
		return 0;
	kst_nl_close(nl);
	return kst_nl_open(nl) ? -ENOTCONN : 0;
}

/*
 * What is there of topic fi: 1 a whole topic (registered, its node at
 * /dev/stream/fi, publishing), 0 nothing (no topic, no node anywhere),
 * -1 anything in between.
 */
static int topic_state(struct kst_nl *nl)
{
	struct kst_topic t;
	int got = kst_topic_get(nl, "fi", &t);

	/* A node the driver core named after the device would be /dev/fi. */
	if (kst_path_exists("/dev/fi"))
		return -1;
	if (got == -ENOENT)
		return kst_path_exists("/dev/stream/fi") ? -1 : 0;
	return !got && topic_works("fi") ? 1 : -1;
}

/*
 * Create (@create) or delete topic fi.  A success must leave the topic
 * whole (created) or gone (deleted), a failure as it was; only a lost
 * answer (-EIO) may leave either.  Nothing is left afterwards.
 */
static int create_or_delete(struct kst_nl *nl, bool create)
{
	int r = create ? kst_create(nl, "fi", 16384, 0, KSTREAM_POLICY_OVERWRITE) :
			 kst_topic_delete(nl, "fi");
	int state;

	disarm();
	if (nl_recover(nl, r))
		return -ENOTCONN;
	state = topic_state(nl);
	if (state < 0 || (r != -EIO && state != (create == !r)))
		r = -EBADMSG;
	if (state && kst_topic_delete(nl, "fi") && !r)
		r = -EBADMSG;
	return r;
}

TEST_F_TIMEOUT(fault, create_delete, 600)
{
	INJECT(create_or_delete(&self->nl, true), "topic create");
	EXPECT_EQ(0, topic_state(&self->nl));
	INJECT_AFTER(kst_create(&self->nl, "fi", 16384, 0, KSTREAM_POLICY_OVERWRITE),
		     create_or_delete(&self->nl, false), "topic delete");
	EXPECT_EQ(0, topic_state(&self->nl));
}

static int open_rw(void)
{
	int fd = kst_open("fi", O_RDWR | O_NONBLOCK);

	disarm();
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int publish_big(int fd)
{
	static char buf[8192];
	ssize_t n = write(fd, buf, sizeof(buf));

	disarm();
	return n < 0 ? -errno : 0;
}

static int map_ring(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);

	disarm();
	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

static int cursor(int fd)
{
	int cfd = ioctl(fd, KSTREAM_IOC_CURSOR_FD);
	void *p;

	disarm();
	if (cfd < 0)
		return -errno;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
	close(cfd);
	if (p == MAP_FAILED)
		return -errno;
	munmap(p, 4096);
	return 0;
}

TEST_F_TIMEOUT(fault, open_publish_map, 600)
{
	int fd, rfd;

	ASSERT_EQ(0, kst_create(&self->nl, "fi", 65536, 16384, KSTREAM_POLICY_OVERWRITE));
	INJECT(open_rw(), "open");
	EXPECT_EQ(0, kst_stat(&self->nl, "fi", KSTREAM_STAT_READERS));
	EXPECT_EQ(0, kst_stat(&self->nl, "fi", KSTREAM_STAT_WRITERS));

	fd = kst_open("fi", O_WRONLY);
	ASSERT_GE(fd, 0);
	INJECT(publish_big(fd), "publish 8 KiB");
	close(fd);

	rfd = kst_open("fi", O_RDONLY);
	ASSERT_GE(rfd, 0);
	INJECT(map_ring(rfd, 4096 + 2 * 65536), "mmap ring");
	INJECT(cursor(rfd), "cursor fd");
	close(rfd);
	EXPECT_EQ(0, kst_stat(&self->nl, "fi", KSTREAM_STAT_READERS));
}

/*
 * Is topic fi's filter the probe?  As the topic reply says and, when @p is
 * loaded, as the program judging a message shows; the topic must publish
 * either way.  1 attached, 0 not, -1 if these disagree or something failed.
 */
static int probe_attached(struct kst_nl *nl, struct kst_probe *p)
{
	struct probe_rec r0 = { 0 }, r1 = { 0 };
	struct kst_topic t;
	int named;

	if (kst_topic_get(nl, "fi", &t) || (p && kst_probe_read(p, &r0)))
		return -1;
	named = !strcmp(t.filter, "probe");
	if (!named && t.filter[0])
		return -1;
	if (!topic_works("fi") || (p && kst_probe_read(p, &r1)))
		return -1;
	if (p && named != (r1.count > r0.count))
		return -1;
	return named;
}

/*
 * Register the loaded probe (struct_ops map update and link creation;
 * kstream's reg callback adds the filter).  A success must leave the
 * filter listed and working on a topic, a failure no trace of it; either
 * way it is unregistered afterwards, and then must be gone.
 */
static int register_probe(struct kst_nl *nl, struct kst_probe *p)
{
	int r = kst_probe_register(p);
	int listed;

	disarm();
	listed = kst_name_request(nl, KSTREAM_CMD_FILTER_GET, NULL, "probe");
	if (r ? listed != -ENOENT : listed != 0)
		r = -EBADMSG;
	else if (!r && (kst_name_request(nl, KSTREAM_CMD_FILTER_ATTACH, "fi", "probe") ||
			probe_attached(nl, p) != 1))
		r = -EBADMSG;
	kst_probe_close(p);
	if (kst_name_request(nl, KSTREAM_CMD_FILTER_GET, NULL, "probe") != -ENOENT ||
	    probe_attached(nl, NULL) != 0)
		r = -EBADMSG;
	return r;
}

/*
 * Attach (@attach) or detach the probe, which is registered.  A success
 * must leave the topic in the new state, a failure in the old one; only
 * a lost answer (-EIO) may leave either.  Detached afterwards.
 */
static int attach_probe(struct kst_nl *nl, struct kst_probe *p, int attach)
{
	int r = attach ?
		kst_name_request(nl, KSTREAM_CMD_FILTER_ATTACH, "fi", "probe") :
		kst_name_request(nl, KSTREAM_CMD_FILTER_DETACH, "fi", NULL);
	int att;

	disarm();
	if (nl_recover(nl, r))
		return -ENOTCONN;
	att = probe_attached(nl, p);
	if (att < 0 || (r != -EIO && att != (attach == !r)))
		return -EBADMSG;
	if (att && kst_name_request(nl, KSTREAM_CMD_FILTER_DETACH, "fi", NULL))
		return -EBADMSG;
	return r;
}

TEST_F_TIMEOUT(fault, bpf_attach, 1200)
{
	struct kst_probe p = { 0 };

	if (!kst_bpf_supported())
		SKIP(return, "eBPF ingress filters need Linux 6.9+");
	ASSERT_EQ(0, kst_create(&self->nl, "fi", 65536, 0, KSTREAM_POLICY_OVERWRITE));
	/* Loading is BPF's business; registering it with kstream is ours. */
	INJECT_AFTER(kst_probe_open(&p), register_probe(&self->nl, &p),
		     "filter register");

	ASSERT_EQ(0, kst_probe_load(&p));
	INJECT(attach_probe(&self->nl, &p, 1), "filter attach");
	INJECT_AFTER(kst_name_request(&self->nl, KSTREAM_CMD_FILTER_ATTACH, "fi", "probe"),
		     attach_probe(&self->nl, &p, 0), "filter detach");
	/* Still whole: it attaches and judges, and goes away. */
	EXPECT_EQ(0, kst_name_request(&self->nl, KSTREAM_CMD_FILTER_ATTACH, "fi", "probe"));
	EXPECT_EQ(1, probe_attached(&self->nl, &p));
	kst_probe_close(&p);
	EXPECT_EQ(-ENOENT, kst_name_request(&self->nl, KSTREAM_CMD_FILTER_GET, NULL, "probe"));
	EXPECT_EQ(0, kst_stat(&self->nl, "fi", KSTREAM_STAT_DROPPED));
}

TEST_HARNESS_MAIN
