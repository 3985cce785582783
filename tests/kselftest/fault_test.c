// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection: make every allocation the kernel does for an operation
 * fail in turn (fail-nth with failslab and fail_page_alloc), and check
 * that the operation either succeeds or fails with a clean errno, that
 * nothing is left half-done (no topic, no fd, no reader behind), and that
 * the module still unloads.  kmemleak at the end of the suite (make
 * check-debug) catches what a failure path would leak.  Needs
 * CONFIG_FAULT_INJECTION (the debug kernel); SKIPs elsewhere.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "ksft_kstream.h"

#define DBG "/sys/kernel/debug"
#define MAX_NTH 400

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
	EXPECT_EQ(0, kst_unload());
}

/*
 * Run @op with its n-th fault point failing, for n = 1, 2, ... until @op
 * runs without reaching the armed point.  @op returns 0 or -errno and
 * cleans up after itself; it must succeed or fail cleanly every time.
 */
#define INJECT(op, what) do {						\
	int __n, __r, __failures = 0;					\
	for (__n = 1; __n <= MAX_NTH; __n++) {				\
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

static int create_and_delete(struct kst_nl *nl)
{
	int r = kst_create(nl, "fi", 16384, 0, KSTREAM_POLICY_OVERWRITE);

	disarm();
	if (r == -EIO) {
		/* A socket that lost a message stays in error: start afresh. */
		kst_nl_close(nl);
		if (kst_nl_open(nl))
			return -ENOTCONN;
	}
	if (r && kst_path_exists("/dev/stream/fi")) {
		/* Only a lost answer may leave a topic behind, and a whole one. */
		if (r != -EIO || !topic_works("fi"))
			r = -EBADMSG;
		kst_topic_delete(nl, "fi");
		return r;
	}
	if (r)
		return r;
	return topic_works("fi") ? kst_topic_delete(nl, "fi") : -EBADMSG;
}

TEST_F_TIMEOUT(fault, create, 600)
{
	INJECT(create_and_delete(&self->nl), "topic create");
	EXPECT_FALSE(kst_path_exists("/dev/stream/fi"));
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

TEST_HARNESS_MAIN
