// SPDX-License-Identifier: GPL-2.0
/*
 * kstream-bench: the workloads, over any transport of bench.h.
 *
 *   kstream-bench throughput TRANSPORT SIZE [-r READERS] [-p PRODUCERS]
 *                            [-t SECONDS] [-n NAME]
 *   kstream-bench pingpong TRANSPORT SIZE [-s] [-t SECONDS] [-n NAME]
 *   kstream-bench memcpy SIZE [-t SECONDS]
 *   kstream-bench memory TOPIC N read|mmap
 *   kstream-bench topics N SIZE [-t SECONDS]
 *   kstream-bench rt TRANSPORT SIZE [-t SECONDS] [-n NAME]
 *   kstream-bench list
 *
 * throughput: P producers publish SIZE-byte messages for SECONDS, then one
 *   final message each; R readers each receive every message.  Every
 *   reader checks every message: per-producer sequence (no loss, no
 *   duplicate, no reordering), a trailer equal to the header (not torn)
 *   and a checksum of the whole payload against what was sent.  Any
 *   mismatch fails the run (exit 1): no figure comes from a broken run.
 * pingpong: a message goes A -> B on stream NAME, B sends it back on
 *   NAME-pong; round trips for SECONDS (2000 at least, if they fit in 10 x
 *   SECONDS; the first 100 not counted), percentiles of the round-trip
 *   time.  SECONDS below 1 is a smoke run (make check): 200 rounds at
 *   least, 10 not counted.
 *   -s: readers busy-poll (transports that can).
 * memcpy: copy bandwidth of SIZE-byte buffers, the reference for payload
 *   copies.
 * memory: the memory N kstream consumers of TOPIC cost (MemFree before and
 *   after opening them; zero-copy ones map the ring and touch all of it).
 * topics: N topics (64 KiB rings, block policy) created over netlink, one
 *   producer and one zero-copy consumer each, all at once for SECONDS,
 *   with the throughput workload's checks on every message: aggregate
 *   messages/s, the kernel memory a topic costs (MemFree before and after
 *   creating them) and how many topics are created and deleted per second.
 * rt: the publish-to-deliver latency of a SCHED_FIFO consumer (priority
 *   90, memory locked), messages published every millisecond by a
 *   SCHED_FIFO producer woken by a timer (as cyclictest's thread is), the
 *   send time stamped right after that wakeup; percentiles.  Run it next
 *   to cyclictest on a loaded PREEMPT_RT guest (tests/bench/suite).
 *
 * Output: one line "result key=value ..." (tests/bench/report parses it).
 * Under an emulator (TCG), absolute figures mean little; compare ratios
 * between transports of the same run.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <linux/kstream.h>
#include <libkstream.h>

#include "bench.h"

static const struct bench_transport *const transports[] = {
	&bench_kstream_read, &bench_kstream_batch, &bench_kstream_mmap,
	&bench_kstream_batch_cw, &bench_kstream_mmap_cw, &bench_kstream_mmap_batchpub,
	&bench_kstream_mmap_adaptive, &bench_pipe, &bench_unix, &bench_mq, &bench_zmq,
	&bench_mqtt, &bench_iceoryx,
};

#define N_TRANSPORTS (sizeof(transports) / sizeof(transports[0]))

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int bench_err(const char *what, int err)
{
	fprintf(stderr, "kstream-bench: %s: %s\n", what, strerror(err));
	return -err;
}

/*
 * Payload: header, then filler words, then a trailer (the index again) in
 * the last 8 bytes when the message has room for one.
 */
static void fill(uint8_t *buf, size_t size, uint32_t producer)
{
	struct bench_hdr h = { .producer = producer };
	size_t k;

	memcpy(buf, &h, sizeof(h));
	for (k = sizeof(h); k < size; k++)
		buf[k] = (uint8_t)(k * 131 + producer);
}

static void stamp(uint8_t *buf, size_t size, uint64_t idx, uint32_t last)
{
	struct bench_hdr *h = (struct bench_hdr *)buf;

	h->idx = idx;
	h->last = last;
	if (size >= sizeof(*h) + 8)
		memcpy(buf + size - 8, &idx, 8);
}

/* A checksum that reads every byte; the optimiser vectorises it. */
static uint64_t checksum(const uint8_t *p, size_t len)
{
	uint64_t a = 0, b = 0, w;
	size_t k;

	for (k = 0; k + 8 <= len; k += 8) {
		memcpy(&w, p + k, 8);
		a += w;
		b += a;
	}
	for (; k < len; k++)
		a += p[k];
	return a ^ (b << 1);
}

