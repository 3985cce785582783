// SPDX-License-Identifier: GPL-2.0
/*
 * The data path of /dev/stream/<name>: write/read, records, lseek, fd
 * info, policies (overwrite losses, block back-pressure), poll, deletion
 * of an open topic, io_uring, and concurrent producers and readers.
 *
 * Runs with kstream unloaded; the fixture loads it and creates topics
 * over generic netlink, teardown deletes them and unloads it.
 */
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <liburing.h>

#include "kselftest_harness.h"
#include "ksft_kstream.h"

#define HDR sizeof(struct kstream_msg_hdr)
/* Slack allowed between our clock reads and the kernel's timestamps. */
#define TS_SLACK_NS 20000000ULL

/* ------------------------------------------------------------ fixture */

KST_FIXTURE(dp)

/* ------------------------------------------------------------ helpers */

struct rec {
	struct kstream_msg_hdr h;
	const unsigned char *payload;
};

/*
 * Split a records-mode read of n bytes into out[0..max); returns the
 * count, or -1 if the records do not tile the buffer exactly or a padding
 * byte is not zero.
 */
static int split_records(const unsigned char *buf, size_t n, struct rec *out,
			 int max)
{
	size_t off = 0, k;
	int cnt = 0;

	while (off < n) {
		struct kstream_msg_hdr h;
		size_t sz;

		if (n - off < HDR || cnt >= max)
			return -1;
		memcpy(&h, buf + off, HDR);
		sz = KSTREAM_REC_SIZE(h.len);
		if (sz > n - off)
			return -1;
		for (k = HDR + h.len; k < sz; k++)
			if (buf[off + k])
				return -1;
		out[cnt].h = h;
		out[cnt].payload = buf + off + HDR;
		cnt++;
		off += sz;
	}
	return cnt;
}

/* A thread blocked in one read or write. */
struct bop {
	int fd;
	int is_write;
	void *buf;
	size_t len;
	pid_t tid;
	ssize_t ret;		/* -errno on failure */
	int done;
	sem_t sem;
	pthread_t th;
};

