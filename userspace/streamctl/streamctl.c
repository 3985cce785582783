// SPDX-License-Identifier: GPL-2.0
/*
 * streamctl: create, inspect and configure kstream topics over the
 * "kstream" generic netlink family.  iproute2-style command line:
 *
 *   streamctl [-j] OBJECT COMMAND [ARGS]
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>

#include <linux/kstream.h>

#include "streamctl.h"

#define STREAMCTL_VERSION "0.1"

void usage(FILE *f)
{
	fputs("Usage: streamctl [-j] OBJECT COMMAND [ARGS]\n"
	      "       streamctl -V | -h\n"
	      "\n"
	      "Objects and commands:\n"
	      "  status                 is kstream loaded, family id and version\n"
	      "  topic add NAME [size SIZE] [msgmax SIZE] [policy overwrite|block]\n"
	      "            [mode MODE] [owner USER] [group GROUP] [producers N]\n"
	      "            [deadletter DLQ]\n"
	      "                         create a topic; defaults: size 1M,\n"
	      "                         msgmax min(64K, size/4), policy overwrite,\n"
	      "                         mode 0600, owner 0, group 0, producers:\n"
	      "                         the module's max_producers (1024)\n"
	      "  topic del NAME         delete a topic\n"
	      "  topic show [NAME]      one topic, or all (the default command),\n"
	      "                         with their counters\n"
	      "  topic deadletter NAME DLQ|none\n"
	      "                         messages the topic's filter rejects as\n"
	      "                         invalid go to DLQ (admin right on both)\n"
	      "  deadletter show DLQ [-n COUNT]\n"
	      "                         the records of a dead-letter topic, decoded\n"
	      "  topic show NAME producers [ID]\n"
	      "                         the idempotent producers the topic\n"
	      "                         deduplicates and the last sequence of each\n"
	      "  topic list             topic names, one per line\n"
	      "  filter load pass NAME  load a program and register it as filter\n"
	      "  filter load filter NAME [action keep|drop|deadletter] RULE...\n"
	      "            RULE: offset OFF TYPE [mask M] OP VALUE | offset OFF TYPE\n"
	      "                  [mask M] range LO HI | len OP VALUE | len range LO HI\n"
	      "            TYPE: u8 u16 u32 u64 s8 s16 s32 s64 [be|le suffix]\n"
	      "            OP: eq ne lt le gt ge\n"
	      "  filter load sample NAME every N | random P |\n"
	      "            adaptive offset OFF TYPE band LO HI normal R anomaly R\n"
	      "            R: 1 in R messages, or one per duration R (100ms)\n"
	      "  filter load ratelimit NAME rate MSGS/S [burst N] [per topic|uid|pid]\n"
	      "            [buckets N]\n"
	      "  filter load file OBJECT NAME\n"
	      "                         a program of your own (Documentation/bpf.rst)\n"
	      "                         loaded filters stay pinned in /sys/fs/bpf/kstream\n"
	      "  filter unload NAME     unpin and unregister (detaches it everywhere)\n"
	      "  filter attach TOPIC NAME\n"
	      "                         judge TOPIC's messages with filter NAME\n"
	      "                         (replaces the filter it had)\n"
	      "  filter detach TOPIC    let TOPIC's messages through unjudged\n"
	      "  filter list            registered filters and their topics (the\n"
	      "                         default command); filter show NAME: one\n"
	      "  stats [show] [TOPIC]   counters, errors by kind, ring fill, lag and\n"
	      "                         latency p50/p99/p999 of every topic, or of one\n"
	      "                         (then with its readers); -j adds the histogram\n"
	      "  stats --prometheus [TOPIC]\n"
	      "                         the same in the Prometheus text format\n"
	      "                         (node_exporter textfile collector)\n"
	      "  stats reset TOPIC      zero the topic's counters and histogram\n"
	      "  top [-i SECONDS] [-n COUNT]\n"
	      "                         live per-topic rates, lag and p99 latency,\n"
	      "                         every SECONDS (default 1); q quits; -n stops\n"
	      "                         after COUNT refreshes\n"
	      "  monitor [-n COUNT]     print topic events as they happen (created,\n"
	      "                         deleted, reader lapped, ...); -n stops after\n"
	      "                         COUNT events\n"
	      "  probe TOPIC [-c COUNT] [-i SECONDS] [-t SECONDS]\n"
	      "                         publish a marked message (16 bytes starting\n"
	      "                         KSPROBE1) and time its arrival at a reader of\n"
	      "                         its own; COUNT probes (default 1) SECONDS apart\n"
	      "                         (default 1), each failing after -t (default 2)\n"
	      "  acl add NAME user|group WHO RIGHTS...\n"
	      "                         grant RIGHTS (publish, subscribe, admin,\n"
	      "                         all; comma-separated or several words)\n"
	      "  acl del NAME user|group WHO [RIGHTS...]\n"
	      "                         revoke RIGHTS, or the whole entry\n"
	      "  acl show NAME          owner, group, mode and ACL entries\n"
	      "\n"
	      "  NAME: 1 to 63 characters of [A-Za-z0-9._-], not \".\" or \"..\".\n"
	      "  SIZE: bytes with an optional K, M or G suffix (64K, 4M).\n"
	      "  MODE: octal permission bits of /dev/stream/NAME (0660).\n"
	      "  USER, GROUP, WHO: a name or a numeric id.\n"
	      "\n"
	      "  topic add needs CAP_NET_ADMIN or membership of the module's\n"
	      "  creator group; topic del, acl add/del, filter attach/detach and\n"
	      "  stats reset need CAP_NET_ADMIN or the admin right on the topic.\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json     JSON output\n"
	      "  -V, --version  print the version and exit\n"
	      "  -h, --help     this help\n"
	      "\n"
	      "Exit status: 0 success, 1 the kernel refused the request (its\n"
	      "reason is printed) or a probe failed, 2 usage error, 3 kstream\n"
	      "module not loaded.\n", f);
}

int cmd_status(struct ctl *ctl, int argc, char **argv)
{
	struct genl_family *fam = NULL;
	struct nl_sock *sk;
	int err;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "streamctl: status takes no arguments\n");
		return EXIT_USAGE;
	}
	sk = nl_socket_alloc();
	if (!sk) {
		fprintf(stderr, "streamctl: out of memory\n");
		return EXIT_ERROR;
	}
	err = genl_connect(sk);
	if (!err) {
		struct nl_cache *cache = NULL;

		err = genl_ctrl_alloc_cache(sk, &cache);
		if (!err) {
			fam = genl_ctrl_search_by_name(cache, KSTREAM_GENL_NAME);
			nl_cache_free(cache);
		}
	}
	nl_socket_free(sk);
	if (!fam) {
		if (ctl->json)
			printf("{\"loaded\":false}\n");
		else
			fprintf(stderr, "streamctl: kstream is not loaded (modprobe kstream)\n");
		return EXIT_NOMODULE;
	}
	if (ctl->json)
		printf("{\"loaded\":true,\"family_id\":%d,\"version\":%d}\n",
		       genl_family_get_id(fam), genl_family_get_version(fam));
	else
		printf("kstream: loaded, generic netlink family %d, version %d\n",
		       genl_family_get_id(fam), genl_family_get_version(fam));
	genl_family_put(fam);
	return EXIT_OK;
}

/* A full disk or a closed pipe must not look like success. */
static int flush_stdout(int ret)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "streamctl: write error: %s\n", strerror(errno));
		return ret ? ret : EXIT_ERROR;
	}
	return ret;
}

