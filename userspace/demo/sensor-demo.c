// SPDX-License-Identifier: GPL-2.0
/*
 * sensor-demo: the producer and consumers of `make demo`.
 *
 *   sensor-demo pub TOPIC COUNT INTERVAL_US   publish COUNT readings
 *   sensor-demo sub TOPIC NAME COUNT          read COUNT readings, report
 *
 * A reading is a small fixed struct, as a vibration/temperature sensor on
 * a machine would send.  The consumer checks sequence continuity, counts
 * losses and reports the latency from the kernel's ingress timestamp.
 *
 * Both run for a while, so once their topic is open they drop every
 * capability and forbid gaining any: the open fd keeps the rights it was
 * opened with (kstream checks the opener's credentials), nothing else is
 * needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>

#include <linux/kstream.h>

struct reading {
	uint32_t sensor;
	uint32_t sample;
	float temp_c;
	float vibration_mm_s;
	float pressure_kpa;
	uint32_t status;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The topic is open: keep no capability, and gain none by exec. */
static int drop_privileges(void)
{
	cap_t none = cap_init();	/* every set empty */
	int err = 0;

	if (!none || cap_set_proc(none) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		fprintf(stderr, "sensor-demo: dropping privileges: %s\n",
			strerror(errno));
		err = -1;
	}
	cap_free(none);
	return err;
}

static int publish(const char *path, unsigned int count, unsigned int interval)
{
	int fd = open(path, O_WRONLY);
	unsigned int i;

	if (fd < 0) {
		fprintf(stderr, "sensor-demo: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (drop_privileges())
		return 1;
	for (i = 0; i < count; i++) {
		struct reading r = {
			.sensor = 7,
			.sample = i,
			.temp_c = 61.5f + 2.0f * sinf(i / 20.0f),
			.vibration_mm_s = 2.2f + (i % 50 == 49 ? 9.0f : 0.1f * (i % 7)),
			.pressure_kpa = 101.3f + 0.05f * (i % 11),
		};

		r.status = r.vibration_mm_s > 7.1f;	/* ISO 10816 zone D */
		if (write(fd, &r, sizeof(r)) != sizeof(r)) {
			fprintf(stderr, "sensor-demo: publish: %s\n", strerror(errno));
			return 1;
		}
		if (interval)
			usleep(interval);
	}
	close(fd);
	printf("producer: published %u readings to %s\n", count, path);
	return 0;
}

static int subscribe(const char *path, const char *name, unsigned int count)
{
	uint64_t lat_sum = 0, lat_max = 0, expect = 0;
	unsigned int got = 0, alarms = 0, gaps = 0;
	struct kstream_fd_info info;
	__u32 flags = KSTREAM_FD_RECORDS;
	float tmax = -1e9f;
	char buf[4096];
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || ioctl(fd, KSTREAM_IOC_SET_FLAGS, &flags)) {
		fprintf(stderr, "sensor-demo: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (drop_privileges())
		return 1;
	/* Start from the oldest retained reading, so a late start loses nothing. */
	expect = lseek(fd, 0, SEEK_SET);
	while (got < count) {
		ssize_t n = read(fd, buf, sizeof(buf)), off = 0;

		if (n <= 0) {
			fprintf(stderr, "sensor-demo: read: %s\n", n ? strerror(errno) : "end of topic");
			return 1;
		}
		while (off < n && got < count) {
			struct kstream_msg_hdr *h = (void *)(buf + off);
			struct reading *r = (void *)(h + 1);
			uint64_t lat = now_ns() - h->ts_ns;

			if (h->seq != expect)
				gaps++;
			expect = h->seq + 1;
			lat_sum += lat;
			if (lat > lat_max)
				lat_max = lat;
			alarms += r->status;
			if (r->temp_c > tmax)
				tmax = r->temp_c;
			got++;
			off += KSTREAM_REC_SIZE(h->len);
		}
	}
	if (ioctl(fd, KSTREAM_IOC_INFO, &info))
		return 1;
	printf("%s: %u readings, seq up to %" PRIu64 ", gaps %u, lost %llu, "
	       "vibration alarms %u, max temp %.1f C, latency avg %" PRIu64
	       " us max %" PRIu64 " us\n", name, got, expect - 1, gaps,
	       (unsigned long long)info.lost, alarms, tmax,
	       lat_sum / got / 1000, lat_max / 1000);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	char path[128];

	if (argc >= 5 && !strcmp(argv[1], "pub")) {
		snprintf(path, sizeof(path), "/dev/stream/%s", argv[2]);
		return publish(path, atoi(argv[3]), atoi(argv[4]));
	}
	if (argc >= 5 && !strcmp(argv[1], "sub")) {
		snprintf(path, sizeof(path), "/dev/stream/%s", argv[2]);
		return subscribe(path, argv[3], atoi(argv[4]));
	}
	fprintf(stderr, "usage: sensor-demo pub TOPIC COUNT INTERVAL_US\n"
			"       sensor-demo sub TOPIC NAME COUNT\n");
	return 2;
}
