// SPDX-License-Identifier: GPL-2.0
/*
 * streamctl deadletter show DLQ [-n COUNT]: the records of a dead-letter
 * topic, decoded (where each rejected message came from, why, who sent
 * it, its payload), oldest first; with -n the last COUNT.  Reads the
 * topic's node (the subscribe right on it is needed), does not follow it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/kstream.h>

#include "deadletter.h"
#include "json.h"
#include "parse.h"
#include "streamctl.h"
#include "topic.h"

#define DL_BUF (4U << 20)

static int dl_show(struct ctl *ctl, const char *name, long count)
{
	__u32 flags = KSTREAM_FD_RECORDS;
	struct json j;
	char path[128];
	uint8_t *buf;
	ssize_t n;
	int fd, ret = EXIT_OK, bad = 0;
	size_t off;

	snprintf(path, sizeof(path), "/dev/%s/%s", KSTREAM_CLASS_NAME, name);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "streamctl: deadletter show: %s: %s\n", path,
			strerror(errno));
		return EXIT_ERROR;
	}
	buf = malloc(DL_BUF);
	if (!buf || ioctl(fd, KSTREAM_IOC_SET_FLAGS, &flags) ||
	    lseek(fd, count >= 0 ? -count : 0, count >= 0 ? SEEK_END : SEEK_SET) < 0) {
		fprintf(stderr, "streamctl: deadletter show: %s\n",
			buf ? strerror(errno) : "out of memory");
		free(buf);
		close(fd);
		return EXIT_ERROR;
	}
	if (ctl->json) {
		json_init(&j, stdout);
		json_arr_start(&j);
	}
	while ((n = read(fd, buf, DL_BUF)) > 0) {
		for (off = 0; off + sizeof(struct kstream_msg_hdr) <= (size_t)n;) {
			const struct kstream_msg_hdr *h = (const void *)(buf + off);
			struct dl_record r;

			if (dl_decode(h + 1, h->len, h->seq, h->ts_ns, &r))
				bad++;
			else if (ctl->json)
				dl_print_json(&j, &r);
			else
				dl_print_text(stdout, &r);
			off += KSTREAM_REC_SIZE(h->len);
		}
	}
	if (n < 0 && errno != EAGAIN) {
		fprintf(stderr, "streamctl: deadletter show: %s\n", strerror(errno));
		ret = EXIT_ERROR;
	}
	if (ctl->json) {
		json_arr_end(&j);
		putchar('\n');
	}
	if (bad)
		fprintf(stderr, "streamctl: deadletter show: %d record%s of %s %s not dead-letter records\n",
			bad, bad == 1 ? "" : "s", name, bad == 1 ? "is" : "are");
	free(buf);
	close(fd);
	return ret;
}

/* streamctl deadletter show DLQ [-n COUNT]; argv[0] is "deadletter". */
/* deadletter show DLQ [-n COUNT] */
static int deadletter_show(struct ctl *ctl, int argc, char **argv)
{
	long count = -1;
	uint64_t v;
	int i;
	const char *name = NULL;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-n")) {
			if (i + 1 >= argc || parse_uint(argv[i + 1], 1000000000, &v)) {
				fprintf(stderr, "streamctl: deadletter show: -n needs a count\n");
				return EXIT_USAGE;
			}
			count = v;
			i++;
		} else if (!name) {
			name = argv[i];
		} else {
			fprintf(stderr, "streamctl: deadletter show: unexpected argument \"%s\"\n",
				argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!name || !topic_name_valid(name)) {
		fprintf(stderr, "streamctl: deadletter show: %s topic name\n",
			name ? "invalid" : "missing");
		return EXIT_USAGE;
	}
	return dl_show(ctl, name, count);
}

static const struct cmd deadletter_cmds[] = {
	{ .name = "show", .fn = deadletter_show, .args = "DLQ [-n COUNT]",
	  .help = "the records of a dead-letter topic, decoded\n"
		  "(the last COUNT; -j for JSON)" },
};

const struct cmd_table deadletter_table = {
	.name = "deadletter",
	.cmds = deadletter_cmds,
	.n = CMD_TABLE_SIZE(deadletter_cmds),
	.notes = STREAMCTL_NOTE_NAME
		 "\n  show needs the subscribe right on DLQ.\n",
};
