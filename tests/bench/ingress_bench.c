// SPDX-License-Identifier: GPL-2.0
/*
 * ingress_bench TOPIC SECONDS [SIZE [PRODUCER_ID]]: publish SIZE-byte
 * messages (64 by default) to /dev/stream/TOPIC as fast as one thread can
 * for SECONDS and print the rate; with PRODUCER_ID, as an idempotent
 * producer of that id (every message a new sequence: the cost of the
 * check and the origin block, not of duplicates).  A benchmark, not a
 * test: tests/bench/run runs it in a VM with and without an ingress
 * program attached, and with and without a producer id.
 *
 * Output (one line): "<msgs> msgs <secs> s <rate> msgs/s <ns> ns/msg"
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/kstream.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned char msg[4096];
	unsigned long long n = 0;
	double secs, t0, t;
	char path[128];
	size_t size = 64;
	int fd;

	struct kstream_producer prod = { .next_seq = 1 };

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: %s TOPIC SECONDS [SIZE [PRODUCER_ID]]\n",
			argv[0]);
		return 2;
	}
	secs = atof(argv[2]);
	if (argc >= 4)
		size = strtoul(argv[3], NULL, 0);
	if (argc == 5)
		prod.id = strtoull(argv[4], NULL, 0);
	if (secs <= 0 || !size || size > sizeof(msg)) {
		fprintf(stderr, "%s: bad SECONDS or SIZE\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "/dev/" KSTREAM_CLASS_NAME "/%s", argv[1]);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], path, strerror(errno));
		return 1;
	}
	if (prod.id && ioctl(fd, KSTREAM_IOC_SET_PRODUCER, &prod)) {
		fprintf(stderr, "%s: KSTREAM_IOC_SET_PRODUCER: %s\n", argv[0],
			strerror(errno));
		return 1;
	}
	memset(msg, 0xa5, sizeof(msg));
	t0 = now();
	do {
		/* Check the clock every 1024 messages only. */
		for (int i = 0; i < 1024; i++, n++) {
			memcpy(msg, &n, sizeof(n));
			if (write(fd, msg, size) != (ssize_t)size) {
				fprintf(stderr, "%s: write: %s\n", argv[0], strerror(errno));
				return 1;
			}
		}
		t = now();
	} while (t - t0 < secs);
	printf("%llu msgs %.2f s %.0f msgs/s %.1f ns/msg\n", n, t - t0,
	       n / (t - t0), (t - t0) * 1e9 / n);
	close(fd);
	return 0;
}
