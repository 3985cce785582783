// SPDX-License-Identifier: GPL-2.0
/*
 * Batch publish (KSTREAM_FD_BATCH: one write(2) carries many records) and
 * the exact producer wakeups of block topics.
 *
 * Batches: records committed in order with consecutive sequences; the
 * flag on and off; every malformed header refused (truncated header or
 * body, len beyond the buffer, len above msg_max, zero length, unknown
 * flags, an origin block the fd may not claim), with partial success
 * (the bytes of the records before the bad one) and nothing of the bad
 * one visible; a seeded fuzz against a model of the framing; a fault
 * inside the buffer; idempotent producers (implicit and explicit
 * producer sequences, duplicates discarded per record); block topics
 * (EAGAIN, partial batches, a blocking batch waiting for room record by
 * record); io_uring; with eBPF, a verdict per record (dead letters and
 * drops counted per record).
 *
 * Producer wakeups: a producer waiting for room sleeps through reader
 * advances that do not reach the position it waits for (no spurious
 * wakeup: its context switches do not move) and is woken by the one that
 * does, by the slowest of two readers only, and by an lseek forward.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <liburing.h>

#include "kselftest_harness.h"
#include "ksft_bpf.h"

#define HDR sizeof(struct kstream_msg_hdr)
#define ORIG sizeof(struct kstream_msg_origin)

FIXTURE(bt) {
	struct kst_nl nl;
};

FIXTURE_SETUP(bt)
{
	kst_bpf_fixture_load(_metadata, &self->nl);
}

FIXTURE_TEARDOWN(bt)
{
	kst_bpf_fixture_unload(_metadata, &self->nl);
}

/* ------------------------------------------------------------ helpers */

/* A batch being built: records appended to buf[0..len). */
struct batch {
	unsigned char buf[1 << 17];
	size_t len;
	unsigned int n;
};

/*
 * Append a record: header (len, flags; seq and ts_ns garbage, which the
 * kernel ignores), @olen bytes of origin block if @flags has one, the
 * payload of test message @i (@plen bytes), padding (garbage too).
 */
static void b_add(struct batch *b, __u32 plen, unsigned int i, __u32 flags,
		  __u64 id, __u64 pseq)
{
	struct kstream_msg_hdr h = {
		.len = plen + (flags & KSTREAM_MSG_ORIGIN ? ORIG : 0),
		.flags = flags,
		.seq = 0xdeadbeefULL * (i + 1),
		.ts_ns = ~0ULL,
	};
	size_t rec = KSTREAM_REC_SIZE(h.len);
	unsigned char *p = b->buf + b->len;

	memset(p, 0xa5, rec);
	memcpy(p, &h, HDR);
	p += HDR;
	if (flags & KSTREAM_MSG_ORIGIN) {
		struct kstream_msg_origin o = { .producer_id = id, .producer_seq = pseq };

		memcpy(p, &o, ORIG);
		p += ORIG;
	}
	kst_fill(p, plen, i);
	b->len += rec;
	b->n++;
}

static void b_msg(struct batch *b, __u32 plen, unsigned int i)
{
	b_add(b, plen, i, 0, 0, 0);
}

/* Set or clear KSTREAM_FD_BATCH on @fd, keeping its other flags. */
static int batch_mode(int fd, int on)
{
	__u32 f;

	if (ioctl(fd, KSTREAM_IOC_GET_FLAGS, &f))
		return -errno;
	f = on ? f | KSTREAM_FD_BATCH : f & ~KSTREAM_FD_BATCH;
	return kst_set_flags(fd, f);
}

/* One record read back in records mode (with origins). */
struct got {
	struct kstream_msg_hdr h;
	struct kstream_msg_origin o;
	unsigned char payload[4096];
	__u32 plen;
};

/* Read every record @rfd has (records mode + origin) into g[0..max). */
static int read_all(int rfd, struct got *g, int max)
{
	static unsigned char buf[1 << 20];
	int n = 0;

	if (kst_set_flags(rfd, KSTREAM_FD_RECORDS | KSTREAM_FD_ORIGIN))
		return -errno;
	for (;;) {
		ssize_t r = read(rfd, buf, sizeof(buf));
		size_t off = 0;

		if (r < 0)
			return errno == EAGAIN ? n : -errno;
		while (off < (size_t)r) {
			const struct kstream_msg_hdr *h = (const void *)(buf + off);
			__u32 blocks = KSTREAM_MSG_BLOCKS(h->flags);

			if (n < max) {
				g[n].h = *h;
				memset(&g[n].o, 0, ORIG);
				if (blocks)
					memcpy(&g[n].o, h + 1, ORIG);
				g[n].plen = h->len - blocks;
				memcpy(g[n].payload, (const unsigned char *)(h + 1) + blocks,
				       g[n].plen < 4096 ? g[n].plen : 4096);
			}
			off += KSTREAM_REC_SIZE(h->len);
			n++;
		}
	}
}

