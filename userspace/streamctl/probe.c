// SPDX-License-Identifier: GPL-2.0
/*
 * streamctl probe TOPIC [-c COUNT] [-i SECONDS] [-t SECONDS]: a synthetic
 * end-to-end health check.  Each probe opens a reader of its own at the
 * live end of the topic, publishes one marked message (PROBE_MAGIC and a
 * random nonce: PROBE_LEN bytes) and reports how long it took until that
 * reader saw it, and its sequence number.  The probe adds real messages
 * to the topic: every reader receives them.
 *
 * The reader lives only for one probe, and drains everything while it
 * waits, so on a block topic it never holds producers back for long.  A
 * probe fails if its message could not be published (block topic held
 * full by a slow reader) or was not seen within the timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/random.h>

#include <linux/kstream.h>

#include "json.h"
#include "nl.h"
#include "parse.h"
#include "stats.h"
#include "streamctl.h"
#include "topicopts.h"

#define PROBE_MAGIC	"KSPROBE1"
#define PROBE_LEN	16		/* magic, 8-byte nonce */
#define PROBE_MAX_MS	(3600 * 1000)

struct probe_opts {
	char name[KSTREAM_NAME_MAX];
	uint64_t count;
	uint64_t interval_ms;
	uint64_t timeout_ms;
};

struct probe_result {
	bool seen;
	uint64_t seq;
	uint64_t ns;		/* from before the write to the read */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Milliseconds left until deadline (ns), at least 0. */
static int ms_left(uint64_t deadline)
{
	uint64_t now = mono_ns();

	if (now >= deadline)
		return 0;
	return (int)((deadline - now + 999999) / 1000000);
}

static int probe_open(const struct probe_opts *o, int flags)
{
	char path[128];

	snprintf(path, sizeof(path), "/dev/" KSTREAM_CLASS_NAME "/%s", o->name);
	return open(path, flags | O_CLOEXEC | O_NONBLOCK);
}

/* Why the device cannot be opened; EXIT_NOMODULE if kstream is not loaded. */
static int probe_open_error(const struct probe_opts *o, int err)
{
	struct kst_nl nl;
	int ret;

	if (err == ENOENT) {
		ret = kst_nl_open(&nl);
		if (ret)
			return ret;
		kst_nl_close(&nl);
		fprintf(stderr, "streamctl: probe: no topic %s (/dev/%s/%s)\n",
			o->name, KSTREAM_CLASS_NAME, o->name);
		return EXIT_ERROR;
	}
	fprintf(stderr, "streamctl: probe: /dev/%s/%s: %s\n", KSTREAM_CLASS_NAME,
		o->name, strerror(err));
	return EXIT_ERROR;
}

/* Publish msg before deadline, waiting for room on a full block topic. */
static int probe_publish(int wfd, const unsigned char *msg, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = wfd, .events = POLLOUT };

		if (write(wfd, msg, PROBE_LEN) == PROBE_LEN)
			return 0;
		if (errno != EAGAIN)
			return -errno;
		if (!ms_left(deadline))
			return -ETIMEDOUT;
		if (poll(&p, 1, ms_left(deadline)) < 0 && errno != EINTR)
			return -errno;
	}
}

/*
 * Read everything rfd gets until msg shows up (0, *seq), the deadline
 * passes (-ETIMEDOUT) or the topic goes away (-ENODEV).
 */
static int probe_wait(int rfd, const unsigned char *msg, unsigned char *buf,
		      size_t len, uint64_t deadline, uint64_t *seq)
{
	for (;;) {
		ssize_t n = read(rfd, buf, len);
		size_t off = 0;

		if (n == 0)
			return -ENODEV;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = rfd, .events = POLLIN };

			if (!ms_left(deadline))
				return -ETIMEDOUT;
			if (poll(&p, 1, ms_left(deadline)) < 0 && errno != EINTR)
				return -errno;
			continue;
		}
		if (n < 0 && errno != EINTR)
			return -errno;
		while (n > 0 && off + sizeof(struct kstream_msg_hdr) <= (size_t)n) {
			struct kstream_msg_hdr h;

			memcpy(&h, buf + off, sizeof(h));
			if (h.len == PROBE_LEN &&
			    off + sizeof(h) + PROBE_LEN <= (size_t)n &&
			    !memcmp(buf + off + sizeof(h), msg, PROBE_LEN)) {
				*seq = h.seq;
				return 0;
			}
			off += KSTREAM_REC_SIZE(h.len);
		}
	}
}