static void *bop_fn(void *arg)
{
	struct bop *b = arg;
	ssize_t r;

	__atomic_store_n(&b->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	r = b->is_write ? write(b->fd, b->buf, b->len) : read(b->fd, b->buf, b->len);
	b->ret = r < 0 ? -errno : r;
	__atomic_store_n(&b->done, 1, __ATOMIC_SEQ_CST);
	sem_post(&b->sem);
	return NULL;
}

/* Start the thread and wait until it sleeps in its call: 0 or -errno. */
static int bop_start(struct bop *b, int fd, int is_write, void *buf, size_t len)
{
	int i;

	memset(b, 0, sizeof(*b));
	b->fd = fd;
	b->is_write = is_write;
	b->buf = buf;
	b->len = len;
	sem_init(&b->sem, 0, 0);
	if (pthread_create(&b->th, NULL, bop_fn, b))
		return -EAGAIN;
	for (i = 0; i < 5000 && !__atomic_load_n(&b->tid, __ATOMIC_SEQ_CST); i++)
		usleep(1000);
	if (!b->tid)
		return -ETIMEDOUT;
	return kst_wait_sleeping(b->tid, 10000);
}

/* Wait up to ms for the call to return: 0 (joined) or -ETIMEDOUT. */
static int bop_wait(struct bop *b, int ms)
{
	struct timespec ts = kst_deadline_ms(ms);

	while (sem_timedwait(&b->sem, &ts))
		if (errno != EINTR)
			return -ETIMEDOUT;
	pthread_join(b->th, NULL);
	return 0;
}

/* ---------------------------------------------------- write and read */

TEST_F(dp, write_read_one)
{
	unsigned char buf[256];
	struct kstream_fd_info info;
	struct rec r[4];
	__u64 t0, t1, t2, t3;
	__u32 flags = 0xdead;
	int rfd, wfd, i;

	KST_MK("one", 0, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("one", O_RDONLY);
	wfd = KST_OPEN("one", O_WRONLY);

	ASSERT_EQ(0, kst_info(rfd, &info));
	EXPECT_EQ(0, info.next_seq);
	EXPECT_EQ(0, info.lost);
	EXPECT_EQ(0, info.head_seq);
	EXPECT_EQ(0, info.tail_seq);
	EXPECT_EQ(0, info.flags);
	EXPECT_EQ(0, info.pad);

	t0 = kst_now_ns(CLOCK_REALTIME);
	ASSERT_EQ(5, kst_wr(wfd, "hello", 5));
	t1 = kst_now_ns(CLOCK_REALTIME);

	/* default mode: one call, one payload */
	EXPECT_EQ(5, kst_fionread(rfd));
	ASSERT_EQ(5, kst_rd(rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_EQ(0, kst_fionread(rfd));
	ASSERT_EQ(0, kst_info(rfd, &info));
	EXPECT_EQ(1, info.next_seq);
	EXPECT_EQ(1, info.head_seq);
	EXPECT_EQ(0, info.tail_seq);

	t2 = kst_now_ns(CLOCK_REALTIME);
	ASSERT_EQ(6, kst_wr(wfd, "world!", 6));
	t3 = kst_now_ns(CLOCK_REALTIME);

	/* records mode: the header tells seq and timestamp */
	ASSERT_EQ(0, kst_set_flags(rfd, KSTREAM_FD_RECORDS));
	ASSERT_EQ(0, ioctl(rfd, KSTREAM_IOC_GET_FLAGS, &flags));
	EXPECT_EQ(KSTREAM_FD_RECORDS, flags);
	ASSERT_EQ(0, kst_info(rfd, &info));
	EXPECT_EQ(KSTREAM_FD_RECORDS, info.flags);

	/* replay both: seq 0 then 1, timestamps within the write calls */
	ASSERT_EQ(0, kst_seek(rfd, 0, SEEK_SET));
	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ((ssize_t)(KSTREAM_REC_SIZE(5) + KSTREAM_REC_SIZE(6)), kst_rd(rfd, buf, sizeof(buf)));
	ASSERT_EQ(2, split_records(buf, KSTREAM_REC_SIZE(5) + KSTREAM_REC_SIZE(6), r, 4));
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(i, r[i].h.seq);
		EXPECT_EQ(0, r[i].h.flags);
	}
	EXPECT_EQ(5, r[0].h.len);
	EXPECT_EQ(0, memcmp(r[0].payload, "hello", 5));
	EXPECT_EQ(6, r[1].h.len);
	EXPECT_EQ(0, memcmp(r[1].payload, "world!", 6));
	EXPECT_LE(t0 - TS_SLACK_NS, r[0].h.ts_ns);
	EXPECT_GE(t1 + TS_SLACK_NS, r[0].h.ts_ns);
	EXPECT_LE(t2 - TS_SLACK_NS, r[1].h.ts_ns);
	EXPECT_GE(t3 + TS_SLACK_NS, r[1].h.ts_ns);
	EXPECT_LE(r[0].h.ts_ns, r[1].h.ts_ns);

	EXPECT_EQ(2, KST_STAT("one", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(11, KST_STAT("one", KSTREAM_STAT_PUBLISHED_BYTES));
	EXPECT_EQ(2, KST_STAT("one", KSTREAM_STAT_HEAD_SEQ));
	EXPECT_EQ(0, KST_STAT("one", KSTREAM_STAT_TAIL_SEQ));
	EXPECT_EQ(0, KST_STAT("one", KSTREAM_STAT_DROPPED));
	EXPECT_EQ(0, KST_STAT("one", KSTREAM_STAT_LOST));
}

TEST_F(dp, stats_counters)
{
	int r1, r2, w, rw;
	unsigned int i;

	KST_MK("st", 65536, 0, KSTREAM_POLICY_OVERWRITE);
	r1 = KST_OPEN("st", O_RDONLY);
	r2 = KST_OPEN("st", O_RDONLY);
	w = KST_OPEN("st", O_WRONLY);
	EXPECT_EQ(2, KST_STAT("st", KSTREAM_STAT_READERS));
	EXPECT_EQ(1, KST_STAT("st", KSTREAM_STAT_WRITERS));
	rw = KST_OPEN("st", O_RDWR);
	EXPECT_EQ(3, KST_STAT("st", KSTREAM_STAT_READERS));
	EXPECT_EQ(2, KST_STAT("st", KSTREAM_STAT_WRITERS));

	for (i = 0; i < 10; i++)
		ASSERT_EQ(40, kst_wr_msg(w, 40, i));
	EXPECT_EQ(10, KST_STAT("st", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(400, KST_STAT("st", KSTREAM_STAT_PUBLISHED_BYTES));
	EXPECT_EQ(10, KST_STAT("st", KSTREAM_STAT_HEAD_SEQ));
	EXPECT_EQ(0, KST_STAT("st", KSTREAM_STAT_TAIL_SEQ));
	EXPECT_EQ(10 * KSTREAM_REC_SIZE(40), KST_STAT("st", KSTREAM_STAT_RING_USED));

	close(r1);
	close(rw);
	EXPECT_EQ(1, KST_STAT("st", KSTREAM_STAT_READERS));
	EXPECT_EQ(1, KST_STAT("st", KSTREAM_STAT_WRITERS));
	close(w);
	close(r2);
	EXPECT_EQ(0, KST_STAT("st", KSTREAM_STAT_READERS));
	EXPECT_EQ(0, KST_STAT("st", KSTREAM_STAT_WRITERS));
	/* the messages stay with the topic */
	EXPECT_EQ(10, KST_STAT("st", KSTREAM_STAT_HEAD_SEQ));
	r1 = KST_OPEN("st", O_RDONLY | O_NONBLOCK);
	EXPECT_EQ(0, kst_seek(r1, 0, SEEK_SET));
	EXPECT_EQ(40, kst_fionread(r1));
}

TEST_F(dp, write_empty_is_einval)
{
	struct iovec iov[2] = { { "x", 0 }, { "y", 0 } };
	char buf[8];
	ssize_t r;
	int rfd, wfd;

	KST_MK("empty", 0, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("empty", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("empty", O_WRONLY);
	EXPECT_EQ(-EINVAL, kst_wr(wfd, "x", 0));
	/* the VFS may answer a zero-length writev itself; never a message */
	r = writev(wfd, iov, 2);
	EXPECT_TRUE(r == 0 || (r < 0 && errno == EINVAL)) TH_LOG("writev of nothing: %zd", r);
	EXPECT_EQ(0, KST_STAT("empty", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(0, KST_STAT("empty", KSTREAM_STAT_HEAD_SEQ));
	EXPECT_EQ(-EAGAIN, kst_rd(rfd, buf, sizeof(buf)));
	/* a one-byte message is fine */
	EXPECT_EQ(1, kst_wr(wfd, "z", 1));
	EXPECT_EQ(1, kst_rd(rfd, buf, sizeof(buf)));
}

TEST_F(dp, write_too_big_is_emsgsize)
{
	static unsigned char big[1 << 17];
	struct iovec iov[3] = { { big, 400 }, { big, 400 }, { big, 400 } };
	unsigned char buf[2048];
	int rfd, wfd;

	KST_MK("big", 4096, 1024, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("big", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("big", O_WRONLY);
	EXPECT_EQ(-EMSGSIZE, kst_wr(wfd, big, 1025));
	EXPECT_EQ(-EMSGSIZE, kst_wr(wfd, big, sizeof(big)));
	EXPECT_EQ(-1, writev(wfd, iov, 3));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(0, KST_STAT("big", KSTREAM_STAT_HEAD_SEQ));
	EXPECT_EQ(-EAGAIN, kst_rd(rfd, buf, sizeof(buf)));

	/* exactly msg_max is allowed */
	ASSERT_EQ(1024, kst_wr_msg(wfd, 1024, 7));
	ASSERT_EQ(1024, kst_rd(rfd, buf, sizeof(buf)));
	EXPECT_TRUE(kst_check_fill(buf, 1024, 7));
	EXPECT_EQ(1, KST_STAT("big", KSTREAM_STAT_PUBLISHED));
}

TEST_F(dp, write_fault_commits_nothing)
{
	char ok[16] = "0123456789abcdef", buf[64];
	/* an address the kernel cannot read from */
	void *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct iovec iov[2] = { { ok, 10 }, { bad, 10 } };
	int rfd, wfd;

	ASSERT_NE(MAP_FAILED, bad);

	KST_MK("fault", 0, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("fault", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("fault", O_WRONLY);
	EXPECT_EQ(-EFAULT, kst_wr(wfd, bad, 16));
	/* the first iovec is fine, the second is not: all or nothing */
	EXPECT_EQ(-1, writev(wfd, iov, 2));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, KST_STAT("fault", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(0, KST_STAT("fault", KSTREAM_STAT_HEAD_SEQ));
	EXPECT_EQ(-EAGAIN, kst_rd(rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, kst_fionread(rfd));

	ASSERT_EQ(10, kst_wr(wfd, ok, 10));
	ASSERT_EQ(10, kst_rd(rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, ok, 10));
	ASSERT_EQ(0, kst_seek(rfd, 0, SEEK_CUR) - 1) TH_LOG("the good message is not seq 0");
}

TEST_F(dp, writev_is_one_message)
{
	char a[] = "abc", c[] = "defgh", d[] = "ij", buf[64];
	struct iovec iov[4] = { { a, 3 }, { a, 0 }, { c, 5 }, { d, 2 } };
	struct rec r[2];
	int rfd, wfd;

	KST_MK("vec", 0, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("vec", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("vec", O_WRONLY);
	ASSERT_EQ(10, writev(wfd, iov, 4));
	EXPECT_EQ(1, KST_STAT("vec", KSTREAM_STAT_HEAD_SEQ));
	EXPECT_EQ(10, kst_fionread(rfd));
	ASSERT_EQ(0, kst_set_flags(rfd, KSTREAM_FD_RECORDS));
	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ((ssize_t)KSTREAM_REC_SIZE(10), kst_rd(rfd, buf, sizeof(buf)));
	ASSERT_EQ(1, split_records((unsigned char *)buf, KSTREAM_REC_SIZE(10), r, 2));
	EXPECT_EQ(10, r[0].h.len);
	EXPECT_EQ(0, r[0].h.seq);
	EXPECT_EQ(0, memcmp(r[0].payload, "abcdefghij", 10));
	EXPECT_EQ(-EAGAIN, kst_rd(rfd, buf, sizeof(buf)));
}

TEST_F(dp, read_small_buffer)
{
	unsigned char buf[256];
	struct kstream_fd_info info;
	int rfd, wfd;

	KST_MK("small", 0, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("small", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("small", O_WRONLY);
	EXPECT_EQ(0, kst_fionread(rfd));
	EXPECT_EQ(-EAGAIN, kst_rd(rfd, buf, sizeof(buf)));

	ASSERT_EQ(100, kst_wr_msg(wfd, 100, 1));
	ASSERT_EQ(50, kst_wr_msg(wfd, 50, 2));
	EXPECT_EQ(100, kst_fionread(rfd));
	EXPECT_EQ(-EMSGSIZE, kst_rd(rfd, buf, 99));
	EXPECT_EQ(-EMSGSIZE, kst_rd(rfd, buf, 1));
	/* still unread */
	EXPECT_EQ(100, kst_fionread(rfd));
	ASSERT_EQ(0, kst_info(rfd, &info));
	EXPECT_EQ(0, info.next_seq);
	ASSERT_EQ(100, kst_rd(rfd, buf, 100));
	EXPECT_TRUE(kst_check_fill(buf, 100, 1));
	EXPECT_EQ(50, kst_fionread(rfd));
	ASSERT_EQ(50, kst_rd(rfd, buf, sizeof(buf)));
	EXPECT_TRUE(kst_check_fill(buf, 50, 2));
	EXPECT_EQ(0, kst_fionread(rfd));

	/* records mode: EMSGSIZE when not even one record fits */
	ASSERT_EQ(0, kst_set_flags(rfd, KSTREAM_FD_RECORDS));
	ASSERT_EQ(100, kst_wr_msg(wfd, 100, 3));
	EXPECT_EQ(-EMSGSIZE, kst_rd(rfd, buf, HDR));
	EXPECT_EQ(-EMSGSIZE, kst_rd(rfd, buf, HDR + 99));
	EXPECT_EQ(100, kst_fionread(rfd));
	ASSERT_EQ((ssize_t)KSTREAM_REC_SIZE(100), kst_rd(rfd, buf, KSTREAM_REC_SIZE(100)));
	EXPECT_EQ(2, ((struct kstream_msg_hdr *)buf)->seq);
	EXPECT_TRUE(kst_check_fill(buf + HDR, 100, 3));
}

TEST_F(dp, fanout_three_readers)
{
	unsigned char buf[512];
	int rfd[3], wfd, i, k;

	KST_MK("fan", 0, 0, KSTREAM_POLICY_OVERWRITE);
	for (k = 0; k < 3; k++)
		rfd[k] = KST_OPEN("fan", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("fan", O_WRONLY);
	EXPECT_EQ(3, KST_STAT("fan", KSTREAM_STAT_READERS));
	for (i = 0; i < 20; i++)
		ASSERT_EQ(10 + i * 13, kst_wr_msg(wfd, 10 + i * 13, i));
	for (k = 0; k < 3; k++) {
		for (i = 0; i < 20; i++) {
			ASSERT_EQ(10 + i * 13, kst_rd(rfd[k], buf, sizeof(buf))) TH_LOG("reader %d msg %d", k, i);
			EXPECT_TRUE(kst_check_fill(buf, 10 + i * 13, i));
			EXPECT_EQ(i + 1, kst_seek(rfd[k], 0, SEEK_CUR));
		}
		EXPECT_EQ(-EAGAIN, kst_rd(rfd[k], buf, sizeof(buf)));
	}
}

TEST_F(dp, new_reader_starts_at_live_end)
{
	unsigned char buf[64];
	struct kstream_fd_info info;
	int rfd, wfd, i;

	KST_MK("live", 0, 0, KSTREAM_POLICY_OVERWRITE);
	wfd = KST_OPEN("live", O_WRONLY);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(20, kst_wr_msg(wfd, 20, i));
	rfd = KST_OPEN("live", O_RDONLY | O_NONBLOCK);
	ASSERT_EQ(0, kst_info(rfd, &info));
	EXPECT_EQ(3, info.next_seq);
	EXPECT_EQ(3, info.head_seq);
	EXPECT_EQ(0, info.tail_seq);
	EXPECT_EQ(0, info.lost);
	EXPECT_EQ(-EAGAIN, kst_rd(rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, kst_fionread(rfd));
	EXPECT_EQ(0, kst_poll(rfd, POLLIN, 0));

	ASSERT_EQ(21, kst_wr_msg(wfd, 21, 3));
	ASSERT_EQ(21, kst_rd(rfd, buf, sizeof(buf)));
	EXPECT_TRUE(kst_check_fill(buf, 21, 3));
	EXPECT_EQ(4, kst_seek(rfd, 0, SEEK_CUR));
}

/* -------------------------------------------------------------- lseek */

/* Read one payload-mode message and return its index (from fill) or -1. */
static int rd_index(int fd, size_t len, unsigned int first, unsigned int last)
{
	unsigned char buf[4096];
	unsigned int i;

	if (kst_rd(fd, buf, sizeof(buf)) != (ssize_t)len)
		return -1;
	for (i = first; i <= last; i++)
		if (kst_check_fill(buf, len, i))
			return i;
	return -1;
}

TEST_F(dp, lseek)
{
	unsigned char buf[64];
	int rfd, wfd, i;

	KST_MK("seek", 65536, 0, KSTREAM_POLICY_OVERWRITE);
	wfd = KST_OPEN("seek", O_WRONLY);
	for (i = 0; i < 10; i++)
		ASSERT_EQ(32, kst_wr_msg(wfd, 32, i));
	rfd = KST_OPEN("seek", O_RDONLY | O_NONBLOCK);

	EXPECT_EQ(10, kst_seek(rfd, 0, SEEK_CUR));
	/* SEEK_SET replays from seq */
	EXPECT_EQ(3, kst_seek(rfd, 3, SEEK_SET));
	EXPECT_EQ(3, kst_seek(rfd, 0, SEEK_CUR));
	EXPECT_EQ(3, rd_index(rfd, 32, 0, 9));
	EXPECT_EQ(4, kst_seek(rfd, 0, SEEK_CUR));
	/* SEEK_CUR moves relative to the cursor */
	EXPECT_EQ(2, kst_seek(rfd, -2, SEEK_CUR));
	EXPECT_EQ(2, rd_index(rfd, 32, 0, 9));
	EXPECT_EQ(6, kst_seek(rfd, 3, SEEK_CUR));
	EXPECT_EQ(6, rd_index(rfd, 32, 0, 9));
	/* SEEK_END: the live end */
	EXPECT_EQ(10, kst_seek(rfd, 0, SEEK_END));
	EXPECT_EQ(-EAGAIN, kst_rd(rfd, buf, sizeof(buf)));
	/* SEEK_END -n replays the last n */
	EXPECT_EQ(7, kst_seek(rfd, -3, SEEK_END));
	EXPECT_EQ(7, rd_index(rfd, 32, 0, 9));
	EXPECT_EQ(8, rd_index(rfd, 32, 0, 9));
	EXPECT_EQ(9, rd_index(rfd, 32, 0, 9));
	EXPECT_EQ(-EAGAIN, kst_rd(rfd, buf, sizeof(buf)));
	/* SEEK_SET 0: the oldest retained (nothing evicted yet) */
	EXPECT_EQ(0, kst_seek(rfd, 0, SEEK_SET));
	EXPECT_EQ(0, rd_index(rfd, 32, 0, 9));
	/* the live end itself is a valid position, beyond it is not */
	EXPECT_EQ(10, kst_seek(rfd, 10, SEEK_SET));
	EXPECT_EQ(-EINVAL, kst_seek(rfd, 11, SEEK_SET));
	EXPECT_EQ(-EINVAL, kst_seek(rfd, 1LL << 40, SEEK_SET));
	EXPECT_EQ(10, kst_seek(rfd, 0, SEEK_CUR)) TH_LOG("a failed seek moved the cursor");
	/* new messages are read from there */
	ASSERT_EQ(32, kst_wr_msg(wfd, 32, 10));
	EXPECT_EQ(10, rd_index(rfd, 32, 0, 10));
}

TEST_F(dp, lseek_after_eviction)
{
	struct kstream_fd_info info;
	__u64 tail;
	int rfd, wfd, i;

	KST_MK("evict", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	wfd = KST_OPEN("evict", O_WRONLY);
	for (i = 0; i < 100; i++)
		ASSERT_EQ(100, kst_wr_msg(wfd, 100, i));
	tail = KST_STAT("evict", KSTREAM_STAT_TAIL_SEQ);
	EXPECT_EQ(100, KST_STAT("evict", KSTREAM_STAT_HEAD_SEQ));
	/* 4 KiB cannot hold 100 records of 128 bytes */
	ASSERT_LE(100 - 4096 / KSTREAM_REC_SIZE(100), tail);
	ASSERT_GT(100, tail);
	EXPECT_EQ((100 - tail) * KSTREAM_REC_SIZE(100), KST_STAT("evict", KSTREAM_STAT_RING_USED));

	rfd = KST_OPEN("evict", O_RDONLY | O_NONBLOCK);
	ASSERT_EQ(0, kst_info(rfd, &info));
	EXPECT_EQ(tail, info.tail_seq);
	EXPECT_EQ(100, info.head_seq);
	/* SEEK_SET 0 and any evicted seq land on the oldest retained */
	EXPECT_EQ((off_t)tail, kst_seek(rfd, 0, SEEK_SET));
	EXPECT_EQ((int)tail, rd_index(rfd, 100, 0, 99));
	EXPECT_EQ((off_t)tail, kst_seek(rfd, tail - 1, SEEK_SET));
	EXPECT_EQ((int)tail, rd_index(rfd, 100, 0, 99));
	/* a seek is not a loss */
	ASSERT_EQ(0, kst_info(rfd, &info));
	EXPECT_EQ(0, info.lost);
	EXPECT_EQ(99, kst_seek(rfd, -1, SEEK_END));
	EXPECT_EQ(99, rd_index(rfd, 100, 0, 99));
}

/* ------------------------------------------------------------ records */

TEST_F(dp, records_mode)
{
	static const __u32 lens[] = { 1, 7, 8, 9, 100, 16 };
	unsigned char buf[1024];
	struct rec r[8];
	__u32 flags = 0xdead;
	size_t three;
	unsigned int i;
	int rfd, wfd, n, k;

	KST_MK("rec", 0, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("rec", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("rec", O_WRONLY);

	/* flags */
	ASSERT_EQ(0, ioctl(rfd, KSTREAM_IOC_GET_FLAGS, &flags));
	EXPECT_EQ(0, flags);
	EXPECT_EQ(-EINVAL, kst_set_flags(rfd, KSTREAM_FD_FLAGS_ALL + 1));
	EXPECT_EQ(-EINVAL, kst_set_flags(rfd, ~0U));
	EXPECT_EQ(-EINVAL, kst_set_flags(rfd, KSTREAM_FD_RECORDS | (1U << 31)));
	ASSERT_EQ(0, ioctl(rfd, KSTREAM_IOC_GET_FLAGS, &flags));
	EXPECT_EQ(0, flags) TH_LOG("a rejected SET_FLAGS changed the flags");
	ASSERT_EQ(0, kst_set_flags(rfd, KSTREAM_FD_RECORDS));
	ASSERT_EQ(0, ioctl(rfd, KSTREAM_IOC_GET_FLAGS, &flags));
	EXPECT_EQ(KSTREAM_FD_RECORDS, flags);

	for (i = 0; i < 6; i++)
		ASSERT_EQ((ssize_t)lens[i], kst_wr_msg(wfd, lens[i], i));

	/* room for three records and most of a fourth: exactly three */
	three = KSTREAM_REC_SIZE(1) + KSTREAM_REC_SIZE(7) + KSTREAM_REC_SIZE(8);
	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ((ssize_t)three, kst_rd(rfd, buf, three + KSTREAM_REC_SIZE(9) - 1));
	n = split_records(buf, three, r, 8);
	ASSERT_EQ(3, n) TH_LOG("records do not tile the read, or non-zero padding");
	for (k = 0; k < 3; k++) {
		EXPECT_EQ(k, r[k].h.seq);
		EXPECT_EQ(lens[k], r[k].h.len);
		EXPECT_EQ(0, r[k].h.flags);
		EXPECT_TRUE(kst_check_fill(r[k].payload, lens[k], k));
	}

	/* the next record does not fit at all */
	EXPECT_EQ(-EMSGSIZE, kst_rd(rfd, buf, HDR));
	EXPECT_EQ(-EMSGSIZE, kst_rd(rfd, buf, KSTREAM_REC_SIZE(9) - 8));
	EXPECT_EQ(9, kst_fionread(rfd));

	/* the rest in one call */
	memset(buf, 0xff, sizeof(buf));
	n = kst_rd(rfd, buf, sizeof(buf));
	ASSERT_EQ((ssize_t)(KSTREAM_REC_SIZE(9) + KSTREAM_REC_SIZE(100) + KSTREAM_REC_SIZE(16)), n);
	ASSERT_EQ(3, split_records(buf, n, r, 8));
	for (k = 0; k < 3; k++) {
		EXPECT_EQ(3 + k, r[k].h.seq);
		EXPECT_EQ(lens[3 + k], r[k].h.len);
		EXPECT_TRUE(kst_check_fill(r[k].payload, lens[3 + k], 3 + k));
	}
	EXPECT_EQ(-EAGAIN, kst_rd(rfd, buf, sizeof(buf)));

	/* back to payload mode */
	ASSERT_EQ(0, kst_set_flags(rfd, 0));
	ASSERT_EQ(33, kst_wr_msg(wfd, 33, 6));
	ASSERT_EQ(33, kst_rd(rfd, buf, sizeof(buf)));
	EXPECT_TRUE(kst_check_fill(buf, 33, 6));
}

/* ----------------------------------------------------------- policies */

TEST_F(dp, overwrite_losses_are_counted)
{
	unsigned char buf[256];
	struct kstream_fd_info info;
	__u64 first = 0, expect, tail;
	int slow, fast, wfd, n, i, got = 0;

	KST_MK("ow", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	wfd = KST_OPEN("ow", O_WRONLY | O_NONBLOCK);
	/* evicted before any reader: nobody loses them */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(100, kst_wr_msg(wfd, 100, i));
	slow = KST_OPEN("ow", O_RDONLY | O_NONBLOCK);
	fast = KST_OPEN("ow", O_RDONLY | O_NONBLOCK);

	/* the fast reader keeps up, the slow one does not read */
	for (i = 3; i < 203; i++) {
		ASSERT_EQ(100, kst_wr_msg(wfd, 100, i)) TH_LOG("overwrite writer failed at %d", i);
		ASSERT_EQ(100, kst_rd(fast, buf, sizeof(buf)));
		ASSERT_TRUE(kst_check_fill(buf, 100, i));
	}
	EXPECT_EQ(203, KST_STAT("ow", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(203 * 100, KST_STAT("ow", KSTREAM_STAT_PUBLISHED_BYTES));
	tail = KST_STAT("ow", KSTREAM_STAT_TAIL_SEQ);
	ASSERT_LT(3, tail);

	/* the slow reader resumes at the oldest retained, with a gap */
	ASSERT_EQ(0, kst_set_flags(slow, KSTREAM_FD_RECORDS));
	expect = 3;
	for (;;) {
		struct kstream_msg_hdr *h = (void *)buf;

		n = kst_rd(slow, buf, KSTREAM_REC_SIZE(100));
		if (n == -EAGAIN)
			break;
		ASSERT_EQ((ssize_t)KSTREAM_REC_SIZE(100), n);
		if (!got++)
			first = h->seq;
		else
			ASSERT_EQ(expect, h->seq) TH_LOG("a second gap");
		ASSERT_LE(expect, h->seq);
		ASSERT_TRUE(kst_check_fill(buf + HDR, 100, h->seq));
		expect = h->seq + 1;
	}
	EXPECT_EQ(203, expect);
	EXPECT_EQ(tail, first);
	ASSERT_EQ(0, kst_info(slow, &info));
	EXPECT_EQ(first - 3, info.lost) TH_LOG("gap %llu", (unsigned long long)(first - 3));
	EXPECT_EQ(203, info.next_seq);
	ASSERT_EQ(0, kst_info(fast, &info));
	EXPECT_EQ(0, info.lost);
	/* the topic: exactly the slow reader's loss */
	EXPECT_EQ(first - 3, KST_STAT("ow", KSTREAM_STAT_LOST));
	EXPECT_EQ(203, KST_STAT("ow", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(0, KST_STAT("ow", KSTREAM_STAT_DROPPED));
}

TEST_F(dp, block_full_is_eagain)
{
	unsigned char buf[256];
	unsigned int next = 0;
	int r1, r2, wfd, n, i;

	KST_MK("blk", 4096, 0, KSTREAM_POLICY_BLOCK);
	r1 = KST_OPEN("blk", O_RDONLY | O_NONBLOCK);
	r2 = KST_OPEN("blk", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("blk", O_WRONLY | O_NONBLOCK);

	n = kst_fill_until_eagain(wfd, 100, &next);
	ASSERT_LE(2, n);
	ASSERT_GE(4096 / KSTREAM_REC_SIZE(100), n) TH_LOG("the ring held more than its size");
	EXPECT_EQ(n, KST_STAT("blk", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(n, KST_STAT("blk", KSTREAM_STAT_HEAD_SEQ));
	EXPECT_EQ(0, KST_STAT("blk", KSTREAM_STAT_TAIL_SEQ));
	EXPECT_EQ(0, KST_STAT("blk", KSTREAM_STAT_LOST));
	EXPECT_EQ(-EAGAIN, kst_wr_msg(wfd, 1, 999));

	/* one reader catching up is not enough while the other has not read */
	for (i = 0; i < n; i++) {
		ASSERT_EQ(100, kst_rd(r1, buf, sizeof(buf)));
		EXPECT_TRUE(kst_check_fill(buf, 100, i));
	}
	EXPECT_EQ(-EAGAIN, kst_wr_msg(wfd, 100, next));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(100, kst_rd(r2, buf, sizeof(buf)));
		EXPECT_TRUE(kst_check_fill(buf, 100, i));
		EXPECT_EQ(i + 1, kst_seek(r2, 0, SEEK_CUR));
	}
	/* now there is room again, and nothing was lost */
	ASSERT_EQ(100, kst_wr_msg(wfd, 100, next));
	ASSERT_EQ(100, kst_rd(r1, buf, sizeof(buf)));
	EXPECT_TRUE(kst_check_fill(buf, 100, next));
	EXPECT_EQ(n + 1, kst_seek(r1, 0, SEEK_CUR));
	EXPECT_EQ(0, KST_STAT("blk", KSTREAM_STAT_LOST));
	EXPECT_EQ(n + 1, KST_STAT("blk", KSTREAM_STAT_PUBLISHED));
}

TEST_F(dp, block_only_unread_messages_block)
{
	unsigned int next = 0;
	int rfd, wfd, i, n;

	KST_MK("blk2", 4096, 0, KSTREAM_POLICY_BLOCK);
	wfd = KST_OPEN("blk2", O_WRONLY | O_NONBLOCK);
	/* no reader fd: nothing is unread, the ring just wraps */
	for (i = 0; i < 200; i++)
		ASSERT_EQ(100, kst_wr_msg(wfd, 100, next++)) TH_LOG("write %d without readers", i);
	EXPECT_EQ(200, KST_STAT("blk2", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(0, KST_STAT("blk2", KSTREAM_STAT_LOST));

	/* a reader that does not read blocks the writer ... */
	rfd = KST_OPEN("blk2", O_RDONLY);
	n = kst_fill_until_eagain(wfd, 100, &next);
	ASSERT_LE(2, n);
	/* ... until it goes away */
	close(rfd);
	EXPECT_EQ(100, kst_wr_msg(wfd, 100, next++));
	EXPECT_EQ(0, KST_STAT("blk2", KSTREAM_STAT_LOST));
}

TEST_F(dp, block_writer_waits_for_reader)
{
	unsigned char buf[256], msg[100];
	struct bop b;
	unsigned int next = 0;
	int rfd, wnb, wb, n, i;

	KST_MK("bw", 4096, 0, KSTREAM_POLICY_BLOCK);
	rfd = KST_OPEN("bw", O_RDONLY | O_NONBLOCK);
	wnb = KST_OPEN("bw", O_WRONLY | O_NONBLOCK);
	wb = KST_OPEN("bw", O_WRONLY);
	n = kst_fill_until_eagain(wnb, 100, &next);
	ASSERT_LE(2, n);

	kst_fill(msg, sizeof(msg), 5000);
	ASSERT_EQ(0, bop_start(&b, wb, 1, msg, sizeof(msg)));
	/* asleep in write(2), and it must stay there until we read */
	EXPECT_EQ(0, __atomic_load_n(&b.done, __ATOMIC_SEQ_CST))
		TH_LOG("blocking write returned %zd on a full ring", b.ret);
	EXPECT_EQ(n, KST_STAT("bw", KSTREAM_STAT_PUBLISHED));

	for (i = 0; i < n; i++) {
		ASSERT_EQ(100, kst_rd(rfd, buf, sizeof(buf)));
		EXPECT_TRUE(kst_check_fill(buf, 100, i));
	}
	ASSERT_EQ(0, bop_wait(&b, 10000)) TH_LOG("the writer did not wake up");
	EXPECT_EQ(100, b.ret);
	/* its message follows, with the next seq: nothing lost */
	EXPECT_TRUE(kst_poll(rfd, POLLIN, 0) & POLLIN);
	ASSERT_EQ(100, kst_rd(rfd, buf, sizeof(buf)));
	EXPECT_TRUE(kst_check_fill(buf, 100, 5000));
	EXPECT_EQ(n + 1, kst_seek(rfd, 0, SEEK_CUR));
	EXPECT_EQ(0, KST_STAT("bw", KSTREAM_STAT_LOST));
	EXPECT_EQ(n + 1, KST_STAT("bw", KSTREAM_STAT_PUBLISHED));
}

static void on_usr1(int sig)
{
	(void)sig;
}

TEST_F(dp, block_writer_interrupted)
{
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	unsigned char buf[256], msg[100];
	struct bop b;
	unsigned int next = 0;
	int rfd, wnb, wb, n, i, joined = -1;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	KST_MK("bi", 4096, 0, KSTREAM_POLICY_BLOCK);
	rfd = KST_OPEN("bi", O_RDONLY | O_NONBLOCK);
	wnb = KST_OPEN("bi", O_WRONLY | O_NONBLOCK);
	wb = KST_OPEN("bi", O_WRONLY);
	n = kst_fill_until_eagain(wnb, 100, &next);
	ASSERT_LE(2, n);

	kst_fill(msg, sizeof(msg), 6000);
	ASSERT_EQ(0, bop_start(&b, wb, 1, msg, sizeof(msg)));
	/* a signal that lands before the call is harmless: send until it returns */
	for (i = 0; i < 250 && joined; i++) {
		pthread_kill(b.th, SIGUSR1);
		joined = bop_wait(&b, 20);
	}
	ASSERT_EQ(0, joined) TH_LOG("a signal did not interrupt the blocked writer");
	EXPECT_EQ(-EINTR, b.ret);
	/* nothing was committed */
	EXPECT_EQ(n, KST_STAT("bi", KSTREAM_STAT_PUBLISHED));
	for (i = 0; i < n; i++)
		ASSERT_EQ(100, kst_rd(rfd, buf, sizeof(buf)));
	EXPECT_EQ(-EAGAIN, kst_rd(rfd, buf, sizeof(buf)));
}

/* --------------------------------------------------------------- poll */

struct waker {
	pid_t main_tid;
	int fd;
	int err;
};

static void *write_when_asleep(void *arg)
{
	struct waker *w = arg;

	w->err = kst_wait_sleeping(w->main_tid, 10000);
	if (!w->err && kst_wr(w->fd, "wake", 4) != 4)
		w->err = -EIO;
	return NULL;
}

TEST_F(dp, poll_in)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct waker wk;
	pthread_t th;
	char buf[16];
	int rfd, wfd, ep, r;

	KST_MK("pin", 0, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("pin", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("pin", O_WRONLY);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, rfd, &ev));

	EXPECT_EQ(0, kst_poll(rfd, POLLIN, 0) & (POLLIN | POLLHUP | POLLERR));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	ASSERT_EQ(3, kst_wr(wfd, "abc", 3));
	EXPECT_EQ(POLLIN, kst_poll(rfd, POLLIN, 0) & (POLLIN | POLLHUP | POLLERR));
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, 0));
	ASSERT_EQ(3, kst_rd(rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, kst_poll(rfd, POLLIN, 0) & POLLIN);
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));

	/* a sleeping poller is woken by a write */
	wk.main_tid = (pid_t)syscall(SYS_gettid);
	wk.fd = wfd;
	wk.err = 0;
	ASSERT_EQ(0, pthread_create(&th, NULL, write_when_asleep, &wk));
	r = kst_poll(rfd, POLLIN, 15000);
	pthread_join(th, NULL);
	ASSERT_EQ(0, wk.err);
	EXPECT_EQ(POLLIN, r & (POLLIN | POLLHUP | POLLERR)) TH_LOG("revents %#x", r);
	EXPECT_EQ(4, kst_rd(rfd, buf, sizeof(buf)));

	/* epoll too */
	ASSERT_EQ(0, pthread_create(&th, NULL, write_when_asleep, &wk));
	r = epoll_wait(ep, &out, 1, 15000);
	pthread_join(th, NULL);
	ASSERT_EQ(0, wk.err);
	EXPECT_EQ(1, r);
	EXPECT_TRUE(out.events & EPOLLIN);
}

TEST_F(dp, poll_out_overwrite_always)
{
	int rfd, wfd, i;

	KST_MK("pow", 4096, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("pow", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("pow", O_WRONLY | O_NONBLOCK);
	EXPECT_EQ(POLLOUT, kst_poll(wfd, POLLOUT, 0) & (POLLOUT | POLLHUP | POLLERR));
	/* far more than the ring holds, nobody reading */
	for (i = 0; i < 100; i++)
		ASSERT_EQ(1024, kst_wr_msg(wfd, 1024, i));
	EXPECT_EQ(POLLOUT, kst_poll(wfd, POLLOUT, 0) & (POLLOUT | POLLHUP | POLLERR));
	EXPECT_EQ(POLLIN, kst_poll(rfd, POLLIN, 0) & (POLLIN | POLLHUP | POLLERR));
}

struct poller {
	int fd;
	short events;
	pid_t tid;
	int revents;
};

static void *poll_thread(void *arg)
{
	struct poller *p = arg;

	__atomic_store_n(&p->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	p->revents = kst_poll(p->fd, p->events, 15000);
	return NULL;
}

TEST_F(dp, poll_out_block_needs_room)
{
	unsigned char buf[2048];
	struct poller p = { 0 };
	pthread_t th;
	unsigned int next = 0;
	int rfd, wfd, n, i;

	KST_MK("pob", 4096, 1024, KSTREAM_POLICY_BLOCK);
	rfd = KST_OPEN("pob", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("pob", O_WRONLY | O_NONBLOCK);
	EXPECT_EQ(POLLOUT, kst_poll(wfd, POLLOUT, 0) & POLLOUT);

	/* full: not even a small message fits, so a msg_max one cannot */
	n = kst_fill_until_eagain(wfd, 64, &next);
	ASSERT_LE(2, n);
	EXPECT_EQ(0, kst_poll(wfd, POLLOUT, 0) & POLLOUT);

	/* a poller sleeping for room is woken when the reader drains */
	p.fd = wfd;
	p.events = POLLOUT;
	ASSERT_EQ(0, pthread_create(&th, NULL, poll_thread, &p));
	for (i = 0; i < 5000 && !__atomic_load_n(&p.tid, __ATOMIC_SEQ_CST); i++)
		usleep(1000);
	ASSERT_EQ(0, kst_wait_sleeping(p.tid, 10000));
	for (i = 0; i < n; i++)
		ASSERT_EQ(64, kst_rd(rfd, buf, sizeof(buf)));
	pthread_join(th, NULL);
	EXPECT_EQ(POLLOUT, p.revents & (POLLOUT | POLLHUP | POLLERR)) TH_LOG("revents %#x", p.revents);
	EXPECT_EQ(POLLOUT, kst_poll(wfd, POLLOUT, 0) & POLLOUT);
	/* and a msg_max write indeed does not block */
	EXPECT_EQ(1024, kst_wr_msg(wfd, 1024, next));
}

/* ------------------------------------------------ delete while open */

TEST_F(dp, delete_while_open)
{
	unsigned char buf[256], tbuf[256];
	struct kst_topic got;
	struct bop b;
	int r1, r2, wfd, nfd, r;

	KST_MK("del", 0, 0, KSTREAM_POLICY_OVERWRITE);
	r1 = KST_OPEN("del", O_RDONLY | O_NONBLOCK);
	r2 = KST_OPEN("del", O_RDONLY);
	wfd = KST_OPEN("del", O_WRONLY);
	ASSERT_EQ(10, kst_wr_msg(wfd, 10, 0));
	ASSERT_EQ(11, kst_wr_msg(wfd, 11, 1));
	ASSERT_EQ(10, kst_rd(r2, buf, sizeof(buf)));
	ASSERT_EQ(11, kst_rd(r2, buf, sizeof(buf)));

	/* r2 has read everything: a thread blocks in read(2) on it */
	ASSERT_EQ(0, bop_start(&b, r2, 0, tbuf, sizeof(tbuf)));
	ASSERT_EQ(0, __atomic_load_n(&b.done, __ATOMIC_SEQ_CST));

	ASSERT_EQ(0, kst_topic_delete(&self->nl, "del")) TH_LOG("%s", self->nl.extack);
	/* the node goes at once, the name with it */
	EXPECT_FALSE(kst_path_exists(KST_DEV_DIR "/del"));
	EXPECT_EQ(-ENOENT, kst_topic_get(&self->nl, "del", &got));
	EXPECT_EQ(-ENOENT, kst_open("del", O_RDONLY));

	/* the blocked reader wakes up at end of file */
	ASSERT_EQ(0, bop_wait(&b, 10000)) TH_LOG("blocked reader not woken by delete");
	EXPECT_EQ(0, b.ret);

	/* r1 drains what is left, then reads 0 */
	r = kst_poll(r1, POLLIN, 0);
	EXPECT_TRUE(r & POLLHUP) TH_LOG("revents %#x", r);
	EXPECT_TRUE(r & POLLIN) TH_LOG("revents %#x", r);
	EXPECT_EQ(10, kst_rd(r1, buf, sizeof(buf)));
	EXPECT_TRUE(kst_check_fill(buf, 10, 0));
	EXPECT_EQ(11, kst_rd(r1, buf, sizeof(buf)));
	EXPECT_TRUE(kst_check_fill(buf, 11, 1));
	EXPECT_EQ(0, kst_rd(r1, buf, sizeof(buf)));
	EXPECT_EQ(0, kst_rd(r1, buf, sizeof(buf)));
	r = kst_poll(r1, POLLIN, 0);
	EXPECT_EQ(POLLIN | POLLHUP, r & (POLLIN | POLLHUP)) TH_LOG("revents %#x", r);
	EXPECT_EQ(0, kst_rd(r2, buf, sizeof(buf)));

	/* the writer is told the topic is gone */
	EXPECT_EQ(-ENODEV, kst_wr(wfd, "late", 4));
	r = kst_poll(wfd, POLLOUT, 0);
	EXPECT_TRUE(r & POLLHUP) TH_LOG("revents %#x", r);

	/* a new topic of the same name is a different topic */
	KST_MK("del", 0, 0, KSTREAM_POLICY_OVERWRITE);
	nfd = KST_OPEN("del", O_WRONLY);
	ASSERT_EQ(3, kst_wr(nfd, "new", 3));
	EXPECT_EQ(0, kst_rd(r1, buf, sizeof(buf)));
	EXPECT_EQ(-ENODEV, kst_wr(wfd, "late", 4));
}

TEST_F(dp, delete_wakes_blocked_writer)
{
	unsigned char msg[100], buf[256];
	struct bop b;
	unsigned int next = 0;
	int rfd, wnb, wb, n, i;

	KST_MK("delw", 4096, 0, KSTREAM_POLICY_BLOCK);
	rfd = KST_OPEN("delw", O_RDONLY | O_NONBLOCK);
	wnb = KST_OPEN("delw", O_WRONLY | O_NONBLOCK);
	wb = KST_OPEN("delw", O_WRONLY);
	n = kst_fill_until_eagain(wnb, 100, &next);
	ASSERT_LE(2, n);
	kst_fill(msg, sizeof(msg), 7000);
	ASSERT_EQ(0, bop_start(&b, wb, 1, msg, sizeof(msg)));
	ASSERT_EQ(0, kst_topic_delete(&self->nl, "delw"));
	ASSERT_EQ(0, bop_wait(&b, 10000)) TH_LOG("blocked writer not woken by delete");
	EXPECT_EQ(-ENODEV, b.ret);
	/* what was committed before is still there, and only that */
	for (i = 0; i < n; i++) {
		ASSERT_EQ(100, kst_rd(rfd, buf, sizeof(buf)));
		EXPECT_TRUE(kst_check_fill(buf, 100, i));
	}
	EXPECT_EQ(0, kst_rd(rfd, buf, sizeof(buf)));
}

/* ----------------------------------------------------------- io_uring */

static int uring_wait(struct io_uring *ring, int ms, __s32 *res)
{
	struct __kernel_timespec ts = { .tv_sec = ms / 1000,
					.tv_nsec = (ms % 1000) * 1000000LL };
	struct io_uring_cqe *cqe;
	int r = io_uring_wait_cqe_timeout(ring, &cqe, &ts);

	if (r)
		return r;
	*res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return 0;
}

TEST_F(dp, io_uring_write_read)
{
	unsigned char out[300], in[512];
	char a[] = "uring-", c[] = "vec";
	struct iovec iov[2] = { { a, 6 }, { c, 3 } };
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	__s32 res;
	int rfd, wfd, r;

	KST_MK("uring", 0, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("uring", O_RDONLY);
	wfd = KST_OPEN("uring", O_WRONLY);
	r = io_uring_queue_init(8, &ring, 0);
	if (r == -ENOSYS || r == -EPERM)
		SKIP(return, "io_uring not available (%d)", r);
	ASSERT_EQ(0, r);

	/* write; offset -1: the file position, which a stream ignores */
	kst_fill(out, sizeof(out), 42);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_write(sqe, wfd, out, sizeof(out), (__u64)-1);
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(0, uring_wait(&ring, 10000, &res));
	EXPECT_EQ((int)sizeof(out), res);
	EXPECT_EQ(1, KST_STAT("uring", KSTREAM_STAT_PUBLISHED));

	/* read it back */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, rfd, in, sizeof(in), (__u64)-1);
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(0, uring_wait(&ring, 10000, &res));
	ASSERT_EQ((int)sizeof(out), res);
	EXPECT_TRUE(kst_check_fill(in, sizeof(out), 42));

	/* writev: one message */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_writev(sqe, wfd, iov, 2, (__u64)-1);
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(0, uring_wait(&ring, 10000, &res));
	EXPECT_EQ(9, res);

	/* a read submitted before the data completes when it arrives */
	memset(in, 0, sizeof(in));
	ASSERT_EQ(9, read(rfd, in, sizeof(in)));
	EXPECT_EQ(0, memcmp(in, "uring-vec", 9));
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, rfd, in, sizeof(in), (__u64)-1);
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(5, kst_wr(wfd, "later", 5));
	ASSERT_EQ(0, uring_wait(&ring, 10000, &res)) TH_LOG("pending read never completed");
	EXPECT_EQ(5, res);
	EXPECT_EQ(0, memcmp(in, "later", 5));
	EXPECT_EQ(3, KST_STAT("uring", KSTREAM_STAT_PUBLISHED));
	io_uring_queue_exit(&ring);
}

/* -------------------------------------------------------- concurrency */

#define NPROD 4
#define NREAD 4
#define CMAX 200
#define RUN_MS 3000

struct cmsg {
	__u32 producer;
	__u32 len;		/* bytes of data[] */
	__u64 counter;		/* per producer, from 0 */
	__u64 csum;		/* FNV-1a of the fields above and data */
	unsigned char data[CMAX];
};

#define CHDR offsetof(struct cmsg, data)

static __u64 fnv(__u64 h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		h = (h ^ *c++) * 0x100000001b3ULL;
	return h;
}

static __u64 cmsg_csum(const struct cmsg *m)
{
	__u64 h = fnv(0xcbf29ce484222325ULL, m, offsetof(struct cmsg, csum));

	return fnv(h, m->data, m->len);
}

static void cmsg_make(struct cmsg *m, __u32 p, __u64 c)
{
	__u64 x = (p + 1) * 0x9e3779b97f4a7c15ULL ^ (c + 1) * 0xbf58476d1ce4e5b9ULL;
	__u32 i;

	x ^= x >> 31;
	m->producer = p;
	m->counter = c;
	m->len = x % (CMAX + 1);
	for (i = 0; i < m->len; i++)
		m->data[i] = (unsigned char)((x >> ((i % 8) * 8)) + i);
	m->csum = cmsg_csum(m);
}

struct creader {
	struct conc *c;
	int fd;
	int records;		/* KSTREAM_FD_RECORDS, else payload + SEEK_CUR */
	size_t bufsz;
	__u64 next, gaps, count, per[NPROD];
	__s64 last[NPROD];
	int errors;
	char err[256];
	pthread_t th;
};

struct cproducer {
	struct conc *c;
	int fd;
	__u32 id;
	__u64 count, bytes;
	int errors;
	char err[256];
	pthread_t th;
};

struct conc {
	int block;
	int stop;
	int prod_done;
	__u64 final_head;
	struct cproducer p[NPROD];
	struct creader r[NREAD];
};

#define CERR(x, fmt, ...) do {						\
	if (!(x)->errors++)						\
		snprintf((x)->err, sizeof((x)->err), fmt, ##__VA_ARGS__); \
} while (0)

static void *producer_fn(void *arg)
{
	struct cproducer *p = arg;
	struct cmsg m;
	ssize_t n;

	while (!__atomic_load_n(&p->c->stop, __ATOMIC_SEQ_CST)) {
		cmsg_make(&m, p->id, p->count);
		n = write(p->fd, &m, CHDR + m.len);
		if (n != (ssize_t)(CHDR + m.len)) {
			CERR(p, "producer %u: write of %zu: %zd (%s)", p->id,
			     CHDR + m.len, n, strerror(errno));
			break;
		}
		p->count++;
		p->bytes += n;
	}
	return NULL;
}

static void check_msg(struct creader *r, __u64 seq, const unsigned char *buf, size_t len)
{
	struct cmsg m, want;

	if (seq < r->next) {
		CERR(r, "seq %llu after %llu", (unsigned long long)seq,
		     (unsigned long long)r->next - 1);
		return;
	}
	if (seq > r->next) {
		if (r->c->block)
			CERR(r, "gap %llu..%llu on a block topic",
			     (unsigned long long)r->next, (unsigned long long)seq - 1);
		r->gaps += seq - r->next;
	}
	r->next = seq + 1;
	r->count++;
	if (len < CHDR || len > sizeof(m)) {
		CERR(r, "seq %llu: bad length %zu", (unsigned long long)seq, len);
		return;
	}
	memset(&m, 0, sizeof(m));
	memcpy(&m, buf, len);
	if (m.producer >= NPROD || CHDR + m.len != len || cmsg_csum(&m) != m.csum) {
		CERR(r, "seq %llu: corrupt message (producer %u len %u/%zu)",
		     (unsigned long long)seq, m.producer, m.len, len);
		return;
	}
	cmsg_make(&want, m.producer, m.counter);
	if (memcmp(&want, &m, len)) {
		CERR(r, "seq %llu: content differs from producer %u #%llu",
		     (unsigned long long)seq, m.producer, (unsigned long long)m.counter);
		return;
	}
	if (r->c->block ? (__s64)m.counter != r->last[m.producer] + 1
			: (__s64)m.counter <= r->last[m.producer])
		CERR(r, "producer %u: #%llu after #%lld", m.producer,
		     (unsigned long long)m.counter, (long long)r->last[m.producer]);
	r->last[m.producer] = m.counter;
	r->per[m.producer]++;
}

static void *reader_fn(void *arg)
{
	struct creader *r = arg;
	unsigned char *buf = malloc(r->bufsz);
	ssize_t n;

	if (!buf) {
		CERR(r, "no memory");
		return NULL;
	}
	for (;;) {
		n = read(r->fd, buf, r->bufsz);
		if (n < 0 && errno == EAGAIN) {
			if (__atomic_load_n(&r->c->prod_done, __ATOMIC_SEQ_CST) &&
			    r->next >= r->c->final_head)
				break;
			kst_poll(r->fd, POLLIN, 100);	/* recheck the flag */
			continue;
		}
		if (n <= 0) {
			CERR(r, "read: %zd (%s)", n, n ? strerror(errno) : "EOF");
			break;
		}
		if (r->records) {
			size_t off = 0, k;

			while (off < (size_t)n) {
				struct kstream_msg_hdr h;

				if (n - off < HDR) {
					CERR(r, "partial record header");
					break;
				}
				memcpy(&h, buf + off, HDR);
				if (h.flags || KSTREAM_REC_SIZE(h.len) > n - off) {
					CERR(r, "bad record header (len %u flags %u)", h.len, h.flags);
					break;
				}
				for (k = HDR + h.len; k < KSTREAM_REC_SIZE(h.len); k++)
					if (buf[off + k])
						CERR(r, "non-zero padding");
				check_msg(r, h.seq, buf + off + HDR, h.len);
				off += KSTREAM_REC_SIZE(h.len);
			}
		} else {
			off_t next = lseek(r->fd, 0, SEEK_CUR);

			if (next <= 0)
				CERR(r, "SEEK_CUR after a read: %lld", (long long)next);
			else
				check_msg(r, next - 1, buf, n);
		}
	}
	free(buf);
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

FIXTURE_VARIANT_ADD(conc, overwrite) {
	.policy = KSTREAM_POLICY_OVERWRITE,
	.ring = 16384,
};

TEST_F_TIMEOUT(conc, producers_and_readers, 40)
{
	static struct conc c;
	struct kstream_fd_info info;
	__u64 total = 0, bytes = 0, gaps = 0, stats[KSTREAM_STAT_MAX + 1];
	struct timespec dl;
	int i, k, stuck = 0;

	memset(&c, 0, sizeof(c));
	c.block = variant->policy == KSTREAM_POLICY_BLOCK;
	ASSERT_EQ(0, kst_create(&self->nl, "conc", variant->ring, 0, variant->policy))
		TH_LOG("%s", self->nl.extack);

	for (i = 0; i < NREAD; i++) {
		struct creader *r = &c.r[i];

		r->c = &c;
		r->fd = kst_open("conc", O_RDONLY | O_NONBLOCK);
		ASSERT_LE(0, r->fd);
		/* block: two readers use payload mode; overwrite: all records */
		r->records = !c.block || (i % 2 == 0);
		/* reader 2 takes one record per read, the others many */
		r->bufsz = i == 2 ? KSTREAM_REC_SIZE(CHDR + CMAX) : 65536;
		for (k = 0; k < NPROD; k++)
			r->last[k] = -1;
		if (r->records)
			ASSERT_EQ(0, kst_set_flags(r->fd, KSTREAM_FD_RECORDS));
	}
	for (i = 0; i < NPROD; i++) {
		c.p[i].c = &c;
		c.p[i].id = i;
		c.p[i].fd = kst_open("conc", O_WRONLY);
		ASSERT_LE(0, c.p[i].fd);
	}
	for (i = 0; i < NREAD; i++)
		ASSERT_EQ(0, pthread_create(&c.r[i].th, NULL, reader_fn, &c.r[i]));
	for (i = 0; i < NPROD; i++)
		ASSERT_EQ(0, pthread_create(&c.p[i].th, NULL, producer_fn, &c.p[i]));

	usleep(RUN_MS * 1000);	/* the length of the run, not a synchronisation */
	__atomic_store_n(&c.stop, 1, __ATOMIC_SEQ_CST);
	dl = kst_deadline_ms(10000);
	for (i = 0; i < NPROD; i++)
		if (pthread_timedjoin_np(c.p[i].th, NULL, &dl))
			stuck = 1;
	if (stuck) {
		/* a producer never returned: deleting the topic wakes it */
		kst_topic_delete(&self->nl, "conc");
		ASSERT_FALSE(stuck) TH_LOG("producers stuck after stop");
	}
	for (i = 0; i < NPROD; i++) {
		EXPECT_EQ(0, c.p[i].errors) TH_LOG("%s", c.p[i].err);
		total += c.p[i].count;
		bytes += c.p[i].bytes;
	}
	ASSERT_EQ(0, kst_topic_stats(&self->nl, "conc", stats));
	EXPECT_EQ(total, stats[KSTREAM_STAT_PUBLISHED]);
	EXPECT_EQ(bytes, stats[KSTREAM_STAT_PUBLISHED_BYTES]);
	EXPECT_EQ(total, stats[KSTREAM_STAT_HEAD_SEQ]);
	c.final_head = stats[KSTREAM_STAT_HEAD_SEQ];
	__atomic_store_n(&c.prod_done, 1, __ATOMIC_SEQ_CST);

	dl = kst_deadline_ms(10000);
	for (i = 0; i < NREAD; i++)
		if (pthread_timedjoin_np(c.r[i].th, NULL, &dl))
			stuck = 1;
	if (stuck) {
		kst_topic_delete(&self->nl, "conc");
		ASSERT_FALSE(stuck) TH_LOG("readers never caught up with seq %llu",
					   (unsigned long long)c.final_head);
	}

	ASSERT_LT(NPROD, total) TH_LOG("the producers wrote almost nothing");
	for (i = 0; i < NREAD; i++) {
		struct creader *r = &c.r[i];

		EXPECT_EQ(0, r->errors) TH_LOG("reader %d: %s (%d errors)", i, r->err, r->errors);
		EXPECT_EQ(total, r->next) TH_LOG("reader %d", i);
		EXPECT_EQ(total, r->count + r->gaps) TH_LOG("reader %d", i);
		ASSERT_EQ(0, kst_info(r->fd, &info));
		EXPECT_EQ(r->gaps, info.lost) TH_LOG("reader %d: fd lost counter vs gaps", i);
		EXPECT_EQ(total, info.next_seq);
		if (c.block) {
			EXPECT_EQ(0, r->gaps);
			for (k = 0; k < NPROD; k++)
				EXPECT_EQ(c.p[k].count, r->per[k]) TH_LOG("reader %d producer %d", i, k);
		}
		gaps += r->gaps;
	}
	ASSERT_EQ(0, kst_topic_stats(&self->nl, "conc", stats));
	EXPECT_EQ(gaps, stats[KSTREAM_STAT_LOST]);
	EXPECT_EQ(0, stats[KSTREAM_STAT_DROPPED]);
	TH_LOG("%s: %llu messages, %llu lost by readers", c.block ? "block" : "overwrite",
	       (unsigned long long)total, (unsigned long long)gaps);
}

TEST_HARNESS_MAIN
