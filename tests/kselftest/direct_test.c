// SPDX-License-Identifier: GPL-2.0
/*
 * One copy fewer on the publish path (kmod/ring.c, "Reservation"):
 * messages above the stack-staging size, and batches of an fd without a
 * producer id, are copied from the producer straight into the ring and
 * judged there.  What must hold:
 *
 *   - a record the eBPF verdict drops is invisible to read(), records
 *     mode, the mapped ring (its bytes are not even left in the free
 *     space) and libkstream's zero-copy consumer, and leaves no gap in
 *     the sequence (6.9+: filters);
 *   - a producer whose buffer faults part-way (a bad pointer, a page it
 *     cannot read) leaves no visible byte, no gap, nothing in the ring;
 *     a page that is merely not mapped in yet is published all the same;
 *   - an idempotent producer's origin block is written in place, and its
 *     retries are discarded without a gap;
 *   - concurrent producers (direct, staged, batch) commit whole records
 *     in one order: consecutive sequences, each producer's own in order,
 *     every payload intact, for read() and the zero-copy consumer.
 *
 * Runs with kstream unloaded; the fixtures load it.
 */
#include <pthread.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "ksft_bpf.h"
#include <libkstream.h>

#define HDR sizeof(struct kstream_msg_hdr)
#define BIG 1024		/* above the stack-staging size: direct */
#define MARK 0xd5		/* the bytes of every dropped/faulted message */

/* ------------------------------------------------------------ helpers */

struct ring_map {
	void *base;
	size_t len;
	struct kstream_ring_ctl *ctl;
	unsigned char *data;
};

static int ring_map(int fd, struct ring_map *m)
{
	struct kstream_fd_info info;
	long page = sysconf(_SC_PAGESIZE);

	if (kst_info(fd, &info))
		return -1;
	m->len = page + 2 * info.ring_size;
	m->base = mmap(NULL, m->len, PROT_READ, MAP_SHARED, fd, 0);
	if (m->base == MAP_FAILED)
		return -1;
	m->ctl = m->base;
	m->data = (unsigned char *)m->base + page;
	return 0;
}

/* Does the ring's data hold a run of 32 MARK bytes anywhere? */
static bool ring_has_mark(const struct ring_map *m)
{
	__u64 size = m->ctl->size, i, run = 0;

	for (i = 0; i < size; i++) {
		run = m->data[i] == MARK ? run + 1 : 0;
		if (run >= 32)
			return true;
	}
	return false;
}

/*
 * Walk the mapped ring from tail to head as a zero-copy consumer does: the
 * number of records, if their sequences run on from @first_seq with no
 * gap, no flag is set and (if @word) each payload starts with *@word;
 * else -1.
 */
static int ring_walk(const struct ring_map *m, __u64 first_seq, int n_max,
		     const __u32 *word)
{
	__u64 pos = __atomic_load_n(&m->ctl->tail, __ATOMIC_RELAXED);
	__u64 head = __atomic_load_n(&m->ctl->head, __ATOMIC_ACQUIRE);
	__u64 seq = first_seq;
	int n = 0;

	while (pos < head && n <= n_max) {
		const struct kstream_msg_hdr *h =
			(const void *)(m->data + (pos & (m->ctl->size - 1)));
		__u32 w;

		if (h->seq != seq || h->flags || h->len < 4)
			return -1;
		memcpy(&w, h + 1, 4);
		if (word && w != *word)
			return -1;
		seq++;
		n++;
		pos += KSTREAM_REC_SIZE(h->len);
	}
	return pos == head ? n : -1;
}

/* A batch of records being built. */
struct batch {
	unsigned char buf[64 * 1024];
	size_t len;
};

static void b_rec(struct batch *b, const void *payload, __u32 len)
{
	struct kstream_msg_hdr h = { .len = len };

	memcpy(b->buf + b->len, &h, HDR);
	memcpy(b->buf + b->len + HDR, payload, len);
	memset(b->buf + b->len + HDR + len, 0, KSTREAM_REC_SIZE(len) - HDR - len);
	b->len += KSTREAM_REC_SIZE(len);
}

/* Message i that the "cafe" filter keeps (first word 0xCAFE) or drops. */
static void msg_make(unsigned char *buf, size_t len, unsigned int i, bool keep)
{
	__u32 w = keep ? 0xCAFE : i;

	if (keep)
		kst_fill(buf, len, i);
	else
		memset(buf, MARK, len);
	memcpy(buf, &w, 4);
	if (keep)
		memcpy(buf + 4, &i, 4);
}