/* One probe; EXIT_OK with *r filled in (r->seen false: failed, said why). */
static int probe_one(const struct probe_opts *o, unsigned int k,
		     struct probe_result *r)
{
	unsigned char msg[PROBE_LEN], *buf = NULL;
	uint32_t flags = KSTREAM_FD_RECORDS;
	struct kstream_fd_info info;
	uint64_t t0, deadline;
	int rfd, wfd = -1, err, ret = EXIT_ERROR;
	size_t len;

	memset(r, 0, sizeof(*r));
	rfd = probe_open(o, O_RDONLY);
	if (rfd < 0)
		return probe_open_error(o, errno);
	if (ioctl(rfd, KSTREAM_IOC_SET_FLAGS, &flags) ||
	    ioctl(rfd, KSTREAM_IOC_INFO, &info)) {
		fprintf(stderr, "streamctl: probe: %s: %s\n", o->name, strerror(errno));
		goto out;
	}
	if (info.msg_max < PROBE_LEN) {
		fprintf(stderr, "streamctl: probe: %s: msgmax %" PRIu32
			" is smaller than a probe (%d bytes)\n", o->name,
			info.msg_max, PROBE_LEN);
		goto out;
	}
	len = KSTREAM_REC_SIZE(info.msg_max) + 65536;
	buf = malloc(len);
	if (!buf) {
		ret = kst_nl_nomem();
		goto out;
	}
	wfd = probe_open(o, O_WRONLY);
	if (wfd < 0) {
		ret = probe_open_error(o, errno);
		goto out;
	}
	memcpy(msg, PROBE_MAGIC, 8);
	if (getrandom(msg + 8, 8, 0) != 8) {
		uint64_t x = mono_ns() ^ ((uint64_t)getpid() << 32) ^ k;

		memcpy(msg + 8, &x, 8);
	}
	ret = EXIT_OK;
	t0 = mono_ns();
	deadline = t0 + o->timeout_ms * 1000000;
	err = probe_publish(wfd, msg, deadline);
	if (err == -ETIMEDOUT) {
		fprintf(stderr, "streamctl: probe %u: %s: no room to publish within %" PRIu64
			" ms (a reader of this block topic is not keeping up)\n",
			k, o->name, o->timeout_ms);
		goto out;
	}
	if (err) {
		fprintf(stderr, "streamctl: probe %u: %s: publish: %s\n", k, o->name,
			strerror(-err));
		goto out;
	}
	err = probe_wait(rfd, msg, buf, len, deadline, &r->seq);
	if (!err) {
		r->ns = mono_ns() - t0;
		r->seen = true;
	} else if (err == -ETIMEDOUT) {
		if (!ioctl(rfd, KSTREAM_IOC_INFO, &info) && info.lost)
			fprintf(stderr, "streamctl: probe %u: %s: not seen within %" PRIu64
				" ms (the probe's reader was lapped: %" PRIu64
				" messages lost)\n", k, o->name, o->timeout_ms,
				(uint64_t)info.lost);
		else
			fprintf(stderr, "streamctl: probe %u: %s: not seen within %" PRIu64
				" ms\n", k, o->name, o->timeout_ms);
	} else if (err == -ENODEV) {
		fprintf(stderr, "streamctl: probe %u: %s: the topic was deleted\n", k,
			o->name);
	} else {
		fprintf(stderr, "streamctl: probe %u: %s: read: %s\n", k, o->name,
			strerror(-err));
	}
out:
	free(buf);
	if (wfd >= 0)
		close(wfd);
	close(rfd);
	return ret;
}