static const struct {
	const char *name;
	int (*fn)(struct ctl *ctl, int argc, char **argv);
} objects[] = {
	{ "status", cmd_status },
	{ "topic", cmd_topic },
	{ "filter", cmd_filter },
	{ "stats", cmd_stats },
	{ "top", cmd_top },
	{ "monitor", cmd_monitor },
	{ "probe", cmd_probe },
	{ "acl", cmd_acl },
	{ "deadletter", cmd_deadletter },
};

int main(int argc, char **argv)
{
	struct ctl ctl = { 0 };
	size_t i;

	for (argc--, argv++; argc > 0 && argv[0][0] == '-'; argc--, argv++) {
		const char *o = argv[0];

		if (!strcmp(o, "-j") || !strcmp(o, "--json") || !strcmp(o, "-json")) {
			ctl.json = true;
		} else if (!strcmp(o, "-V") || !strcmp(o, "--version")) {
			printf("streamctl %s (kstream genl version %d)\n",
			       STREAMCTL_VERSION, KSTREAM_GENL_VERSION);
			return flush_stdout(EXIT_OK);
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			return flush_stdout(EXIT_OK);
		} else {
			fprintf(stderr, "streamctl: unknown option %s\n", o);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (!strcmp(argv[0], objects[i].name))
			return flush_stdout(objects[i].fn(&ctl, argc, argv));
	fprintf(stderr, "streamctl: unknown object \"%s\" (try streamctl -h)\n", argv[0]);
	return EXIT_USAGE;
}