/* ------------------------------------------------------------ throughput */

struct run {
	const struct bench_transport *t;
	struct bench_cfg cfg;
	struct bench_stream *s;
	double secs;
	uint64_t t_end;		/* producers stop sending at this time */
	pthread_barrier_t start;
	pthread_barrier_t *startp;	/* &start, or one shared by many runs */
	struct reader *readers;	/* for window: their progress */
	uint64_t window;	/* messages, 0 = none */
};

struct prod {
	pthread_t thread;
	struct run *run;
	struct bench_prod *p;
	unsigned int idx;
	uint64_t sent;		/* messages, the final one included */
	uint64_t cpu_ns;
	uint64_t t_start;	/* when it left the start barrier */
	int err;
};

struct reader {
	pthread_t thread;
	struct run *run;
	struct bench_reader *r;
	uint64_t *next;		/* per producer: the index expected next */
	uint64_t *sums;		/* per producer: checksums received */
	uint64_t got;		/* written by the reader only; read atomically */
	uint64_t t_done;
	unsigned int bad;
	int err;
};

/* Transports without end-to-end backpressure: wait for the slowest reader. */
static void wait_window(struct run *run, uint64_t sent)
{
	unsigned int i;
	uint64_t got;

	for (i = 0; i < run->cfg.readers; i++) {
		for (;;) {
			got = __atomic_load_n(&run->readers[i].got, __ATOMIC_RELAXED);
			/* All producers count: each is about as far as this one. */
			if (sent * run->cfg.producers < got + run->window)
				break;
			usleep(50);
		}
	}
}

static void *producer_main(void *arg)
{
	struct prod *w = arg;
	struct run *run = w->run;
	size_t size = run->cfg.size;
	uint8_t *buf = malloc(size);
	uint64_t i = 0, c0;
	bool last = false;

	if (!buf) {
		w->err = -ENOMEM;
		return NULL;
	}
	fill(buf, size, w->idx);
	pthread_barrier_wait(run->startp);
	w->t_start = bench_now_ns();
	c0 = thread_cpu_ns();
	while (!last) {
		/* Look at the clock every 64 messages only. */
		last = !(i & 63) && bench_now_ns() >= run->t_end;
		if (run->window && !(i & 15))
			wait_window(run, i);
		stamp(buf, size, i, last);
		w->err = run->t->send(w->p, buf, size);
		if (!w->err && last && run->t->flush)
			w->err = run->t->flush(w->p);
		if (w->err) {
			bench_err("send", -w->err);
			break;
		}
		i++;
	}
	w->cpu_ns = thread_cpu_ns() - c0;
	w->sent = i;
	free(buf);
	return NULL;
}

static void *reader_main(void *arg)
{
	struct reader *w = arg;
	struct run *run = w->run;
	unsigned int open = run->cfg.producers;
	struct bench_msg m;
	struct bench_hdr h;
	uint64_t trailer;

	pthread_barrier_wait(run->startp);
	while (open) {
		w->err = run->t->recv(w->r, &m);
		if (w->err) {
			bench_err("recv", -w->err);
			break;
		}
		if (m.len != run->cfg.size) {
			w->bad++;
			run->t->release(w->r);
			break;
		}
		memcpy(&h, m.data, sizeof(h));
		if (h.producer >= run->cfg.producers) {
			w->bad++;
			run->t->release(w->r);
			break;
		}
		if (h.idx != w->next[h.producer]) {
			if (w->bad++ < 5)
				fprintf(stderr, "kstream-bench: reader got producer %u index %" PRIu64
					", expected %" PRIu64 "\n", h.producer, h.idx,
					w->next[h.producer]);
			w->next[h.producer] = h.idx;
		}
		if (m.len >= sizeof(h) + 8) {
			memcpy(&trailer, (const uint8_t *)m.data + m.len - 8, 8);
			if (trailer != h.idx)
				w->bad++;
		}
		w->sums[h.producer] += checksum(m.data, m.len);
		run->t->release(w->r);
		w->next[h.producer]++;
		__atomic_store_n(&w->got, w->got + 1, __ATOMIC_RELAXED);
		if (h.last)
			open--;
	}
	w->t_done = bench_now_ns();
	return NULL;
}