static int probe_args(struct probe_opts *o, int argc, char **argv)
{
	const char *name = NULL;
	struct topic_opts tmp;
	char err[256];
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t *ms = NULL;

		if (a[0] != '-') {
			if (name) {
				fprintf(stderr, "streamctl: probe: unexpected argument \"%s\"\n", a);
				return EXIT_USAGE;
			}
			name = a;
			continue;
		}
		if (!strcmp(a, "-c") || !strcmp(a, "--count")) {
			if (!v || parse_uint(v, 1000000, &o->count) || !o->count) {
				fprintf(stderr, "streamctl: probe: bad count \"%s\" (1 to 1000000)\n",
					v ? v : "");
				return EXIT_USAGE;
			}
		} else if (!strcmp(a, "-i") || !strcmp(a, "--interval")) {
			ms = &o->interval_ms;
		} else if (!strcmp(a, "-t") || !strcmp(a, "--timeout")) {
			ms = &o->timeout_ms;
		} else {
			fprintf(stderr, "streamctl: probe: unknown option %s\n", a);
			return EXIT_USAGE;
		}
		if (ms && (!v || parse_duration_ms(v, PROBE_MAX_MS, ms) ||
			   (ms == &o->timeout_ms && !*ms))) {
			fprintf(stderr, "streamctl: probe: bad %s \"%s\" (seconds)\n",
				a, v ? v : "");
			return EXIT_USAGE;
		}
		i++;
	}
	if (!name) {
		fprintf(stderr, "streamctl: probe: missing topic name\n");
		return EXIT_USAGE;
	}
	if (topic_opts_set_name(&tmp, name, err, sizeof(err))) {
		fprintf(stderr, "streamctl: probe: %s\n", err);
		return EXIT_USAGE;
	}
	snprintf(o->name, sizeof(o->name), "%s", name);
	return EXIT_OK;
}

static void probe_print_json(const struct probe_opts *o,
			     const struct probe_result *r, uint64_t sent,
			     uint64_t seen, uint64_t min, uint64_t sum,
			     uint64_t max)
{
	struct json j;
	uint64_t i;

	json_init(&j, stdout);
	json_obj_start(&j);
	json_kv_str(&j, "topic", o->name);
	json_kv_u64(&j, "sent", sent);
	json_kv_u64(&j, "seen", seen);
	json_key(&j, "probes");
	json_arr_start(&j);
	for (i = 0; i < sent; i++) {
		json_obj_start(&j);
		json_kv_bool(&j, "seen", r[i].seen);
		if (r[i].seen) {
			json_kv_u64(&j, "seq", r[i].seq);
			json_kv_u64(&j, "ns", r[i].ns);
		}
		json_obj_end(&j);
	}
	json_arr_end(&j);
	if (seen) {
		json_kv_u64(&j, "min_ns", min);
		json_kv_u64(&j, "avg_ns", sum / seen);
		json_kv_u64(&j, "max_ns", max);
	}
	json_obj_end(&j);
	putchar('\n');
}

/* streamctl probe TOPIC [-c COUNT] [-i SECONDS] [-t SECONDS] */
int cmd_probe(struct ctl *ctl, int argc, char **argv)
{
	struct probe_opts o = { .count = 1, .interval_ms = 1000, .timeout_ms = 2000 };
	uint64_t i, seen = 0, min = UINT64_MAX, max = 0, sum = 0;
	struct probe_result *r;
	char a[32], b[32], c[32];
	int ret;

	ret = probe_args(&o, argc, argv);
	if (ret)
		return ret;
	r = calloc(o.count, sizeof(*r));
	if (!r)
		return kst_nl_nomem();
	for (i = 0; i < o.count; i++) {
		if (i && o.interval_ms)
			usleep(o.interval_ms * 1000);
		ret = probe_one(&o, i + 1, &r[i]);
		if (ret)
			break;
		if (!r[i].seen)
			continue;
		seen++;
		sum += r[i].ns;
		min = r[i].ns < min ? r[i].ns : min;
		max = r[i].ns > max ? r[i].ns : max;
		if (!ctl->json) {
			format_ns((double)r[i].ns, false, a, sizeof(a));
			if (o.count == 1)
				printf("probe %s: seq %" PRIu64 " seen after %s\n",
				       o.name, r[i].seq, a);
			else
				printf("probe %" PRIu64 "/%" PRIu64 " %s: seq %" PRIu64
				       " seen after %s\n", i + 1, o.count, o.name,
				       r[i].seq, a);
			fflush(stdout);
		}
	}
	if (ret) {
		free(r);
		return ret;
	}
	if (ctl->json) {
		probe_print_json(&o, r, o.count, seen, min, sum, max);
	} else if (o.count > 1) {
		printf("%" PRIu64 " probes, %" PRIu64 " seen", o.count, seen);
		if (seen) {
			format_ns((double)min, false, a, sizeof(a));
			format_ns((double)sum / (double)seen, false, b, sizeof(b));
			format_ns((double)max, false, c, sizeof(c));
			printf(", min/avg/max %s/%s/%s", a, b, c);
		}
		putchar('\n');
	}
	free(r);
	return seen == o.count ? EXIT_OK : EXIT_ERROR;
}