/* ------------------------------------------------------------ filters */

FIXTURE(dbpf) {
	struct kst_nl nl;
};

FIXTURE_SETUP(dbpf)
{
	if (!kst_bpf_supported())
		SKIP(return, "eBPF ingress filters need Linux 6.9+");
	kst_bpf_fixture_load(_metadata, &self->nl);
}

FIXTURE_TEARDOWN(dbpf)
{
	kst_bpf_fixture_unload(_metadata, &self->nl);
}

/*
 * Dropped records, written one by one (direct and stack-staged sizes) and
 * in batches: consecutive sequences for every kind of reader, none of
 * their bytes anywhere in the ring, the counters exact.
 */
TEST_F_TIMEOUT(dbpf, dropped_invisible_no_gap, 120)
{
	static unsigned char buf[4096], rd[64 * 1024];
	static struct batch b;
	const __u32 cafe = 0xCAFE;
	struct ks_consumer *zc;
	struct ring_map m;
	int rfd, cfd, wfd, i, kept = 0, sent = 0, n;
	struct ks_msg msg;
	ssize_t got;
	__u64 seq;

	KST_MK("dflt", 1 << 20, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("dflt", O_RDONLY | O_NONBLOCK);
	cfd = KST_OPEN("dflt", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("dflt", O_WRONLY);
	ASSERT_EQ(0, ks_consumer_open(&zc, "dflt", KS_ZEROCOPY | KS_NONBLOCK));
	ASSERT_EQ(0, ring_map(rfd, &m));
	CTL("filter load filter cafe offset 0 u32 eq 0xCAFE");
	ATTACH("dflt", "cafe");

	/* one by one: sizes on both sides of the direct threshold */
	for (i = 0; i < 300; i++) {
		size_t len = i % 5 == 0 ? 64 : i % 5 == 1 ? 257 : BIG + i;
		bool keep = i % 3 == 0;

		msg_make(buf, len, i, keep);
		ASSERT_EQ((ssize_t)len, kst_wr(wfd, buf, len));
		sent++;
		kept += keep;
	}
	/* batches: every other record dropped, one all dropped */
	ASSERT_EQ(0, kst_set_flags(wfd, KSTREAM_FD_BATCH));
	for (n = 0; n < 10; n++) {
		b.len = 0;
		for (i = 0; i < 40; i++) {
			bool keep = n != 3 && i % 2;

			msg_make(buf, 300 + i, 1000 + n * 40 + i, keep);
			b_rec(&b, buf, 300 + i);
			sent++;
			kept += keep;
		}
		ASSERT_EQ((ssize_t)b.len, kst_wr(wfd, b.buf, b.len));
	}
	/* last, a big one dropped where a small kept one cannot cover it */
	ASSERT_EQ(0, kst_set_flags(wfd, 0));
	msg_make(buf, 4000, 5000, false);
	ASSERT_EQ(4000, kst_wr(wfd, buf, 4000));
	msg_make(buf, 64, 5001, true);
	ASSERT_EQ(64, kst_wr(wfd, buf, 64));
	sent += 2;
	kept++;
	EXPECT_EQ(kept, KST_STAT("dflt", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(sent - kept, KST_STAT("dflt", KSTREAM_STAT_DROPPED_FILTER));

	/* read(): one message a call, each one kept */
	for (i = 0; i < kept; i++) {
		__u32 w;

		got = read(rfd, rd, sizeof(rd));
		ASSERT_LT(8, got) TH_LOG("message %d: %zd (%d)", i, got, errno);
		memcpy(&w, rd, 4);
		ASSERT_EQ(0xCAFE, w);
		EXPECT_EQ(lseek(rfd, 0, SEEK_CUR), i + 1);
	}
	EXPECT_EQ(-1, read(rfd, rd, sizeof(rd)));
	EXPECT_EQ(EAGAIN, errno);

	/* records mode: sequences 0.. with no gap */
	ASSERT_EQ(0, kst_set_flags(cfd, KSTREAM_FD_RECORDS));
	seq = 0;
	while ((got = read(cfd, rd, sizeof(rd))) > 0) {
		size_t off = 0;

		while (off < (size_t)got) {
			const struct kstream_msg_hdr *h = (void *)(rd + off);
			__u32 w;

			ASSERT_EQ(seq, h->seq);
			memcpy(&w, h + 1, 4);
			ASSERT_EQ(0xCAFE, w);
			seq++;
			off += KSTREAM_REC_SIZE(h->len);
		}
	}
	EXPECT_EQ((__u64)kept, seq);

	/* the zero-copy consumer: same, and nothing counted lost */
	seq = 0;
	while ((n = ks_next(zc, &msg)) == 1) {
		__u32 w;

		ASSERT_EQ(seq, msg.seq);
		memcpy(&w, msg.data, 4);
		ASSERT_EQ(0xCAFE, w);
		ASSERT_EQ(0, ks_release(zc));
		seq++;
	}
	EXPECT_EQ(0, n);
	EXPECT_EQ((__u64)kept, seq);
	EXPECT_EQ(0, ks_lost(zc));

	/* the mapped ring, walked by hand; no byte of a dropped message */
	EXPECT_EQ(kept, ring_walk(&m, 0, kept, &cafe));
	EXPECT_FALSE(ring_has_mark(&m));
	EXPECT_EQ(0, KST_STAT("dflt", KSTREAM_STAT_LOST));
	ks_consumer_close(zc);
	munmap(m.base, m.len);
}

/* ------------------------------------------------- faults, concurrency */

FIXTURE(dp) {
	struct kst_nl nl;
};

FIXTURE_SETUP(dp)
{
	kst_fixture_load(_metadata, &self->nl, NULL);
}

FIXTURE_TEARDOWN_PARENT(dp)
{
	kst_fixture_unload_parent(_metadata);
}

/*
 * A buffer whose second page cannot be read: the write faults part-way
 * (the direct copy, then the staged one); nothing is published, no byte
 * of it is in the ring, and the next message takes the next sequence.
 */
TEST_F(dp, fault_mid_copy)
{
	long page = sysconf(_SC_PAGESIZE);
	static unsigned char rd[8192];
	static struct batch b;
	struct ring_map m;
	unsigned char *p;
	void *bad;
	int rfd, wfd, memfd, i;
	ssize_t got;

	KST_MK("dfault", 1 << 16, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("dfault", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("dfault", O_WRONLY);
	ASSERT_EQ(0, ring_map(rfd, &m));

	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, MARK, page);
	ASSERT_EQ(0, mprotect(p + page, page, PROT_NONE));

	ASSERT_EQ(100, kst_wr_msg(wfd, 100, 0));
	ASSERT_EQ(BIG, kst_wr_msg(wfd, BIG, 1));
	/* a bad pointer, then a buffer that ends in the unreadable page */
	bad = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, bad);
	munmap(bad, page);
	EXPECT_EQ(-EFAULT, kst_wr(wfd, bad, BIG));
	EXPECT_EQ(-EFAULT, kst_wr(wfd, p + page - 512, BIG));
	EXPECT_EQ(-EFAULT, kst_wr(wfd, p + page - 100, 200));
	EXPECT_EQ(2, KST_STAT("dfault", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(2, __atomic_load_n(&m.ctl->head_seq, __ATOMIC_RELAXED));
	EXPECT_FALSE(ring_has_mark(&m));

	/* a page not mapped in yet (a file's, never touched): published */
	memfd = memfd_create("direct", 0);
	ASSERT_LE(0, memfd);
	kst_fill(rd, BIG, 2);
	ASSERT_EQ(BIG, write(memfd, rd, BIG));
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, memfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(BIG, kst_wr(wfd, p, BIG));
	munmap(p, page);
	close(memfd);
	ASSERT_EQ(BIG, kst_wr_msg(wfd, BIG, 3));

	/* a batch whose third record crosses into the unreadable page */
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, kst_set_flags(wfd, KSTREAM_FD_BATCH));
	b.len = 0;
	for (i = 0; i < 3; i++) {
		kst_fill(rd, 1500, 4 + i);
		b_rec(&b, rd, 1500);
	}
	memset(p, MARK, page);
	memcpy(p + page - b.len + 500, b.buf, b.len - 500);
	ASSERT_EQ(0, mprotect(p + page, page, PROT_NONE));
	/* records 0 and 1 are whole before the page: taken; 2 faults */
	got = kst_wr(wfd, p + page - b.len + 500, b.len);
	EXPECT_EQ((ssize_t)(2 * KSTREAM_REC_SIZE(1500)), got);
	EXPECT_EQ(-EFAULT, kst_wr(wfd, p + page - b.len + 500 + got,
				  b.len - got));
	munmap(p, 2 * page);

	EXPECT_EQ(6, KST_STAT("dfault", KSTREAM_STAT_PUBLISHED));
	EXPECT_FALSE(ring_has_mark(&m));
	EXPECT_EQ(6, ring_walk(&m, 0, 6, NULL));
	/* every reader sees 0..5, in order, with the right payloads */
	for (i = 0; i < 6; i++) {
		static const size_t len[] = { 100, BIG, BIG, BIG, 1500, 1500 };
		static const unsigned int id[] = { 0, 1, 2, 3, 4, 5 };

		got = read(rfd, rd, sizeof(rd));
		ASSERT_EQ((ssize_t)len[i], got) TH_LOG("message %d", i);
		EXPECT_TRUE(kst_check_fill(rd, len[i], id[i])) TH_LOG("message %d", i);
		EXPECT_EQ(i + 1, lseek(rfd, 0, SEEK_CUR));
	}
	EXPECT_EQ(-1, read(rfd, rd, sizeof(rd)));
	munmap(m.base, m.len);
}

/*
 * An idempotent producer's big messages: the origin block is written in
 * place before the body copied into the ring; retries are discarded in
 * the reservation with no gap.
 */
TEST_F(dp, idempotent_in_place)
{
	struct kstream_producer p = { .id = 77, .next_seq = 0 };
	static unsigned char rd[64 * 1024];
	int rfd, wfd, i, n = 0;
	ssize_t got;
	size_t off;

	KST_MK("didem", 1 << 20, 0, KSTREAM_POLICY_OVERWRITE);
	rfd = KST_OPEN("didem", O_RDONLY | O_NONBLOCK);
	wfd = KST_OPEN("didem", O_WRONLY);
	ASSERT_EQ(0, kst_set_flags(rfd, KSTREAM_FD_RECORDS | KSTREAM_FD_ORIGIN));
	ASSERT_EQ(0, ioctl(wfd, KSTREAM_IOC_SET_PRODUCER, &p));
	for (i = 0; i < 10; i++)
		ASSERT_EQ(BIG + i, kst_wr_msg(wfd, BIG + i, i));
	/* resend 5..9 (duplicates), then 10..14 */
	p.next_seq = 5;
	ASSERT_EQ(0, ioctl(wfd, KSTREAM_IOC_SET_PRODUCER, &p));
	for (i = 5; i < 15; i++)
		ASSERT_EQ(BIG + i, kst_wr_msg(wfd, BIG + i, i));
	EXPECT_EQ(15, KST_STAT("didem", KSTREAM_STAT_PUBLISHED));
	EXPECT_EQ(5, KST_STAT("didem", KSTREAM_STAT_DROPPED_DUPLICATE));

	while ((got = read(rfd, rd, sizeof(rd))) > 0) {
		for (off = 0; off < (size_t)got; n++) {
			const struct kstream_msg_hdr *h = (void *)(rd + off);
			const struct kstream_msg_origin *o = (const void *)(h + 1);

			ASSERT_EQ((__u64)n, h->seq);
			ASSERT_EQ(KSTREAM_MSG_ORIGIN, h->flags);
			ASSERT_EQ(77, o->producer_id);
			ASSERT_EQ((__u64)n, o->producer_seq);
			ASSERT_EQ(BIG + n, kstream_msg_payload_len(h));
			EXPECT_TRUE(kst_check_fill(kstream_msg_payload(h),
						   BIG + n, n)) TH_LOG("message %d", n);
			off += KSTREAM_REC_SIZE(h->len);
		}
	}
	EXPECT_EQ(15, n);
}

struct prod_arg {
	int fd;
	unsigned int id;
	int n;
	bool batch;
	int err;
};

/* Message k of producer id: sizes on both sides of the threshold. */
static size_t prod_len(unsigned int id, int k)
{
	static const size_t sizes[] = { 24, 200, 300, 1024, 3000, 4000 };

	return sizes[(id + k) % 6];
}

static void prod_fill(unsigned char *buf, size_t len, unsigned int id, int k)
{
	__u32 tag[2] = { id, (__u32)k };

	kst_fill(buf, len, id << 20 | k);
	memcpy(buf, tag, sizeof(tag));
}

static void *producer(void *arg)
{
	struct prod_arg *a = arg;
	static __thread struct batch b;
	unsigned char buf[4096];
	int k;

	for (k = 0; k < a->n; ) {
		size_t len = prod_len(a->id, k);
		ssize_t r;

		if (!a->batch) {
			prod_fill(buf, len, a->id, k);
			r = write(a->fd, buf, len);
			if (r != (ssize_t)len) {
				a->err = r < 0 ? errno : EIO;
				return NULL;
			}
			k++;
			continue;
		}
		b.len = 0;
		for (; k < a->n && b.len + KSTREAM_REC_SIZE(4000) < 16384; k++) {
			prod_fill(buf, prod_len(a->id, k), a->id, k);
			b_rec(&b, buf, prod_len(a->id, k));
		}
		r = write(a->fd, b.buf, b.len);
		if (r != (ssize_t)b.len) {
			a->err = r < 0 ? errno : EIO;
			return NULL;
		}
	}
	return NULL;
}

struct check {
	int next[8];
	__u64 seq;
	int bad;
};

static void check_msg(struct check *c, __u64 seq, const void *p, size_t len)
{
	__u32 tag[2];

	memcpy(tag, p, sizeof(tag));
	if (seq != c->seq || tag[0] >= 8 || (int)tag[1] != c->next[tag[0]] ||
	    len != prod_len(tag[0], tag[1])) {
		c->bad++;
	} else {
		unsigned char want[4096];

		prod_fill(want, len, tag[0], tag[1]);
		if (memcmp(want, p, len))
			c->bad++;
		c->next[tag[0]]++;
	}
	c->seq++;
}

/*
 * Six producers (four writing one message a call, direct and staged
 * sizes mixed, two writing batches) on a block topic smaller than what
 * they write, a records-mode reader and a zero-copy consumer: one order
 * for both, consecutive sequences, each producer's messages in its own
 * order and intact.
 */
TEST_F_TIMEOUT(dp, concurrent_producers_in_order, 300)
{
	static unsigned char rd[64 * 1024];
	struct prod_arg a[6];
	pthread_t th[6];
	struct check cr = {}, cz = {};
	struct ks_consumer *zc;
	struct ks_msg msg;
	int rfd, i, total = 0, n;
	bool done = false;

	KST_MK("dconc", 1 << 16, 4096, KSTREAM_POLICY_BLOCK);
	rfd = KST_OPEN("dconc", O_RDONLY | O_NONBLOCK);
	ASSERT_EQ(0, kst_set_flags(rfd, KSTREAM_FD_RECORDS));
	ASSERT_EQ(0, ks_consumer_open(&zc, "dconc", KS_ZEROCOPY | KS_NONBLOCK));
	for (i = 0; i < 6; i++) {
		a[i] = (struct prod_arg){ .id = i, .n = 1500, .batch = i >= 4 };
		a[i].fd = KST_OPEN("dconc", O_WRONLY);
		if (a[i].batch)
			ASSERT_EQ(0, kst_set_flags(a[i].fd, KSTREAM_FD_BATCH));
		total += a[i].n;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, producer, &a[i]));
	}
	while (!done) {
		ssize_t got = read(rfd, rd, sizeof(rd));
		size_t off = 0;

		if (got < 0 && errno != EAGAIN)
			break;
		while (got > 0 && off < (size_t)got) {
			const struct kstream_msg_hdr *h = (void *)(rd + off);

			check_msg(&cr, h->seq, h + 1, h->len);
			off += KSTREAM_REC_SIZE(h->len);
		}
		while ((n = ks_next(zc, &msg)) == 1) {
			check_msg(&cz, msg.seq, msg.data, msg.len);
			if (ks_release(zc))
				cz.bad++;
		}
		done = cr.seq >= (__u64)total && cz.seq >= (__u64)total;
		if (got <= 0)
			kst_poll(rfd, POLLIN, 100);
	}
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(0, pthread_join(th[i], NULL));
		EXPECT_EQ(0, a[i].err) TH_LOG("producer %d: %s", i, strerror(a[i].err));
		EXPECT_EQ(a[i].n, cr.next[i]);
		EXPECT_EQ(a[i].n, cz.next[i]);
	}
	EXPECT_EQ(0, cr.bad);
	EXPECT_EQ(0, cz.bad);
	EXPECT_EQ((__u64)total, cr.seq);
	EXPECT_EQ((__u64)total, cz.seq);
	EXPECT_EQ(0, ks_lost(zc));
	EXPECT_EQ(total, KST_STAT("dconc", KSTREAM_STAT_PUBLISHED));
	ks_consumer_close(zc);
}

TEST_HARNESS_MAIN