/* What reader sums must be: the checksums of what producer p sent. */
static uint64_t expected_sum(size_t size, unsigned int p, uint64_t sent)
{
	uint8_t *buf = malloc(size);
	uint64_t i, sum = 0;

	if (!buf)
		return 0;
	fill(buf, size, p);
	for (i = 0; i < sent; i++) {
		stamp(buf, size, i, i + 1 == sent);
		sum += checksum(buf, size);
	}
	free(buf);
	return sum;
}

static int throughput(const struct bench_transport *t, struct bench_cfg *cfg,
		      double secs)
{
	struct run run = { .t = t, .cfg = *cfg, .secs = secs };
	unsigned int R = cfg->readers, P = cfg->producers, i, j, bad = 0;
	uint64_t t0, t1 = 0, msgs = 0, cpu = 0, want;
	struct reader *rd = calloc(R, sizeof(*rd));
	struct prod *pd = calloc(P, sizeof(*pd));
	int err, ret = 1;

	if (!rd || !pd)
		goto out;
	run.readers = rd;
	/* 1024 messages keep a broker busy, and its backlog short. */
	if (t->window)
		run.window = BENCH_BUDGET / cfg->size < 1024 ? BENCH_BUDGET / cfg->size : 1024;
	err = t->open(&run.cfg, &run.s);
	if (err) {
		bench_err("open", -err);
		goto out;
	}
	for (i = 0; i < R; i++) {
		rd[i].run = &run;
		rd[i].next = calloc(P, sizeof(uint64_t));
		rd[i].sums = calloc(P, sizeof(uint64_t));
		if (!rd[i].next || !rd[i].sums)
			goto out_close;
		err = t->reader(run.s, i, &rd[i].r);
		if (err) {
			bench_err("reader", -err);
			goto out_close;
		}
	}
	if (t->ready) {
		err = t->ready(run.s);
		if (err) {
			bench_err("ready", -err);
			goto out_close;
		}
	}
	for (i = 0; i < P; i++) {
		pd[i].run = &run;
		pd[i].idx = i;
		err = t->producer(run.s, i, &pd[i].p);
		if (err) {
			bench_err("producer", -err);
			goto out_close;
		}
	}
	pthread_barrier_init(&run.start, NULL, R + P + 1);
	run.startp = &run.start;
	for (i = 0; i < R; i++)
		pthread_create(&rd[i].thread, NULL, reader_main, &rd[i]);
	for (i = 0; i < P; i++)
		pthread_create(&pd[i].thread, NULL, producer_main, &pd[i]);
	t0 = bench_now_ns();
	run.t_end = t0 + (uint64_t)(secs * 1e9);
	pthread_barrier_wait(run.startp);
	t0 = bench_now_ns();
	for (i = 0; i < P; i++) {
		pthread_join(pd[i].thread, NULL);
		msgs += pd[i].sent;
		cpu += pd[i].cpu_ns;
		if (pd[i].err)
			bad++;
	}
	for (i = 0; i < R; i++) {
		pthread_join(rd[i].thread, NULL);
		if (rd[i].t_done > t1)
			t1 = rd[i].t_done;
		if (rd[i].err || rd[i].bad || rd[i].got != msgs) {
			fprintf(stderr, "kstream-bench: %s reader %u: %" PRIu64 " of %" PRIu64
				" messages, %u bad, error %d\n", t->name, i, rd[i].got,
				msgs, rd[i].bad, rd[i].err);
			bad++;
		}
	}
	for (j = 0; j < P && !bad; j++) {
		want = expected_sum(cfg->size, j, pd[j].sent);
		for (i = 0; i < R; i++) {
			if (rd[i].sums[j] != want) {
				fprintf(stderr, "kstream-bench: %s reader %u: checksum of producer %u wrong\n",
					t->name, i, j);
				bad++;
			}
		}
	}
	t->close(run.s);
	if (bad) {
		printf("result workload=throughput transport=%s size=%zu readers=%u producers=%u status=FAILED\n",
		       t->name, cfg->size, R, P);
		goto out;
	}
	printf("result workload=throughput transport=%s size=%zu readers=%u producers=%u "
	       "msgs=%" PRIu64 " secs=%.3f msg_s=%.0f deliv_s=%.0f mb_s=%.1f prod_ns=%.0f status=ok\n",
	       t->name, cfg->size, R, P, msgs, (t1 - t0) / 1e9,
	       msgs * 1e9 / (t1 - t0), msgs * R * 1e9 / (t1 - t0),
	       msgs * cfg->size * 1e3 / (t1 - t0), (double)cpu / msgs);
	ret = 0;
	goto out;
out_close:
	t->close(run.s);
out:
	for (i = 0; rd && i < R; i++) {
		free(rd[i].next);
		free(rd[i].sums);
	}
	free(rd);
	free(pd);
	return ret;
}

