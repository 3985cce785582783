// SPDX-License-Identifier: GPL-2.0
/*
 * kstream-bench: throughput of one producer and R consumers on a topic,
 * through libkstream as an application would use it.
 *
 *   kstream-bench TOPIC SIZE COUNT MODE [READERS]
 *     MODE: read (one message per read()), batch (records mode, many per
 *           read()), mmap (zero-copy)
 *
 * The topic should use the block policy, so that every message reaches
 * every consumer and the run can be checked: each consumer verifies the
 * count, the sequence continuity and a checksum of every payload, and the
 * run fails (exit 1) if anything is off, so no figure comes from a broken
 * run.  Prints one line: mode, size, messages/s, MB/s, deliveries/s.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/kstream.h>
#include <libkstream.h>

struct consumer {
	pthread_t thread;
	struct ks_consumer *c;	/* batch and mmap modes */
	int fd;			/* read mode: plain read(), one message each */
	size_t size;
	uint64_t count, got, sum, bad;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The payload of message i: its index, then filler derived from it. */
static void fill(uint8_t *buf, size_t size, uint64_t i)
{
	size_t k;

	memcpy(buf, &i, size < 8 ? size : 8);
	for (k = 8; k < size; k++)
		buf[k] = (uint8_t)(i + k);
}

static uint64_t checksum(const uint8_t *p, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	size_t k;

	for (k = 0; k < len; k++)
		h = (h ^ p[k]) * 1099511628211ull;
	return h;
}

/* Plain read(2): one message per call, into the application's buffer. */
static void *consume_read(void *arg)
{
	struct consumer *w = arg;
	uint8_t *buf = malloc(w->size);
	ssize_t n;

	while (buf && w->got < w->count) {
		n = read(w->fd, buf, w->size);
		if (n != (ssize_t)w->size) {
			w->bad++;
			break;
		}
		w->sum += checksum(buf, n);
		w->got++;
	}
	free(buf);
	return NULL;
}

static void *consume(void *arg)
{
	struct consumer *w = arg;
	uint64_t expect = 0;
	struct ks_msg m;
	int r;

	while (w->got < w->count) {
		r = ks_next(w->c, &m);
		if (r != 1) {
			fprintf(stderr, "kstream-bench: next: %s\n", strerror(-r));
			w->bad++;
			break;
		}
		if (w->got == 0)
			expect = m.seq;
		if (m.seq != expect)
			w->bad++;
		expect = m.seq + 1;
		w->sum += checksum(m.data, m.len);
		if (ks_release(w->c))
			w->bad++;
		w->got++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned int flags = 0, readers = 1, r;
	uint64_t size, count, i, want = 0, t0, t1;
	struct consumer *w;
	struct ks_producer *p;
	const char *mode;
	uint8_t *buf;
	int err;

	if (argc < 5) {
		fprintf(stderr, "usage: kstream-bench TOPIC SIZE COUNT read|batch|mmap [READERS]\n");
		return 2;
	}
	size = strtoull(argv[2], NULL, 0);
	count = strtoull(argv[3], NULL, 0);
	mode = argv[4];
	if (argc > 5)
		readers = strtoul(argv[5], NULL, 0);
	if (!strcmp(mode, "mmap"))
		flags = KS_ZEROCOPY;
	else if (strcmp(mode, "batch") && strcmp(mode, "read"))
		return 2;
	if (!size || !count || !readers)
		return 2;

	buf = malloc(size);
	w = calloc(readers, sizeof(*w));
	if (!buf || !w)
		return 1;
	for (i = 0; i < count; i++) {
		fill(buf, size, i);
		want += checksum(buf, size);
	}
	for (r = 0; r < readers; r++) {
		err = ks_consumer_open(&w[r].c, argv[1], flags);
		if (err) {
			fprintf(stderr, "kstream-bench: consumer: %s\n", strerror(-err));
			return 1;
		}
		/* read mode uses the consumer's fd, before any record is read. */
		w[r].fd = ks_consumer_fd(w[r].c);
		w[r].size = size;
		w[r].count = count;
		if (!strcmp(mode, "read")) {
			__u32 none = 0;

			ioctl(w[r].fd, KSTREAM_IOC_SET_FLAGS, &none);
		}
	}
	err = ks_producer_open(&p, argv[1], 0);
	if (err) {
		fprintf(stderr, "kstream-bench: producer: %s\n", strerror(-err));
		return 1;
	}

	t0 = now_ns();
	for (r = 0; r < readers; r++)
		pthread_create(&w[r].thread, NULL,
			       strcmp(mode, "read") ? consume : consume_read, &w[r]);
	for (i = 0; i < count; i++) {
		fill(buf, size, i);
		err = ks_publish(p, buf, size);
		if (err) {
			fprintf(stderr, "kstream-bench: publish: %s\n", strerror(-err));
			return 1;
		}
	}
	for (r = 0; r < readers; r++)
		pthread_join(w[r].thread, NULL);
	t1 = now_ns();

	for (r = 0; r < readers; r++) {
		if (w[r].bad || w[r].got != count || w[r].sum != want) {
			fprintf(stderr, "kstream-bench: consumer %u: got %" PRIu64
				" of %" PRIu64 ", %" PRIu64 " bad, checksum %s\n",
				r, w[r].got, count, w[r].bad,
				w[r].sum == want ? "ok" : "WRONG");
			return 1;
		}
		ks_consumer_close(w[r].c);
	}
	ks_producer_close(p);
	printf("%-5s %6" PRIu64 " B x %u readers: %10.0f msg/s %8.1f MB/s %10.0f deliveries/s\n",
	       mode, size, readers, count * 1e9 / (t1 - t0),
	       count * size * 1e3 / (t1 - t0), count * readers * 1e9 / (t1 - t0));
	return 0;
}
