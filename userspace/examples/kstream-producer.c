// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal kstream producer: publish N readings to a topic.
 *
 *   streamctl topic add imu size 1M
 *   kstream-producer imu 1000
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libkstream.h>

struct imu_sample {
	unsigned int n;
	float accel[3];
	float gyro[3];
};

int main(int argc, char **argv)
{
	struct ks_producer *p;
	unsigned int i, count;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: %s TOPIC COUNT\n", argv[0]);
		return 2;
	}
	count = strtoul(argv[2], NULL, 0);
	err = ks_producer_open(&p, argv[1], 0);
	if (err) {
		fprintf(stderr, "open %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	for (i = 0; i < count; i++) {
		struct imu_sample s = { .n = i, .accel = { 0, 0, 9.81f } };

		err = ks_publish(p, &s, sizeof(s));
		if (err) {
			fprintf(stderr, "publish: %s\n", strerror(-err));
			break;
		}
	}
	ks_producer_close(p);
	return err ? 1 : 0;
}