/* -------------------------------------------------------------- pingpong */

struct echo {
	const struct bench_transport *t;
	struct bench_reader *r;
	struct bench_prod *p;
	pthread_barrier_t *start;
	int err;
};

/* B: send every message back, until the final one. */
static void *echo_main(void *arg)
{
	struct echo *e = arg;
	struct bench_hdr h;
	struct bench_msg m;

	pthread_barrier_wait(e->start);
	for (;;) {
		e->err = e->t->recv(e->r, &m);
		if (e->err)
			break;
		memcpy(&h, m.data, sizeof(h));
		e->err = e->t->send(e->p, m.data, m.len);
		if (!e->err && e->t->flush)
			e->err = e->t->flush(e->p);
		e->t->release(e->r);
		if (e->err || h.last)
			break;
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int pingpong(const struct bench_transport *t, struct bench_cfg *cfg,
		    double secs)
{
	struct bench_cfg pong_cfg = *cfg;
	struct bench_stream *ping = NULL, *pong = NULL;
	struct bench_reader *ar;
	struct bench_prod *ap;
	pthread_barrier_t start;
	struct echo e = { .t = t, .start = &start };
	uint64_t *rtt, n = 0, cap = 1 << 20, t_end, t_hard, i, bad = 0;
	/* A smoke run (under a second) proves the path works, no more. */
	uint64_t min_rounds = secs < 1 ? 200 : 2000, warm = secs < 1 ? 10 : 100;
	char name[128];
	uint8_t *buf = malloc(cfg->size);
	struct bench_msg m;
	struct bench_hdr h;
	pthread_t thr;
	int err, ret = 1;

	rtt = malloc(cap * sizeof(*rtt));
	if (!buf || !rtt)
		goto out;
	snprintf(name, sizeof(name), "%s-pong", cfg->name);
	pong_cfg.name = name;
	err = t->open(cfg, &ping);
	if (err)
		ping = NULL;
	else
		err = t->open(&pong_cfg, &pong);
	if (err) {
		pong = NULL;
		bench_err("open", -err);
		goto out_close;
	}
	if ((err = t->reader(ping, 0, &e.r)) || (err = t->reader(pong, 0, &ar)) ||
	    (t->ready && ((err = t->ready(ping)) || (err = t->ready(pong)))) ||
	    (err = t->producer(ping, 0, &ap)) || (err = t->producer(pong, 0, &e.p))) {
		bench_err("setup", -err);
		goto out_close;
	}
	fill(buf, cfg->size, 0);
	pthread_barrier_init(&start, NULL, 2);
	pthread_create(&thr, NULL, echo_main, &e);
	pthread_barrier_wait(&start);
	/* SECONDS, but 2000 rounds at least (p99.9), within 10 x SECONDS. */
	t_end = bench_now_ns() + (uint64_t)(secs * 1e9);
	t_hard = t_end + (uint64_t)(9 * secs * 1e9);
	for (i = 0;; i++) {
		uint64_t t0 = bench_now_ns();
		bool last = n == cap || t0 >= t_hard || (t0 >= t_end && n >= min_rounds);

		stamp(buf, cfg->size, i, last);
		err = t->send(ap, buf, cfg->size);
		if (!err && t->flush)
			err = t->flush(ap);
		if (err)
			break;
		err = t->recv(ar, &m);
		if (err)
			break;
		memcpy(&h, m.data, sizeof(h));
		if (m.len != cfg->size || h.idx != i)
			bad++;
		t->release(ar);
		/* The first rounds warm caches and paths up: not counted. */
		if (i >= warm)
			rtt[n++] = bench_now_ns() - t0;
		if (last)
			break;
	}
	pthread_join(thr, NULL);
	t->close(ping);
	t->close(pong);
	ping = pong = NULL;
	if (err || e.err || bad || n < warm) {
		fprintf(stderr, "kstream-bench: %s pingpong: error %d/%d, %" PRIu64 " bad, %" PRIu64 " rounds\n",
			t->name, err, e.err, bad, n);
		printf("result workload=pingpong transport=%s size=%zu spin=%d status=FAILED\n",
		       t->name, cfg->size, cfg->spin);
		goto out;
	}
	qsort(rtt, n, sizeof(*rtt), cmp_u64);
	printf("result workload=pingpong transport=%s size=%zu spin=%d rounds=%" PRIu64
	       " p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f status=ok\n",
	       t->name, cfg->size, cfg->spin, n, rtt[n / 2] / 1e3,
	       rtt[n * 99 / 100] / 1e3, rtt[n * 999 / 1000] / 1e3, rtt[n - 1] / 1e3);
	ret = 0;
out_close:
	if (ping)
		t->close(ping);
	if (pong)
		t->close(pong);
out:
	free(rtt);
	free(buf);
	return ret;
}

/* ---------------------------------------------------------------- memcpy */

static int bench_memcpy(size_t size, double secs)
{
	uint8_t *src = malloc(size), *dst = malloc(size);
	uint64_t n = 0, t0, t1, t_end;

	if (!src || !dst)
		return 1;
	memset(src, 0x5a, size);
	memset(dst, 0, size);
	t0 = bench_now_ns();
	t_end = t0 + (uint64_t)(secs * 1e9);
	do {
		for (int k = 0; k < 64; k++, n++) {
			src[n % size] = (uint8_t)n;
			memcpy(dst, src, size);
			/* Keep the copy: the compiler must not drop it. */
			__asm__ volatile("" : : "r"(dst) : "memory");
		}
		t1 = bench_now_ns();
	} while (t1 < t_end);
	printf("result workload=memcpy transport=memcpy size=%zu copies=%" PRIu64
	       " secs=%.3f msg_s=%.0f mb_s=%.1f status=ok\n",
	       size, n, (t1 - t0) / 1e9, n * 1e9 / (t1 - t0), n * size * 1e3 / (t1 - t0));
	free(src);
	free(dst);
	return 0;
}

/* ---------------------------------------------------------------- memory */

/*
 * N topics hold about 3 N descriptors (the mapped consumer, its topic
 * and the producer): more than the usual soft limit of 1024 for 1000
 * topics. Raise it, the hard limit too when allowed (root in the VM).
 */
static int raise_nofile(rlim_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max < need) {
		struct rlimit want = { need, need };

		if (!setrlimit(RLIMIT_NOFILE, &want))
			return 0;
	}
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	return rl.rlim_cur >= need ? 0 : -EMFILE;
}

static long mem_free_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int bench_memory(const char *topic, unsigned int n, bool zerocopy)
{
	struct ks_consumer **c = calloc(n, sizeof(*c));
	unsigned int i;
	long before, after;
	int err;

	if (!c)
		return 1;
	before = mem_free_kb();
	for (i = 0; i < n; i++) {
		err = ks_consumer_open(&c[i], topic, KS_NONBLOCK |
				       (zerocopy ? KS_ZEROCOPY : 0));
		if (err)
			return bench_err("consumer", -err), 1;
		if (zerocopy) {
			struct ks_msg m;

			/* Fault the whole mapping in, as a consumer would. */
			ks_seek(c[i], KS_SEEK_OLDEST, 0);
			while (ks_next(c[i], &m) == 1)
				;
		}
	}
	after = mem_free_kb();
	for (i = 0; i < n; i++)
		ks_consumer_close(c[i]);
	free(c);
	if (before < 0 || after < 0)
		return 1;
	printf("result workload=memory transport=kstream-%s readers=%u bytes_per_reader=%.0f status=ok\n",
	       zerocopy ? "mmap" : "read", n, (before - after) * 1024.0 / n);
	return 0;
}

/* ---------------------------------------------------------------- topics */

#define TOPICS_RING (64 * 1024)

/* One topic of the topics workload: a run of one producer, one reader. */
struct topic_run {
	char name[32];
	struct run run;
	struct reader rd;
	struct prod pd;
	bool created, opened;
};

static int bench_topics(unsigned int n, size_t size, double secs)
{
	const struct bench_transport *t = &bench_kstream_mmap;
	struct topic_run *tr = calloc(n, sizeof(*tr));
	uint64_t t0, t1 = 0, c0, c1, d0, d1, msgs = 0;
	pthread_barrier_t start;
	pthread_attr_t attr;
	struct bench_nl nl;
	long before, after;
	unsigned int i, bad = 0;
	int err, ret = 1;

	if (!tr)
		return 1;
	err = raise_nofile(4 * (rlim_t)n + 64);
	if (err) {
		free(tr);
		return bench_err("descriptors for the topics", -err), 1;
	}
	err = bench_nl_open(&nl);
	if (err) {
		free(tr);
		return bench_err("netlink", -err), 1;
	}
	before = mem_free_kb();
	c0 = bench_now_ns();
	for (i = 0; i < n; i++) {
		snprintf(tr[i].name, sizeof(tr[i].name), "kbt%u", i);
		err = bench_nl_topic_add(&nl, tr[i].name, TOPICS_RING,
					 KSTREAM_POLICY_BLOCK);
		if (err) {
			bench_err("topic add", -err);
			goto out;
		}
		tr[i].created = true;
	}
	c1 = bench_now_ns();
	after = mem_free_kb();

	pthread_barrier_init(&start, NULL, 2 * n + 1);
	for (i = 0; i < n; i++) {
		struct run *run = &tr[i].run;

		run->t = t;
		run->cfg = (struct bench_cfg){ .name = tr[i].name, .size = size,
					       .readers = 1, .producers = 1 };
		run->secs = secs;
		run->readers = &tr[i].rd;
		run->startp = &start;
		tr[i].rd.run = run;
		tr[i].pd.run = run;
		tr[i].rd.next = calloc(1, sizeof(uint64_t));
		tr[i].rd.sums = calloc(1, sizeof(uint64_t));
		if (!tr[i].rd.next || !tr[i].rd.sums)
			goto out;
		err = t->open(&run->cfg, &run->s);
		if (!err) {
			tr[i].opened = true;
			err = t->reader(run->s, 0, &tr[i].rd.r);
		}
		if (!err)
			err = t->producer(run->s, 0, &tr[i].pd.p);
		if (err) {
			bench_err(tr[i].name, -err);
			goto out;
		}
	}
	/* Small stacks: 2 N threads. */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (i = 0; i < n; i++) {
		if (pthread_create(&tr[i].rd.thread, &attr, reader_main, &tr[i].rd) ||
		    pthread_create(&tr[i].pd.thread, &attr, producer_main, &tr[i].pd)) {
			fprintf(stderr, "kstream-bench: topics: cannot start threads for %u topics\n", n);
			exit(1);	/* threads wait on the barrier: no way back */
		}
	}
	t0 = bench_now_ns() + (uint64_t)(secs * 1e9);
	for (i = 0; i < n; i++)
		tr[i].run.t_end = t0;
	pthread_barrier_wait(&start);
	/*
	 * The run starts when the first producer leaves the barrier: with
	 * 2 N busy threads on few CPUs this thread may run again only after
	 * the readers are done.
	 */
	t0 = UINT64_MAX;
	for (i = 0; i < n; i++) {
		struct topic_run *x = &tr[i];

		pthread_join(x->pd.thread, NULL);
		pthread_join(x->rd.thread, NULL);
		msgs += x->pd.sent;
		if (x->pd.t_start < t0)
			t0 = x->pd.t_start;
		if (x->rd.t_done > t1)
			t1 = x->rd.t_done;
		if (x->pd.err || x->rd.err || x->rd.bad || x->rd.got != x->pd.sent ||
		    x->rd.sums[0] != expected_sum(size, 0, x->pd.sent)) {
			fprintf(stderr, "kstream-bench: topic %s: %" PRIu64 " of %" PRIu64
				" messages, %u bad, errors %d/%d\n", x->name, x->rd.got,
				x->pd.sent, x->rd.bad, x->pd.err, x->rd.err);
			bad++;
		}
	}
	pthread_attr_destroy(&attr);
	for (i = 0; i < n; i++) {
		t->close(tr[i].run.s);
		tr[i].opened = false;
	}
	d0 = bench_now_ns();
	for (i = 0; i < n; i++) {
		err = bench_nl_topic_del(&nl, tr[i].name);
		tr[i].created = false;
		if (err)
			bad++;
	}
	d1 = bench_now_ns();
	if (bad) {
		printf("result workload=topics transport=%s topics=%u size=%zu status=FAILED\n",
		       t->name, n, size);
		goto out;
	}
	printf("result workload=topics transport=%s topics=%u size=%zu msgs=%" PRIu64
	       " secs=%.3f msg_s=%.0f bytes_per_topic=%.0f create_s=%.0f delete_s=%.0f status=ok\n",
	       t->name, n, size, msgs, (t1 - t0) / 1e9, msgs * 1e9 / (t1 - t0),
	       before >= 0 && after >= 0 ? (before - after) * 1024.0 / n : 0.0,
	       n * 1e9 / (c1 - c0), n * 1e9 / (d1 - d0));
	ret = 0;
out:
	for (i = 0; i < n; i++) {
		if (tr[i].opened)
			t->close(tr[i].run.s);
		if (tr[i].created)
			bench_nl_topic_del(&nl, tr[i].name);
		free(tr[i].rd.next);
		free(tr[i].rd.sums);
	}
	bench_nl_close(&nl);
	free(tr);
	return ret;
}

/* -------------------------------------------------------------------- rt */

#define RT_PRIO 90
#define RT_PERIOD_NS 1000000ull

struct rt_side {
	const struct bench_transport *t;
	struct bench_prod *p;
	struct bench_reader *r;
	size_t size;
	uint64_t rounds;
	uint64_t *lat;		/* consumer: ns per message */
	uint64_t got;
	int err;
};

static int rt_fifo(void)
{
	struct sched_param sp = { .sched_priority = RT_PRIO };

	return pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
}

/* Every RT_PERIOD_NS on an absolute timer, as cyclictest's thread. */
static void *rt_producer(void *arg)
{
	struct rt_side *x = arg;
	uint8_t *buf = calloc(1, x->size);
	struct timespec next;
	uint64_t i;

	if (!buf)
		x->err = -ENOMEM;
	else
		x->err = -rt_fifo();
	if (x->err)
		goto out;
	fill(buf, x->size, 0);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (i = 0; i < x->rounds; i++) {
		struct bench_hdr *h = (struct bench_hdr *)buf;

		next.tv_nsec += RT_PERIOD_NS;
		if (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		stamp(buf, x->size, i, i + 1 == x->rounds);
		h->t_ns = bench_now_ns();
		x->err = x->t->send(x->p, buf, x->size);
		if (!x->err && x->t->flush)
			x->err = x->t->flush(x->p);
		if (x->err)
			break;
	}
out:
	free(buf);
	return NULL;
}

static void *rt_consumer(void *arg)
{
	struct rt_side *x = arg;
	struct bench_msg m;
	struct bench_hdr h;

	if ((x->err = -rt_fifo()))
		return NULL;
	while (x->got < x->rounds) {
		x->err = x->t->recv(x->r, &m);
		if (x->err)
			break;
		memcpy(&h, m.data, sizeof(h));
		x->lat[x->got] = bench_now_ns() - h.t_ns;
		x->t->release(x->r);
		if (h.idx != x->got++) {
			x->err = -EPROTO;
			break;
		}
		if (h.last)
			break;
	}
	return NULL;
}

static int bench_rt(const struct bench_transport *t, struct bench_cfg *cfg,
		    double secs)
{
	struct rt_side x = { .t = t, .size = cfg->size };
	struct bench_stream *s = NULL;
	pthread_t pt, ct;
	uint64_t n;
	int err;

	x.rounds = (uint64_t)(secs * 1e9 / RT_PERIOD_NS);
	if (x.rounds < 100)
		x.rounds = 100;
	x.lat = calloc(x.rounds, sizeof(*x.lat));
	if (!x.lat)
		return 1;
	mlockall(MCL_CURRENT | MCL_FUTURE);
	err = t->open(cfg, &s);
	if (!err)
		err = t->reader(s, 0, &x.r);
	if (!err)
		err = t->producer(s, 0, &x.p);
	if (err) {
		bench_err("setup", -err);
		goto out;
	}
	pthread_create(&ct, NULL, rt_consumer, &x);
	pthread_create(&pt, NULL, rt_producer, &x);
	pthread_join(pt, NULL);
	pthread_join(ct, NULL);
	n = x.got;
	if (x.err || n != x.rounds) {
		fprintf(stderr, "kstream-bench: rt: %" PRIu64 " of %" PRIu64 " messages, error %d\n",
			n, x.rounds, x.err);
		printf("result workload=rt transport=%s size=%zu status=FAILED\n", t->name, cfg->size);
		err = 1;
		goto out;
	}
	qsort(x.lat, n, sizeof(*x.lat), cmp_u64);
	printf("result workload=rt transport=%s size=%zu rounds=%" PRIu64
	       " p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f status=ok\n",
	       t->name, cfg->size, n, x.lat[n / 2] / 1e3, x.lat[n * 99 / 100] / 1e3,
	       x.lat[n * 999 / 1000] / 1e3, x.lat[n - 1] / 1e3);
out:
	if (s)
		t->close(s);
	free(x.lat);
	return err ? 1 : 0;
}

/* ------------------------------------------------------------------ main */

static int usage(void)
{
	fprintf(stderr,
		"usage: kstream-bench throughput TRANSPORT SIZE [-r READERS] [-p PRODUCERS] [-t SECS] [-n NAME]\n"
		"       kstream-bench pingpong TRANSPORT SIZE [-s] [-t SECS] [-n NAME]\n"
		"       kstream-bench memcpy SIZE [-t SECS]\n"
		"       kstream-bench memory TOPIC N read|mmap\n"
		"       kstream-bench topics N SIZE [-t SECS]\n"
		"       kstream-bench rt TRANSPORT SIZE [-t SECS] [-n NAME]\n"
		"       kstream-bench list\n");
	return 2;
}

static const struct bench_transport *find(const char *name)
{
	unsigned int i;

	for (i = 0; i < N_TRANSPORTS; i++)
		if (!strcmp(transports[i]->name, name))
			return transports[i];
	return NULL;
}

static int parse_size(const char *s, size_t *size)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*end == 'K' || *end == 'k') {
		v *= 1024;
		end++;
	}
	if (*end || v < BENCH_MIN_SIZE || v > BENCH_MAX_SIZE) {
		fprintf(stderr, "kstream-bench: size %s: must be %zu..%d bytes\n",
			s, BENCH_MIN_SIZE, BENCH_MAX_SIZE);
		return -1;
	}
	*size = v;
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_cfg cfg = { .name = "kb", .readers = 1, .producers = 1 };
	const struct bench_transport *t;
	const char *cmd;
	double secs = 1;
	unsigned int i;
	int opt, err;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	if (!strcmp(cmd, "list")) {
		for (i = 0; i < N_TRANSPORTS; i++)
			printf("%-14s %s\n", transports[i]->name, transports[i]->desc);
		return 0;
	}
	if (!strcmp(cmd, "memcpy")) {
		if (argc < 3 || parse_size(argv[2], &cfg.size))
			return usage();
		optind = 3;
		while ((opt = getopt(argc, argv, "t:")) != -1)
			if (opt == 't')
				secs = atof(optarg);
			else
				return usage();
		return bench_memcpy(cfg.size, secs);
	}
	if (!strcmp(cmd, "memory")) {
		if (argc != 5 || !atoi(argv[3]))
			return usage();
		return bench_memory(argv[2], atoi(argv[3]), !strcmp(argv[4], "mmap"));
	}
	if (!strcmp(cmd, "topics")) {
		if (argc < 4 || atoi(argv[2]) <= 0 || atoi(argv[2]) > 10000 ||
		    parse_size(argv[3], &cfg.size))
			return usage();
		optind = 4;
		while ((opt = getopt(argc, argv, "t:")) != -1)
			if (opt == 't')
				secs = atof(optarg);
			else
				return usage();
		return bench_topics(atoi(argv[2]), cfg.size, secs);
	}
	if (argc < 4 || (strcmp(cmd, "throughput") && strcmp(cmd, "pingpong") &&
			 strcmp(cmd, "rt")))
		return usage();
	t = find(argv[2]);
	if (!t) {
		fprintf(stderr, "kstream-bench: unknown transport %s (see: kstream-bench list)\n",
			argv[2]);
		return 2;
	}
	if (parse_size(argv[3], &cfg.size))
		return 2;
	optind = 4;
	while ((opt = getopt(argc, argv, "r:p:t:n:s")) != -1) {
		switch (opt) {
		case 'r':
			cfg.readers = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			cfg.producers = strtoul(optarg, NULL, 0);
			break;
		case 't':
			secs = atof(optarg);
			break;
		case 'n':
			cfg.name = optarg;
			break;
		case 's':
			cfg.spin = true;
			break;
		default:
			return usage();
		}
	}
	if (!cfg.readers || cfg.readers > 1024 || !cfg.producers ||
	    cfg.producers > 64 || secs <= 0)
		return usage();
	if (cfg.spin && !t->can_spin) {
		fprintf(stderr, "kstream-bench: %s: no busy-polling readers\n", t->name);
		return 2;
	}
	if (t->init) {
		err = t->init();
		if (err)
			return bench_err(t->name, -err), 1;
	}
	if (!strcmp(cmd, "pingpong"))
		return pingpong(t, &cfg, secs);
	if (!strcmp(cmd, "rt"))
		return bench_rt(t, &cfg, secs);
	return throughput(t, &cfg, secs);
}
