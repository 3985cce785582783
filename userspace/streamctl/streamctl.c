// SPDX-License-Identifier: GPL-2.0
/*
 * streamctl: create, inspect and configure kstream topics over the
 * "kstream" generic netlink family.  iproute2-style command line:
 *
 *   streamctl [-j] OBJECT COMMAND [ARGS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>

#include <linux/kstream.h>

#include "streamctl.h"

/* The Makefile passes scripts/version's, which the module carries too. */
#ifndef KSTREAM_VERSION
#define KSTREAM_VERSION "unknown"
#endif

int cmd_status(struct ctl *ctl, int argc, char **argv)
{
	struct genl_family *fam = NULL;
	struct nl_sock *sk;
	int err;

	if (argc > 0) {
		fprintf(stderr, "streamctl: status: unexpected argument \"%s\"\n",
			argv[0]);
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

/* streamctl without a command: the help, as a usage error. */
static int streamctl_default(struct ctl *ctl, int argc, char **argv)
{
	(void)ctl;
	(void)argc;
	(void)argv;
	usage(stderr);
	return EXIT_USAGE;
}

/*
 * The objects and commands.  A new command is one entry here (or in the
 * object's table: topic_table in topic.c, ...), help text included.
 */
static const struct cmd streamctl_cmds[] = {
	{ .name = "status", .fn = cmd_status,
	  .help = "is kstream loaded, family id and version" },
	{ .name = "topic", .sub = &topic_table, .help = "" },
	{ .name = "filter", .sub = &filter_table, .help = "" },
	{ .name = "stats", .sub = &stats_table, .help = "" },
	/* "t" and "to" are topic: top is spelled out */
	{ .name = "top", .fn = cmd_top, .min = 3,
	  .args = "[-i SECONDS] [-n COUNT]",
	  .help = "live per-topic rates, lag and p99 latency,\n"
		  "every SECONDS (default 1); q quits; -n stops\n"
		  "after COUNT refreshes" },
	{ .name = "monitor", .fn = cmd_monitor, .args = "[-n COUNT]",
	  .help = "print topic events as they happen (created,\n"
		  "deleted, reader lapped, ...); -n stops after\n"
		  "COUNT events" },
	{ .name = "probe", .fn = cmd_probe,
	  .args = "TOPIC [-c COUNT] [-i SECONDS] [-t SECONDS]",
	  .help = "publish a marked message (16 bytes starting\n"
		  "KSPROBE1) and time its arrival at a reader of\n"
		  "its own; COUNT probes (default 1) SECONDS apart\n"
		  "(default 1), each failing after -t (default 2)" },
	{ .name = "acl", .sub = &acl_table, .help = "" },
	{ .name = "deadletter", .sub = &deadletter_table, .help = "" },
	{ .name = "config", .sub = &config_table, .help = "" },
};

static const struct cmd_table streamctl_table = {
	.cmds = streamctl_cmds,
	.n = CMD_TABLE_SIZE(streamctl_cmds),
	.dflt = streamctl_default,
	.notes = STREAMCTL_NOTE_NAME STREAMCTL_NOTE_SIZE STREAMCTL_NOTE_MODE
		 STREAMCTL_NOTE_USER
		 "\n"
		 "  Commands and objects are matched by unique prefix (t a is\n"
		 "  topic add; top is spelled out); OBJECT help [COMMAND] tells\n"
		 "  more about one.\n"
		 "\n"
		 "  topic add needs CAP_NET_ADMIN or membership of the module's\n"
		 "  creator group; topic del, acl add/del, filter attach/detach and\n"
		 "  stats reset need CAP_NET_ADMIN or the admin right on the topic;\n"
		 "  config set needs CAP_SYS_ADMIN.\n"
		 "\n"
		 "Options:\n"
		 "  -j, --json     JSON output\n"
		 "  -V, --version  print the version and exit\n"
		 "  -h, --help     this help\n"
		 "\n"
		 "Errors are one line on standard error, \"streamctl: WHAT: WHY\",\n"
		 "naming the command and its object (and for a value out of range,\n"
		 "the range).  Exit status: 0 success, 1 the kernel refused the\n"
		 "request (its reason is printed) or a probe failed, 2 usage error\n"
		 "(nothing was sent), 3 kstream module not loaded.\n",
};

void usage(FILE *f)
{
	cmd_usage(f, &streamctl_table, 0, NULL);
}

int main(int argc, char **argv)
{
	struct ctl ctl = { 0 };

	for (argc--, argv++; argc > 0 && argv[0][0] == '-'; argc--, argv++) {
		const char *o = argv[0];

		if (!strcmp(o, "-j") || !strcmp(o, "--json") || !strcmp(o, "-json")) {
			ctl.json = true;
		} else if (!strcmp(o, "-V") || !strcmp(o, "--version")) {
			printf("streamctl %s (kstream genl version %d)\n",
			       KSTREAM_VERSION, KSTREAM_GENL_VERSION);
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
	return flush_stdout(cmd_run(&streamctl_table, &ctl, argc, argv));
}