/* voluntary_ctxt_switches of thread @tid: how often it went to sleep. */
static long ctx_switches(pid_t tid)
{
	char path[64], line[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* A thread blocked in one write(2). */
struct bw {
	int fd;
	const void *buf;
	size_t len;
	pid_t tid;
	ssize_t ret;
	int done;
	pthread_t th;
};

static void *bw_fn(void *arg)
{
	struct bw *b = arg;
	ssize_t r;

	__atomic_store_n(&b->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	r = write(b->fd, b->buf, b->len);
	b->ret = r < 0 ? -errno : r;
	__atomic_store_n(&b->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Start it and wait until it sleeps in write(): 0 or -errno. */
static int bw_start(struct bw *b, int fd, const void *buf, size_t len)
{
	int i;

	memset(b, 0, sizeof(*b));
	b->fd = fd;
	b->buf = buf;
	b->len = len;
	if (pthread_create(&b->th, NULL, bw_fn, b))
		return -EAGAIN;
	for (i = 0; i < 5000 && !__atomic_load_n(&b->tid, __ATOMIC_SEQ_CST); i++)
		usleep(1000);
	if (!b->tid)
		return -ETIMEDOUT;
	/*
	 * Asleep in its write() waiting for room: that sleep is a voluntary
	 * context switch.  Asleep alone is not enough: on PREEMPT_RT a
	 * thread waiting for a contended spinlock_t is asleep too, and that
	 * wait counts as an involuntary switch (seen: 0 voluntary switches
	 * on 6.12-rt with the host loaded).
	 */
	for (i = 0; i < 10000 && ctx_switches(b->tid) <= 0; i++)
		usleep(1000);
	return kst_wait_sleeping(b->tid, 10000);
}

static int bw_done(struct bw *b)
{
	return __atomic_load_n(&b->done, __ATOMIC_SEQ_CST);
}

/* ------------------------------------------------------------ batches */

/* 64 records of 1 to 200 bytes: one call, in order, consecutive. */
TEST_F(bt, records_in_order)
{
	static struct batch b;
	static struct got g[100];
	__u32 flags = 0;
	int rfd, wfd, i, n;

	KST_MK("b", 0, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("b", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("b", O_WRONLY);
	ASSERT_EQ(0, batch_mode(wfd, 1));
	ASSERT_EQ(0, ioctl(wfd, KSTREAM_IOC_GET_FLAGS, &flags));
	EXPECT_EQ(KSTREAM_FD_BATCH, flags);
	/* one message first, to see the batch's sequences follow it */
	ASSERT_EQ(0, batch_mode(wfd, 0));
	ASSERT_EQ(5, kst_wr_msg(wfd, 5, 1000));
	ASSERT_EQ(0, batch_mode(wfd, 1));

	for (i = 0; i < 64; i++)
		b_msg(&b, 1 + (i * 37) % 200, i);
	ASSERT_EQ((ssize_t)b.len, kst_wr(wfd, b.buf, b.len));
	EXPECT_EQ(65, KST_STAT("b", KSTREAM_STAT_PUBLISHED));

	n = read_all(rfd, g, 100);
	ASSERT_EQ(65, n);
	EXPECT_EQ(0, g[0].h.seq);
	EXPECT_TRUE(kst_check_fill(g[0].payload, 5, 1000));
	for (i = 0; i < 64; i++) {
		EXPECT_EQ(i + 1, g[i + 1].h.seq);
		EXPECT_EQ(0, g[i + 1].h.flags);
		ASSERT_EQ(1 + (i * 37) % 200, g[i + 1].plen) TH_LOG("record %d", i);
		EXPECT_TRUE(kst_check_fill(g[i + 1].payload, g[i + 1].plen, i))
			TH_LOG("record %d", i);
		/* the kernel's stamps, not ours */
		EXPECT_NE(~0ULL, g[i + 1].h.ts_ns);
		EXPECT_LE(g[i].h.ts_ns, g[i + 1].h.ts_ns);
	}

	/* records read from a topic can be written back as they are */
	b.len = 0;
	b_msg(&b, 10, 7);
	ASSERT_EQ((ssize_t)b.len, kst_wr(wfd, b.buf, b.len));
	ASSERT_EQ(0, batch_mode(rfd, 0));
	ASSERT_EQ(0, kst_set_flags(rfd, KSTREAM_FD_RECORDS));
	n = kst_rd(rfd, b.buf, sizeof(b.buf));
	ASSERT_EQ((ssize_t)KSTREAM_REC_SIZE(10), n);
	ASSERT_EQ(n, kst_wr(wfd, b.buf, n));
	ASSERT_EQ(n, kst_rd(rfd, b.buf + n, sizeof(b.buf) - n));
	EXPECT_EQ(0, memcmp(b.buf + HDR, b.buf + n + HDR, 10));

	/* the flag off: a write is one message again, header and all */
	ASSERT_EQ(0, batch_mode(wfd, 0));
	ASSERT_EQ(0, kst_set_flags(rfd, 0));
	ASSERT_EQ(n, kst_wr(wfd, b.buf, n));
	EXPECT_EQ(n, kst_rd(rfd, b.buf + 2 * n, sizeof(b.buf) - 2 * n));
	EXPECT_EQ(0, memcmp(b.buf, b.buf + 2 * n, n));
}

/*
 * Every malformed batch: refused with its error and nothing published
 * when it is the first record; after good ones, the bytes of those.
 */
TEST_F(bt, malformed)
{
	static struct batch b;
	struct kstream_msg_hdr h;
	size_t good;
	int wfd, rfd;

	KST_MK("m", 0, 512, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("m", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("m", O_WRONLY);
	ASSERT_EQ(0, batch_mode(wfd, 1));

	/* empty write, truncated header */
	EXPECT_EQ(-EINVAL, kst_wr(wfd, b.buf, 0));
	b_msg(&b, 40, 1);
	EXPECT_EQ(-EINVAL, kst_wr(wfd, b.buf, 1));
	EXPECT_EQ(-EINVAL, kst_wr(wfd, b.buf, HDR - 1));
	/* a header and nothing, a body cut short, the padding missing */
	EXPECT_EQ(-EINVAL, kst_wr(wfd, b.buf, HDR));
	EXPECT_EQ(-EINVAL, kst_wr(wfd, b.buf, HDR + 39));
	b.len = 0;
	b_msg(&b, 5, 1);
	EXPECT_EQ(-EINVAL, kst_wr(wfd, b.buf, HDR + 5));
	EXPECT_EQ((ssize_t)KSTREAM_REC_SIZE(5), kst_wr(wfd, b.buf, KSTREAM_REC_SIZE(5)));

	/* len beyond the buffer, huge lens (no overflow) */
	memset(&h, 0, sizeof(h));
	h.len = 100;
	memcpy(b.buf, &h, HDR);
	EXPECT_EQ(-EINVAL, kst_wr(wfd, b.buf, HDR + 50));
	h.len = 0xffffffffU;
	memcpy(b.buf, &h, HDR);
	EXPECT_EQ(-EMSGSIZE, kst_wr(wfd, b.buf, 4096));
	h.len = 0xfffffff9U;
	memcpy(b.buf, &h, HDR);
	EXPECT_EQ(-EMSGSIZE, kst_wr(wfd, b.buf, 4096));
	/* len > msg_max, and msg_max itself */
	b.len = 0;
	b_msg(&b, 513, 2);
	EXPECT_EQ(-EMSGSIZE, kst_wr(wfd, b.buf, b.len));
	b.len = 0;
	b_msg(&b, 512, 2);
	EXPECT_EQ((ssize_t)b.len, kst_wr(wfd, b.buf, b.len));
	/* zero length; unknown flags */
	memset(&h, 0, sizeof(h));
	memcpy(b.buf, &h, HDR);
	EXPECT_EQ(-EINVAL, kst_wr(wfd, b.buf, HDR));
	EXPECT_EQ(-EINVAL, kst_wr(wfd, b.buf, 64));
	h.len = 8;
	h.flags = 0x80;
	memcpy(b.buf, &h, HDR);
	EXPECT_EQ(-EINVAL, kst_wr(wfd, b.buf, HDR + 8));
	/* an origin block on an fd without a producer id; one that is all */
	b.len = 0;
	b_add(&b, 8, 3, KSTREAM_MSG_ORIGIN, 5, 1);
	EXPECT_EQ(-EINVAL, kst_wr(wfd, b.buf, b.len));
	h.len = ORIG;
	h.flags = KSTREAM_MSG_ORIGIN;
	memcpy(b.buf, &h, HDR);
	EXPECT_EQ(-EINVAL, kst_wr(wfd, b.buf, HDR + ORIG));
	EXPECT_EQ(2, KST_STAT("m", KSTREAM_STAT_PUBLISHED));

	/* good, good, bad: the bytes of the good ones; then the error */
	b.len = 0;
	b_msg(&b, 30, 10);
	b_msg(&b, 31, 11);
	good = b.len;
	b_msg(&b, 600, 12);
	b_msg(&b, 32, 13);
	EXPECT_EQ((ssize_t)good, kst_wr(wfd, b.buf, b.len));
	EXPECT_EQ(4, KST_STAT("m", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(-EMSGSIZE, kst_wr(wfd, b.buf + good, b.len - good));
	/* good, then a truncated one */
	EXPECT_EQ((ssize_t)KSTREAM_REC_SIZE(30), kst_wr(wfd, b.buf, KSTREAM_REC_SIZE(30) + 10));
	EXPECT_EQ(5, KST_STAT("m", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(0, KST_STAT("m", KSTREAM_STAT_LOST));
	/* what readers got: exactly the five */
	ASSERT_EQ(0, kst_set_flags(rfd, KSTREAM_FD_RECORDS));
	EXPECT_EQ((ssize_t)(KSTREAM_REC_SIZE(5) + KSTREAM_REC_SIZE(512) +
			    2 * KSTREAM_REC_SIZE(30) + KSTREAM_REC_SIZE(31)),
		  kst_rd(rfd, b.buf, sizeof(b.buf)));
}

/* A reference model of the framing, for the fuzz below. */
struct model {
	size_t taken;		/* bytes of records the kernel takes */
	unsigned int n;		/* ... records */
	int err;		/* its error if it takes none */
};

static struct model model(const unsigned char *buf, size_t len, __u32 msg_max)
{
	struct model m = { 0 };
	size_t off = 0;

	while (off < len) {
		struct kstream_msg_hdr h;
		int err = 0;

		if (len - off < HDR) {
			err = -EINVAL;
		} else {
			__u32 blocks;

			/* In the kernel's order (publish.c, kstream_batch_check()). */
			memcpy(&h, buf + off, HDR);
			blocks = KSTREAM_MSG_BLOCKS(h.flags);
			if (h.flags & ~KSTREAM_MSG_FLAGS_ALL)
				err = -EINVAL;
			else if (h.len <= blocks)
				err = -EINVAL;
			else if (h.len - blocks > msg_max)
				err = -EMSGSIZE;
			else if (KSTREAM_REC_SIZE(h.len) > len - off)
				err = -EINVAL;
			else if (blocks)	/* no producer id: no origin block */
				err = -EINVAL;
		}
		if (err) {
			m.err = err;
			break;
		}
		off += KSTREAM_REC_SIZE(h.len);
		m.n++;
	}
	m.taken = off;
	return m;
}

/*
 * Seeded fuzz: batches of valid records with one mutation each (a header
 * byte flipped, the buffer cut anywhere, a len changed); the kernel must
 * take exactly the records the model says, publish exactly them with
 * their bytes, and fail with the model's error when it takes none.
 */
TEST_F_TIMEOUT(bt, fuzz_against_model, 240)
{
	static struct batch b;
	static unsigned char out[1 << 17];
	unsigned int seed = 0x18c0ffee, iter, published = 0;
	int wfd, rfd;

	KST_MK("f", 1 << 20, 300, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("f", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("f", O_WRONLY);
	ASSERT_EQ(0, batch_mode(wfd, 1));
	ASSERT_EQ(0, kst_set_flags(rfd, KSTREAM_FD_RECORDS));

	for (iter = 0; iter < 2000; iter++) {
		unsigned int k, n = 1 + rand_r(&seed) % 12;
		size_t len, off;
		struct model m;
		ssize_t r;

		b.len = 0;
		b.n = 0;
		for (k = 0; k < n; k++)
			b_msg(&b, 1 + rand_r(&seed) % 320, iter * 16 + k);
		len = b.len;
		switch (rand_r(&seed) % 4) {
		case 0:		/* flip a byte of some record's len or flags */
			off = 0;
			for (k = rand_r(&seed) % n; k; k--)
				off += KSTREAM_REC_SIZE(((struct kstream_msg_hdr *)(b.buf + off))->len);
			b.buf[off + rand_r(&seed) % 8] ^= 1 << (rand_r(&seed) % 8);
			break;
		case 1:		/* cut the buffer anywhere */
			len = rand_r(&seed) % (b.len + 1);
			break;
		case 2:		/* a len of 0 or far too big somewhere */
			off = 0;
			for (k = rand_r(&seed) % n; k; k--)
				off += KSTREAM_REC_SIZE(((struct kstream_msg_hdr *)(b.buf + off))->len);
			((struct kstream_msg_hdr *)(b.buf + off))->len =
				rand_r(&seed) % 2 ? 0 : 0x80000000U + rand_r(&seed);
			break;
		default:	/* valid */
			break;
		}
		m = model(b.buf, len, 300);
		r = kst_wr(wfd, b.buf, len);
		if (!m.taken) {
			ASSERT_EQ(m.err ? m.err : -EINVAL, r) TH_LOG("iteration %u", iter);
		} else {
			ASSERT_EQ((ssize_t)m.taken, r) TH_LOG("iteration %u", iter);
			/* exactly those records, byte for byte but seq/ts */
			ASSERT_EQ(r, kst_rd(rfd, out, sizeof(out))) TH_LOG("iteration %u", iter);
			for (off = 0; off < m.taken;) {
				const struct kstream_msg_hdr *h = (const void *)(b.buf + off);
				const struct kstream_msg_hdr *o = (const void *)(out + off);

				ASSERT_EQ(h->len, o->len);
				ASSERT_EQ(published, o->seq);
				ASSERT_EQ(0, memcmp(h + 1, o + 1, h->len)) TH_LOG("iteration %u", iter);
				off += KSTREAM_REC_SIZE(h->len);
				published++;
			}
		}
		ASSERT_EQ(-EAGAIN, kst_rd(rfd, out, sizeof(out))) TH_LOG("iteration %u", iter);
	}
	EXPECT_EQ(published, KST_STAT("f", KSTREAM_STAT_PUBLISHED));
	EXPECT_LT(500, published);
}

/* A buffer whose second page is gone: records before it, then EFAULT. */
TEST_F(bt, fault_inside_buffer)
{
	long psz = sysconf(_SC_PAGESIZE);
	unsigned char *map;
	struct batch *b;
	size_t first;
	int wfd;

	KST_MK("fa", 0, 0, KSTREAM_POLICY_OVERWRITE);
	wfd = KST_OPEN("fa", O_WRONLY);
	ASSERT_EQ(0, batch_mode(wfd, 1));
	b = calloc(1, sizeof(*b));
	ASSERT_NE(NULL, b);
	map = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	/* records of 96 bytes of payload (120 bytes) up to the page end */
	while (b->len + KSTREAM_REC_SIZE(96) <= (size_t)psz - 240)
		b_msg(b, 96, b->n);
	first = b->len;
	b_msg(b, 500, 99);	/* across the boundary */
	memcpy(map, b->buf, psz);
	ASSERT_EQ(0, munmap(map + psz, psz));
	EXPECT_EQ((ssize_t)first, kst_wr(wfd, map, b->len));
	EXPECT_EQ(first / KSTREAM_REC_SIZE(96), KST_STAT("fa", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(-EFAULT, kst_wr(wfd, map + first, b->len - first));
	EXPECT_EQ(first / KSTREAM_REC_SIZE(96), KST_STAT("fa", KSTREAM_STAT_PUBLISHED));
	munmap(map, psz);
	free(b);
}

/*
 * Idempotent producers: records without an origin block take the fd's
 * next producer sequences; with one, the record's own sequence (the fd
 * goes on from it); duplicates are discarded one by one.
 */
TEST_F(bt, idempotent_per_record)
{
	static struct batch b;
	static struct got g[32];
	struct kstream_producer p = { .id = 0x51, .next_seq = 10 };
	struct kstream_producer_query q = { .id = 0x51 };
	int wfd, rfd, n, i;

	KST_MK("i", 0, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("i", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("i", O_WRONLY);
	ASSERT_EQ(0, ioctl(wfd, KSTREAM_IOC_SET_PRODUCER, &p));
	ASSERT_EQ(0, batch_mode(wfd, 1));

	for (i = 0; i < 5; i++)		/* producer sequences 10..14 */
		b_msg(&b, 20, i);
	ASSERT_EQ((ssize_t)b.len, kst_wr(wfd, b.buf, b.len));
	/* 12..16 with their own sequences: 12, 13, 14 are duplicates */
	b.len = 0;
	for (i = 0; i < 5; i++)
		b_add(&b, 20, 100 + i, KSTREAM_MSG_ORIGIN, 0x51, 12 + i);
	ASSERT_EQ((ssize_t)b.len, kst_wr(wfd, b.buf, b.len));
	EXPECT_EQ(3, KST_STAT("i", KSTREAM_STAT_DROPPED_DUPLICATE));
	/* the fd goes on at 17 */
	b.len = 0;
	b_msg(&b, 20, 200);
	ASSERT_EQ((ssize_t)b.len, kst_wr(wfd, b.buf, b.len));
	EXPECT_EQ(8, KST_STAT("i", KSTREAM_STAT_PUBLISHED));
	ASSERT_EQ(0, ioctl(wfd, KSTREAM_IOC_PRODUCER_SEQ, &q));
	EXPECT_EQ(17, q.last_seq);

	/* another id than the fd's: refused */
	b.len = 0;
	b_add(&b, 20, 300, KSTREAM_MSG_ORIGIN, 0x52, 18);
	EXPECT_EQ(-EINVAL, kst_wr(wfd, b.buf, b.len));
	/* a whole batch of retries: every byte taken, nothing published */
	b.len = 0;
	for (i = 0; i < 4; i++)
		b_add(&b, 20, 100 + i, KSTREAM_MSG_ORIGIN, 0x51, 12 + i);
	ASSERT_EQ((ssize_t)b.len, kst_wr(wfd, b.buf, b.len));
	EXPECT_EQ(7, KST_STAT("i", KSTREAM_STAT_DROPPED_DUPLICATE));
	EXPECT_EQ(8, KST_STAT("i", KSTREAM_STAT_PUBLISHED));

	n = read_all(rfd, g, 32);
	ASSERT_EQ(8, n);
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(KSTREAM_MSG_ORIGIN, g[i].h.flags);
		EXPECT_EQ(0x51, g[i].o.producer_id);
		EXPECT_EQ(10 + i, g[i].o.producer_seq);
		EXPECT_EQ(20, g[i].plen);
	}
	EXPECT_TRUE(kst_check_fill(g[5].payload, 20, 103));
	EXPECT_TRUE(kst_check_fill(g[7].payload, 20, 200));
}

/* Block topics: EAGAIN, partial batches, a blocking batch that waits. */
TEST_F_TIMEOUT(bt, block_topic, 60)
{
	static struct batch b;
	static unsigned char buf[8192];
	size_t rec = KSTREAM_REC_SIZE(100), fit = 4096 / rec;
	struct bw w;
	int rfd, wnb, wb, i;

	KST_MK("blk", 4096, 0, KSTREAM_POLICY_BLOCK);
	rfd = KST_OPEN("blk", O_RDONLY | O_NONBLOCK);
	wnb = KST_OPEN("blk", O_WRONLY | O_NONBLOCK);
	wb = KST_OPEN("blk", O_WRONLY);
	ASSERT_EQ(0, batch_mode(wnb, 1));
	ASSERT_EQ(0, batch_mode(wb, 1));

	for (i = 0; i < (int)fit + 5; i++)
		b_msg(&b, 100, i);
	/* non-blocking: what fits, then EAGAIN */
	EXPECT_EQ((ssize_t)(fit * rec), kst_wr(wnb, b.buf, b.len));
	EXPECT_EQ(-EAGAIN, kst_wr(wnb, b.buf + fit * rec, b.len - fit * rec));
	EXPECT_EQ((long long)fit, KST_STAT("blk", KSTREAM_STAT_PUBLISHED));

	/* blocking: waits for room record by record, takes all five */
	ASSERT_EQ(0, bw_start(&w, wb, b.buf + fit * rec, 5 * rec));
	for (i = 0; i < (int)fit + 5; i++) {
		int k;

		for (k = 0; k < 2000 && kst_rd(rfd, buf, sizeof(buf)) == -EAGAIN; k++)
			usleep(1000);
		ASSERT_GT(2000, k) TH_LOG("message %d never came", i);
		ASSERT_TRUE(kst_check_fill(buf, 100, i)) TH_LOG("message %d", i);
	}
	ASSERT_EQ(0, kst_join_ms(w.th, 10000));
	EXPECT_EQ((ssize_t)(5 * rec), w.ret);
	EXPECT_EQ((long long)fit + 5, KST_STAT("blk", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(0, KST_STAT("blk", KSTREAM_STAT_LOST));
}

/* io_uring: a batch as one write, and single writes on a plain fd. */
TEST_F(bt, io_uring)
{
	static struct batch b;
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int wfd, pfd, r, i;

	KST_MK("u", 0, 0, KSTREAM_POLICY_OVERWRITE);
	wfd = KST_OPEN("u", O_WRONLY);
	pfd = KST_OPEN("u", O_WRONLY);
	ASSERT_EQ(0, batch_mode(wfd, 1));
	r = io_uring_queue_init(8, &ring, 0);
	if (r == -ENOSYS || r == -EPERM)
		SKIP(return, "io_uring not available (%d)", r);
	ASSERT_EQ(0, r);
	for (i = 0; i < 10; i++)
		b_msg(&b, 50, i);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_write(sqe, wfd, b.buf, b.len, (__u64)-1);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_write(sqe, pfd, b.buf, 77, (__u64)-1);
	ASSERT_EQ(2, io_uring_submit(&ring));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
		EXPECT_TRUE(cqe->res == (int)b.len || cqe->res == 77) TH_LOG("res %d", cqe->res);
		io_uring_cqe_seen(&ring, cqe);
	}
	EXPECT_EQ(11, KST_STAT("u", KSTREAM_STAT_PUBLISHED));
	io_uring_queue_exit(&ring);
}

/*
 * eBPF: a verdict per record.  The filter dead-letters records whose
 * byte 4 is not 0: with a dead-letter topic they go there, in order;
 * without one they are counted as dropped; the others are published.
 */
TEST_F_TIMEOUT(bt, verdict_per_record, 120)
{
	static struct batch b;
	static struct got g[64];
	int wfd, rfd, dfd, n, i, bad = 0;

	if (!kst_bpf_supported())
		SKIP(return, "eBPF ingress filters need Linux 6.9+");
	KST_MK("v", 0, 0, KSTREAM_POLICY_OVERWRITE);
	KST_MK("vdlq", 0, 0, KSTREAM_POLICY_OVERWRITE);
	CTL("topic deadletter v vdlq");
	CTL("filter load filter zero action deadletter offset 4 u8 eq 0");
	ATTACH("v", "zero");
	rfd = KST_OPEN("v", O_RDONLY | O_NONBLOCK);
	dfd = KST_OPEN("vdlq", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("v", O_WRONLY);
	ASSERT_EQ(0, batch_mode(wfd, 1));

	for (i = 0; i < 40; i++) {
		unsigned char *p;

		b_msg(&b, 16, i);
		p = b.buf + b.len - KSTREAM_REC_SIZE(16) + HDR;
		p[4] = i % 3 == 1;
		bad += i % 3 == 1;
	}
	ASSERT_EQ((ssize_t)b.len, kst_wr(wfd, b.buf, b.len));
	EXPECT_EQ(40 - bad, KST_STAT("v", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(bad, KST_STAT("v", KSTREAM_STAT_DEADLETTERED));
	EXPECT_EQ(bad, KST_STAT("vdlq", KSTREAM_STAT_PUBLISHED));
	n = read_all(rfd, g, 64);
	ASSERT_EQ(40 - bad, n);
	for (i = 0; i < n; i++)
		EXPECT_EQ(i, g[i].h.seq);	/* no gap where records were judged out */
	n = read_all(dfd, g, 64);
	EXPECT_EQ(bad, n);

	/* no dead-letter topic: counted as dropped, per record */
	CTL("topic deadletter v none");
	ASSERT_EQ((ssize_t)b.len, kst_wr(wfd, b.buf, b.len));
	EXPECT_EQ(2 * (40 - bad), KST_STAT("v", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(bad, KST_STAT("v", KSTREAM_STAT_DROPPED_DEADLETTER));
}

/* ---------------------------------------------------- producer wakeups */

/*
 * A producer waits for room for a 1000-byte message on a full ring of
 * 100-byte ones: reads that free less than it needs do not wake it (it
 * stays asleep: no context switch), the read that frees enough does.
 */
TEST_F_TIMEOUT(bt, producer_woken_exactly, 60)
{
	static unsigned char big[1000], buf[256];
	size_t rec = KSTREAM_REC_SIZE(100), need = KSTREAM_REC_SIZE(1000);
	unsigned int next = 0, i, reads;
	long cs;
	struct bw w;
	int rfd, wnb, wb;

	KST_MK("ex", 4096, 0, KSTREAM_POLICY_BLOCK);
	rfd = KST_OPEN("ex", O_RDONLY | O_NONBLOCK);
	wnb = KST_OPEN("ex", O_WRONLY | O_NONBLOCK);
	wb = KST_OPEN("ex", O_WRONLY);
	ASSERT_LT(0, kst_fill_until_eagain(wnb, 100, &next));
	ASSERT_EQ(0, bw_start(&w, wb, big, sizeof(big)));
	/* room it needs, beyond what is free: that many reads */
	reads = (need - (4096 - next * rec) + rec - 1) / rec;
	ASSERT_LT(1, reads);
	cs = ctx_switches(w.tid);
	ASSERT_LT(0, cs);
	for (i = 0; i + 1 < reads; i++) {
		ASSERT_EQ(100, kst_rd(rfd, buf, sizeof(buf)));
		usleep(100000);
		EXPECT_FALSE(bw_done(&w));
		EXPECT_EQ(cs, ctx_switches(w.tid)) TH_LOG("woken by read %u of %u", i + 1, reads);
	}
	ASSERT_EQ(100, kst_rd(rfd, buf, sizeof(buf)));
	ASSERT_EQ(0, kst_join_ms(w.th, 2000)) TH_LOG("not woken by the read that made room");
	EXPECT_EQ(1000, w.ret);
}

/* Two readers: only the slower one's passing wakes the producer. */
TEST_F_TIMEOUT(bt, producer_woken_by_slowest, 60)
{
	static unsigned char buf[256];
	unsigned int next = 0, k;
	long cs;
	struct bw w;
	int fast, slow, wnb, wb;

	KST_MK("two", 4096, 0, KSTREAM_POLICY_BLOCK);
	fast = KST_OPEN("two", O_RDONLY | O_NONBLOCK);
	slow = KST_OPEN("two", O_RDONLY | O_NONBLOCK);
	wnb = KST_OPEN("two", O_WRONLY | O_NONBLOCK);
	wb = KST_OPEN("two", O_WRONLY);
	ASSERT_LT(0, kst_fill_until_eagain(wnb, 100, &next));
	kst_fill(buf, 100, next);
	ASSERT_EQ(0, bw_start(&w, wb, buf, 100));
	cs = ctx_switches(w.tid);
	for (k = 0; k < next; k++)
		ASSERT_EQ(100, kst_rd(fast, buf + 128, 128));
	usleep(200000);
	EXPECT_FALSE(bw_done(&w));
	EXPECT_EQ(cs, ctx_switches(w.tid)) TH_LOG("woken while the slow reader holds the ring");
	ASSERT_EQ(100, kst_rd(slow, buf + 128, 128));
	ASSERT_EQ(0, kst_join_ms(w.th, 2000)) TH_LOG("not woken by the slowest reader");
	EXPECT_EQ(100, w.ret);
}

/* A reader that jumps to the live end makes room: the producer goes on. */
TEST_F_TIMEOUT(bt, producer_woken_by_seek, 60)
{
	static unsigned char buf[256];
	unsigned int next = 0;
	struct bw w;
	int rfd, wnb, wb;

	KST_MK("sk", 4096, 0, KSTREAM_POLICY_BLOCK);
	rfd = KST_OPEN("sk", O_RDONLY | O_NONBLOCK);
	wnb = KST_OPEN("sk", O_WRONLY | O_NONBLOCK);
	wb = KST_OPEN("sk", O_WRONLY);
	ASSERT_LT(0, kst_fill_until_eagain(wnb, 100, &next));
	kst_fill(buf, 100, next);
	ASSERT_EQ(0, bw_start(&w, wb, buf, 100));
	EXPECT_EQ((off_t)next, kst_seek(rfd, 0, SEEK_END));
	ASSERT_EQ(0, kst_join_ms(w.th, 2000)) TH_LOG("not woken by the seek");
	EXPECT_EQ(100, w.ret);
}

TEST_HARNESS_MAIN
