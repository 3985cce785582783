// SPDX-License-Identifier: GPL-2.0
/*
 * streambridge: carry kstream topics between nodes.
 *
 *   streambridge -c FILE                 run the routes and listeners of FILE
 *   streambridge -c FILE -t              check FILE and exit
 *   streambridge [OPTIONS] run           one route and/or one listener from flags
 *   streambridge [-c FILE | -S SOCK] status [-j]   ask the running daemon
 *   streambridge [-c FILE | -S SOCK] metrics       Prometheus text
 *   streambridge [-c FILE | -S SOCK] events [-j] [-f] [--since N]   the event log
 *
 * Exit status: 0 success; 1 runtime failure (cannot start, daemon not
 * reachable); 2 usage or configuration error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "daemon.h"

/* The Makefile passes scripts/version's (streamctl -V and the module agree). */
#ifndef KSTREAM_VERSION
#define KSTREAM_VERSION "unknown"
#endif

static void usage(FILE *f)
{
	fputs("usage: streambridge -c FILE [-t]\n"
	      "       streambridge [-c FILE | -S SOCKET] status [-j]\n"
	      "       streambridge [-c FILE | -S SOCKET] metrics\n"
	      "       streambridge [-c FILE | -S SOCKET] events [-j] [-f] [--since N]\n"
	      "       streambridge --name NODE [--id N] [--control SOCKET]\n"
	      "                    [--source TOPIC --to kstream://HOST:PORT/TOPIC [--start live|oldest|SEQ]\n"
	      "                     [--compression none|lz4|zstd]]\n"
	      "                    [--listen HOST:PORT --grant 'IDENTITY TOPIC[,TOPIC]'...]\n"
	      "                    [--cert FILE --key FILE --ca FILE [--pin sha256:HEX] | --insecure] run\n"
	      "\n"
	      "  -c, --config FILE   configuration (Documentation/bridge.rst)\n"
	      "  -t, --test          check the configuration and exit\n"
	      "  -S, --socket PATH   control socket (default: [node] control of -c FILE)\n"
	      "  -j, --json          status or events as JSON\n"
	      "  -f, --follow        events: keep reading new ones until interrupted\n"
	      "      --since N       events: from record N on (default: all the daemon keeps)\n"
	      "  -V, --version       print the version and exit\n", f);
}

/* Append "key = value\n" to the generated configuration. */
static int add(char *buf, size_t cap, const char *key, const char *v)
{
	size_t n = strlen(buf);
	int w;

	if (strchr(v, '\n'))
		return -1;
	w = snprintf(buf + n, cap - n, "%s = %s\n", key, v);
	return w < 0 || (size_t)w >= cap - n ? -1 : 0;
}

