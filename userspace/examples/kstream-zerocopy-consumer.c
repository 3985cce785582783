// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal zero-copy consumer: read messages in place from the mapped ring,
 * from the oldest retained one, until COUNT have been seen.
 *
 *   kstream-zerocopy-consumer imu 1000
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libkstream.h>

int main(int argc, char **argv)
{
	struct ks_consumer *c;
	uint64_t bytes = 0, seen = 0, count;
	struct ks_msg m;
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: %s TOPIC COUNT\n", argv[0]);
		return 2;
	}
	count = strtoull(argv[2], NULL, 0);
	r = ks_consumer_open(&c, argv[1], KS_ZEROCOPY);
	if (r) {
		fprintf(stderr, "open %s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	ks_seek(c, KS_SEEK_OLDEST, 0);
	while (seen < count && (r = ks_next(c, &m)) == 1) {
		bytes += m.len;		/* m.data points into the ring */
		if (ks_release(c) == 0)	/* -ESTALE: overwritten while used */
			seen++;
	}
	if (r < 0 && r != -EPIPE)
		fprintf(stderr, "next: %s\n", strerror(-r));
	printf("%" PRIu64 " messages, %" PRIu64 " bytes, %" PRIu64 " lost\n",
	       seen, bytes, ks_lost(c));
	ks_consumer_close(c);
	return 0;
}