enum { O_NAME = 256, O_ID, O_CONTROL, O_SOURCE, O_TO, O_START, O_COMP, O_LISTEN, O_GRANT,
       O_CERT, O_KEY, O_CA, O_PIN, O_INSECURE, O_SINCE };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "test", no_argument, NULL, 't' },
		{ "socket", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "follow", no_argument, NULL, 'f' },
		{ "since", required_argument, NULL, O_SINCE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "name", required_argument, NULL, O_NAME },
		{ "id", required_argument, NULL, O_ID },
		{ "control", required_argument, NULL, O_CONTROL },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "to", required_argument, NULL, O_TO },
		{ "start", required_argument, NULL, O_START },
		{ "compression", required_argument, NULL, O_COMP },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "grant", required_argument, NULL, O_GRANT },
		{ "cert", required_argument, NULL, O_CERT },
		{ "key", required_argument, NULL, O_KEY },
		{ "ca", required_argument, NULL, O_CA },
		{ "pin", required_argument, NULL, O_PIN },
		{ "insecure", no_argument, NULL, O_INSECURE },
		{ 0 }
	};
	/* Flags build an INI text: node keys, route keys, listener keys. */
	static char node[4096], route[2048], listener[8192];
	const char *config = NULL, *sock = NULL, *cmd;
	bool test = false, json = false, follow = false;
	unsigned long long since = 0;
	char *end;
	struct bc_config *c = NULL;
	char err[BC_ERR_MAX];
	int o, bad = 0;

	while ((o = getopt_long(argc, argv, "+c:tS:jhV", opts, NULL)) != -1) {
		switch (o) {
		case 'c': config = optarg; break;
		case 't': test = true; break;
		case 'S': sock = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("streambridge %s\n", KSTREAM_VERSION); return 0;
		case O_NAME: bad |= add(node, sizeof(node), "name", optarg); break;
		case O_ID: bad |= add(node, sizeof(node), "id", optarg); break;
		case O_CONTROL: bad |= add(node, sizeof(node), "control", optarg); break;
		case O_CERT: bad |= add(node, sizeof(node), "cert", optarg); break;
		case O_KEY: bad |= add(node, sizeof(node), "key", optarg); break;
		case O_CA: bad |= add(node, sizeof(node), "ca", optarg); break;
		case O_INSECURE: bad |= add(node, sizeof(node), "insecure", "yes"); break;
		case O_SOURCE: bad |= add(route, sizeof(route), "source", optarg); break;
		case O_TO: bad |= add(route, sizeof(route), "destination", optarg); break;
		case O_START: bad |= add(route, sizeof(route), "start", optarg); break;
		case O_COMP: bad |= add(route, sizeof(route), "compression", optarg); break;
		case O_PIN: bad |= add(route, sizeof(route), "pin", optarg); break;
		case O_LISTEN: bad |= add(listener, sizeof(listener), "listen", optarg); break;
		case O_GRANT: bad |= add(listener, sizeof(listener), "grant", optarg); break;
		default: usage(stderr); return 2;
		}
	}
	if (bad) {
		fprintf(stderr, "streambridge: option value too long or with a newline\n");
		return 2;
	}
	cmd = optind < argc ? argv[optind++] : NULL;
	/* "status -j", "events -f": options after the command. */
	while ((o = getopt_long(argc, argv, "jf", opts, NULL)) != -1) {
		switch (o) {
		case 'j': json = true; break;
		case 'f': follow = true; break;
		case O_SINCE:
			errno = 0;
			since = strtoull(optarg, &end, 10);
			if (errno || *end || optarg[0] < '0' || optarg[0] > '9') {
				fprintf(stderr, "streambridge: --since '%s': not a record number\n",
					optarg);
				return 2;
			}
			break;
		default: usage(stderr); return 2;
		}
	}
	if ((follow || since) && (!cmd || strcmp(cmd, "events"))) {
		fprintf(stderr, "streambridge: -f and --since go with the events command\n");
		return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "streambridge: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (config && (node[0] || route[0] || listener[0])) {
		fprintf(stderr, "streambridge: -c and the route/listener flags exclude each other\n");
		return 2;
	}
	if (config) {
		if (bc_load(config, &c, err, sizeof(err))) {
			fprintf(stderr, "streambridge: %s\n", err);
			return 2;
		}
	} else if (node[0]) {
		static char text[16384];

		snprintf(text, sizeof(text), "[node]\n%s%s%s%s%s", node,
			 route[0] ? "[route cli]\n" : "", route,
			 listener[0] ? "[listener cli]\n" : "", listener);
		if (bc_load_string(text, "command line", &c, err, sizeof(err))) {
			fprintf(stderr, "streambridge: %s\n", err);
			return 2;
		}
	}
	if (cmd && (!strcmp(cmd, "status") || !strcmp(cmd, "metrics") ||
		    !strcmp(cmd, "events"))) {
		enum status_format fmt = !strcmp(cmd, "metrics") ? STATUS_PROM :
					 json ? STATUS_JSON : STATUS_TEXT;
		char path[BC_PATH_MAX];

		if (!sock && !c) {
			fprintf(stderr, "streambridge: %s needs -c FILE or -S SOCKET\n", cmd);
			return 2;
		}
		snprintf(path, sizeof(path), "%s", sock ? sock : c->node.control);
		bc_free(c);
		if (!strcmp(cmd, "events"))
			return events_query(path, json, follow, since);
		return status_query(path, fmt);
	}
	if (cmd && strcmp(cmd, "run")) {
		fprintf(stderr, "streambridge: unknown command '%s' (run, status, metrics, events)\n",
			cmd);
		return 2;
	}
	if (!c) {
		usage(stderr);
		return 2;
	}
	if (test) {
		printf("%s: ok: node %s, %d routes, %d listeners\n", c->path, c->node.name,
		       c->nroutes, c->nlisteners);
		bc_free(c);
		return 0;
	}
	return daemon_run(c);
}
